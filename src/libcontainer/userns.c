/* User namespaces from holo's side: id maps, rootless checks, namespaces
   that carry a mapping for idmapped mounts.  See userns.h.  */
#define _GNU_SOURCE
#include "userns.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* What differs between the uid and the gid side.  */
struct id_kind
{
  const char *map_file;   /* "uid_map" */
  const char *helper;     /* "newuidmap" */
  const char *subid_file; /* "/etc/subuid" */
  const char *json;       /* "linux.uidMappings" */
  unsigned int own_id;    /* our effective id: the one we may map ourselves */
};

static void
id_kind_init (struct id_kind *k, bool gid)
{
  k->map_file = gid ? "gid_map" : "uid_map";
  k->helper = gid ? "newgidmap" : "newuidmap";
  k->subid_file = gid ? "/etc/subgid" : "/etc/subuid";
  k->json = gid ? "linux.gidMappings" : "linux.uidMappings";
  k->own_id = gid ? (unsigned int) getegid () : (unsigned int) geteuid ();
}

static bool
is_own_id_only (const struct id_kind *k, const struct holo_idmap *maps, size_t n)
{
  return n == 1 && maps[0].size == 1 && maps[0].host_id == k->own_id;
}

/* Root writes any mapping itself; an unprivileged user only its own id.  */
static bool
needs_helper (const struct id_kind *k, const struct holo_idmap *maps, size_t n)
{
  return geteuid () != 0 && !is_own_id_only (k, maps, n);
}

char *
holo_find_program (const char *name)
{
  const char *path = getenv ("PATH");
  cleanup_free char *dirs = holo_xstrdup (path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  char *save = NULL;

  for (char *d = strtok_r (dirs, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      char *full;
      if (d[0] != '/')
        continue;
      full = holo_xasprintf ("%s/%s", d, name);
      if (access (full, X_OK) == 0)
        return full;
      free (full);
    }
  return NULL;
}

/* ---- writing the maps ---- */

static char *
format_map (const struct holo_idmap *maps, size_t n, size_t *len)
{
  size_t cap = 1 + n * 33, used = 0; /* three 10-digit numbers a line */
  char *buf = holo_xmalloc (cap);

  for (size_t i = 0; i < n; i++)
    used += (size_t) snprintf (buf + used, cap - used, "%u %u %u\n", maps[i].container_id, maps[i].host_id,
                               maps[i].size);
  *len = used;
  return buf;
}

static int
write_map_directly (pid_t pid, const struct id_kind *k, const struct holo_idmap *maps, size_t n, holo_error_t *err)
{
  size_t len;
  cleanup_free char *buf = format_map (maps, n, &len);
  cleanup_free char *path = holo_xasprintf ("/proc/%d/%s", pid, k->map_file);

  /* The kernel takes the whole map in a single write(2).  */
  if (holo_write_file (path, buf, len, err) < 0)
    return holo_error_prefix (err, "write %s", k->map_file);
  return 0;
}

static char **
helper_argv (pid_t pid, const struct id_kind *k, const struct holo_idmap *maps, size_t n)
{
  char **argv = holo_xmalloc ((3 + 3 * n) * sizeof (char *));
  size_t a = 0;

  argv[a++] = holo_xstrdup (k->helper);
  argv[a++] = holo_xasprintf ("%d", pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[a++] = holo_xasprintf ("%u", maps[i].container_id);
      argv[a++] = holo_xasprintf ("%u", maps[i].host_id);
      argv[a++] = holo_xasprintf ("%u", maps[i].size);
    }
  argv[a] = NULL;
  return argv;
}

/* Reads what the helper printed (its reason for refusing), trimmed.  */
static void
read_helper_output (int fd, char *msg, size_t size)
{
  size_t used = 0;

  for (;;)
    {
      char chunk[256];
      ssize_t r = read (fd, chunk, sizeof chunk);
      size_t take;
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      take = (size_t) r < size - 1 - used ? (size_t) r : size - 1 - used;
      memcpy (msg + used, chunk, take);
      used += take;
    }
  while (used > 0 && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
    used--;
  msg[used] = '\0';
}

/* newuidmap PID C H S...: the setuid helper checks the ranges against
   /etc/subuid; its complaint becomes our error.  */
static int
run_map_helper (pid_t pid, const struct id_kind *k, const struct holo_idmap *maps, size_t n, holo_error_t *err)
{
  cleanup_free char *prog = holo_find_program (k->helper);
  cleanup_strv char **argv = NULL;
  char msg[512];
  int out[2], status;
  pid_t child;

  if (prog == NULL)
    return holo_make_error (err, 0, "%s not found: install the uidmap package", k->helper);
  argv = helper_argv (pid, k, maps, n);
  if (pipe2 (out, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "pipe");
  fflush (NULL);
  child = fork ();
  if (child < 0)
    {
      int saved = errno;
      close (out[0]);
      close (out[1]);
      return holo_make_error (err, saved, "fork %s", k->helper);
    }
  if (child == 0)
    {
      dup2 (out[1], STDOUT_FILENO);
      dup2 (out[1], STDERR_FILENO);
      execv (prog, argv);
      dprintf (STDERR_FILENO, "exec %s: %s", prog, strerror (errno));
      _exit (127);
    }
  close (out[1]);
  read_helper_output (out[0], msg, sizeof msg);
  close (out[0]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return holo_make_error (err, errno, "wait for %s", k->helper);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return holo_make_error (err, 0, "write %s with %s: %s", k->map_file, k->helper,
                            msg[0] ? msg : "failed without a message");
  return 0;
}

static int
write_map (pid_t pid, const struct id_kind *k, const struct holo_idmap *maps, size_t n, holo_error_t *err)
{
  if (needs_helper (k, maps, n))
    return run_map_helper (pid, k, maps, n, err);
  return write_map_directly (pid, k, maps, n, err);
}

static int
deny_setgroups (pid_t pid, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/setgroups", pid);

  if (holo_write_file (path, "deny", 4, err) < 0)
    return holo_error_prefix (err, "write setgroups");
  return 0;
}

int
holo_userns_write_mappings (pid_t pid, const struct holo_idmap *uids, size_t n_uids, const struct holo_idmap *gids,
                            size_t n_gids, holo_error_t *err)
{
  struct id_kind uk, gk;

  id_kind_init (&uk, false);
  id_kind_init (&gk, true);
  if (n_uids && write_map (pid, &uk, uids, n_uids, err) < 0)
    return -1;
  if (n_gids == 0)
    return 0;
  /* Unprivileged, the kernel takes a gid map only once setgroups(2) is
     denied for good in the namespace (so nobody can drop a group that
     was meant to restrict them).  The init reads that and skips it.  */
  if (geteuid () != 0 && !needs_helper (&gk, gids, n_gids) && deny_setgroups (pid, err) < 0)
    return -1;
  return write_map (pid, &gk, gids, n_gids, err);
}

/* ---- rootless checks ---- */

/* Debian's kernel.unprivileged_userns_clone and user.max_user_namespaces:
   either at 0 means no user namespace for us.  */
static char *
userns_disabled_reason (void)
{
  static const char *const knobs[][2] = {
    { "/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone" },
    { "/proc/sys/user/max_user_namespaces", "user.max_user_namespaces" },
  };

  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
    {
      cleanup_free char *v = NULL;
      if (holo_read_file (knobs[i][0], &v, NULL, NULL) == 0 && strtol (v, NULL, 10) == 0)
        return holo_xasprintf ("%s is 0", knobs[i][1]);
    }
  return NULL;
}

/* Whether the line "NAME:START:COUNT" of /etc/subuid names USER (by name
   or number); fills its range.  */
static bool
parse_subid_line (char *line, const char *user, unsigned int uid, unsigned long *start, unsigned long *count)
{
  char *save = NULL;
  char *name = strtok_r (line, ":\n", &save);
  char *s = strtok_r (NULL, ":\n", &save);
  char *c = strtok_r (NULL, ":\n", &save);
  char *end;

  if (name == NULL || s == NULL || c == NULL)
    return false;
  if (strcmp (name, user) != 0 && (strtoul (name, &end, 10) != uid || *end != '\0' || end == name))
    return false;
  *start = strtoul (s, NULL, 10);
  *count = strtoul (c, NULL, 10);
  return true;
}

/* Does FILE give USER the host ids [START, START+COUNT)?  *HAS_ENTRY says
   whether the user appears in it at all.  */
static bool
subid_grants (const char *file, const char *user, unsigned int uid, unsigned long start, unsigned long count,
              bool *has_entry)
{
  cleanup_file FILE *f = fopen (file, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  *has_entry = false;
  while (f && getline (&line, &cap, f) > 0)
    {
      unsigned long s, c;
      if (line[0] == '#' || !parse_subid_line (line, user, uid, &s, &c))
        continue;
      *has_entry = true;
      if (start >= s && start + count <= s + c)
        return true;
    }
  return false;
}

static int
check_helper_usable (const struct id_kind *k, const struct holo_idmap *maps, size_t n, holo_error_t *err)
{
  cleanup_free char *prog = NULL;
  cleanup_free char *user = NULL;
  struct passwd *pw;
  unsigned int uid = (unsigned int) getuid ();

  if (!needs_helper (k, maps, n))
    return 0;
  prog = holo_find_program (k->helper);
  if (prog == NULL)
    return holo_make_error (err, 0, "%s not found: install the uidmap package (%s maps ids other than your own)",
                            k->helper, k->json);
  pw = getpwuid (uid);
  user = pw ? holo_xstrdup (pw->pw_name) : holo_xasprintf ("%u", uid);
  for (size_t i = 0; i < n; i++)
    {
      bool has_entry;
      /* The helpers let a user map its own id without a subordinate range. */
      if (maps[i].size == 1 && maps[i].host_id == k->own_id)
        continue;
      if (subid_grants (k->subid_file, user, uid, maps[i].host_id, maps[i].size, &has_entry))
        continue;
      if (!has_entry)
        return holo_make_error (err, 0, "no subordinate ids for user %s in %s", user, k->subid_file);
      return holo_make_error (err, 0, "%s[%zu]: host ids %u-%lu are not subordinate ids of user %s in %s", k->json, i,
                              maps[i].host_id, (unsigned long) maps[i].host_id + maps[i].size - 1, user, k->subid_file);
    }
  return 0;
}

int
holo_userns_check_rootless (const struct holo_spec *spec, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;
  const struct holo_namespace *user = &l->namespaces[HOLO_NS_USER];
  cleanup_free char *disabled = NULL;
  struct id_kind uk, gk;

  if (!user->present)
    return holo_make_error (err, 0,
                            "rootless container requires user namespaces: linux.namespaces has no user namespace "
                            "(see `holo spec --rootless`)");
  if (user->path)
    return 0;
  disabled = userns_disabled_reason ();
  if (disabled)
    return holo_make_error (err, 0, "rootless container requires user namespaces, but they are disabled: %s", disabled);
  id_kind_init (&uk, false);
  id_kind_init (&gk, true);
  if (check_helper_usable (&uk, l->uid_mappings, l->n_uid_mappings, err) < 0)
    return -1;
  return check_helper_usable (&gk, l->gid_mappings, l->n_gid_mappings, err);
}

/* ---- joined namespaces ---- */

static int
compare_idmap (const void *a, const void *b)
{
  const struct holo_idmap *x = a, *y = b;
  return x->container_id < y->container_id ? -1 : x->container_id > y->container_id;
}

/* Whether the lines of a uid_map/gid_map file are exactly MAPS (in any
   order).  */
static bool
map_file_matches (const char *text, const struct holo_idmap *maps, size_t n)
{
  cleanup_free struct holo_idmap *want = holo_xmalloc ((n + 1) * sizeof *want);
  cleanup_free struct holo_idmap *have = holo_xmalloc ((n + 1) * sizeof *have);
  const char *p = text;
  size_t got = 0;
  int used;
  unsigned int c, h, s;

  while (sscanf (p, " %u %u %u%n", &c, &h, &s, &used) == 3)
    {
      if (got == n)
        return false;
      have[got++] = (struct holo_idmap){ .container_id = c, .host_id = h, .size = s };
      p += used;
    }
  if (got != n)
    return false;
  memcpy (want, maps, n * sizeof *want);
  qsort (want, n, sizeof *want, compare_idmap);
  qsort (have, n, sizeof *have, compare_idmap);
  return memcmp (want, have, n * sizeof *want) == 0;
}

static int
check_joined_map (pid_t pid, const char *file, const char *json, const struct holo_idmap *maps, size_t n,
                  holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/%s", pid, file);
  cleanup_free char *text = NULL;

  if (n == 0)
    return 0;
  if (holo_read_file (path, &text, NULL, err) < 0)
    return -1;
  if (!map_file_matches (text, maps, n))
    return holo_make_error (err, 0, "config.json: %s: do not match the mappings of the joined user namespace", json);
  return 0;
}

int
holo_userns_check_joined (const struct holo_spec *spec, pid_t pid, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;

  if (check_joined_map (pid, "uid_map", "linux.uidMappings", l->uid_mappings, l->n_uid_mappings, err) < 0)
    return -1;
  return check_joined_map (pid, "gid_map", "linux.gidMappings", l->gid_mappings, l->n_gid_mappings, err);
}

/* ---- namespaces that carry a mapping ---- */

int
holo_userns_open_mapped (const struct holo_idmap *uids, size_t n_uids, const struct holo_idmap *gids, size_t n_gids,
                         holo_error_t *err)
{
  int hold[2], fd = -1;
  pid_t pid;

  if (pipe2 (hold, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "pipe");
  fflush (NULL);
  /* fork() into a new user namespace: the child exists only so that the
     namespace has a process while we write its maps and open it.  */
  pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      int saved = errno;
      close (hold[0]);
      close (hold[1]);
      return holo_make_error (err, saved, "create a user namespace for an idmapped mount");
    }
  if (pid == 0)
    {
      char c;
      close (hold[1]);
      /* Until holo closes its end, or dies.  */
      while (read (hold[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (hold[0]);
  if (holo_userns_write_mappings (pid, uids, n_uids, gids, n_gids, err) == 0)
    {
      cleanup_free char *path = holo_xasprintf ("/proc/%d/ns/user", pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        holo_make_error (err, errno, "open `%s`", path);
    }
  close (hold[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

bool
holo_running_in_userns (void)
{
  cleanup_free char *map = NULL;
  unsigned long c, h, s;

  if (holo_read_file ("/proc/self/uid_map", &map, NULL, NULL) < 0)
    return false;
  /* The initial namespace maps all of 0..2^32-2 onto itself.  */
  return !(sscanf (map, " %lu %lu %lu", &c, &h, &s) == 3 && c == 0 && h == 0 && s == 4294967295UL);
}
