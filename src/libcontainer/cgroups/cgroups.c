#define _GNU_SOURCE
#include "cgroups.h"
#include "systemd.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <time.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

struct hierarchy
{
  char *mountpoint;
  char *controllers; /* super options for v1 ("rw,memory"), "" for cgroup2 */
  bool v2;
};

/* Every cgroup hierarchy mounted under /sys/fs/cgroup, from mountinfo.  */
static int
read_hierarchies (struct hierarchy **out, size_t *n_out, holo_error_t *err)
{
  cleanup_file FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return holo_make_error (err, errno, "open /proc/self/mountinfo");
  cleanup_free char *line = NULL;
  size_t cap = 0, n = 0;
  struct hierarchy *h = NULL;
  while (getline (&line, &cap, f) > 0)
    {
      char *sep = strstr (line, " - ");
      if (sep == NULL)
        continue;
      char mountpoint[4096], fstype[64], source[256], superopts[1024] = "";
      if (sscanf (line, "%*s %*s %*s %*s %4095s", mountpoint) != 1)
        continue;
      if (sscanf (sep + 3, "%63s %255s %1023s", fstype, source, superopts) < 2)
        continue;
      bool v2 = strcmp (fstype, "cgroup2") == 0;
      if (!v2 && strcmp (fstype, "cgroup") != 0)
        continue;
      if (strncmp (mountpoint, CGROUP_ROOT, strlen (CGROUP_ROOT)) != 0)
        continue;
      bool dup = false;
      for (size_t i = 0; i < n; i++)
        dup |= strcmp (h[i].mountpoint, mountpoint) == 0;
      if (dup)
        continue;
      h = holo_xrealloc (h, (n + 1) * sizeof *h);
      h[n].mountpoint = holo_xstrdup (mountpoint);
      h[n].controllers = holo_xstrdup (v2 ? "" : superopts);
      h[n].v2 = v2;
      n++;
    }
  if (n == 0)
    return holo_make_error (err, 0, "no cgroup hierarchy is mounted under " CGROUP_ROOT);
  *out = h;
  *n_out = n;
  return 0;
}

/* The hierarchies do not change while one holo command runs, but it asks
   for them a dozen times (create, resources, delete, status): mountinfo is
   read once per process.  Keyed by pid, so a child in another mount
   namespace (the init) reads its own.  Never freed: it lives as long as
   the process.  */
static struct
{
  pid_t pid;
  struct hierarchy *h;
  size_t n;
} hierarchy_cache;

static int
list_hierarchies (const struct hierarchy **out, size_t *n_out, holo_error_t *err)
{
  pid_t self = getpid ();
  if (hierarchy_cache.h == NULL || hierarchy_cache.pid != self)
    {
      struct hierarchy *h = NULL;
      size_t n = 0;
      if (read_hierarchies (&h, &n, err) < 0)
        return -1;
      /* A list inherited through fork is replaced, not freed.  */
      hierarchy_cache.h = h;
      hierarchy_cache.n = n;
      hierarchy_cache.pid = self;
    }
  *out = hierarchy_cache.h;
  *n_out = hierarchy_cache.n;
  return 0;
}

enum holo_cgroup_mode
holo_cgroup_mode (void)
{
  struct statfs sf;
  if (statfs (CGROUP_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return HOLO_CGROUP_UNIFIED;
  if (statfs (CGROUP_ROOT "/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return HOLO_CGROUP_HYBRID;
  return HOLO_CGROUP_LEGACY;
}

/* Where the system instance of systemd puts the scope for
   "slice:prefix:name" (the systemd driver asks systemd for the real one). */
static int
resolve_systemd_path (const char *cgroups_path, const char *id, char **out, holo_error_t *err)
{
  struct holo_systemd_unit u = { 0 };
  *out = NULL;
  if (holo_systemd_parse_path (cgroups_path, id, false, &u, err) < 0)
    return -1;
  char *slice = holo_systemd_expand_slice (u.slice, err);
  if (slice)
    *out = holo_xasprintf ("%s/%s", slice, u.name);
  free (slice);
  holo_systemd_unit_clear (&u);
  return *out ? 0 : -1;
}

int
holo_cgroup_resolve_path (const char *cgroups_path, const char *id, enum holo_cgroup_manager manager, char **out,
                          holo_error_t *err)
{
  if (manager == HOLO_CGROUP_MANAGER_SYSTEMD)
    return resolve_systemd_path (cgroups_path, id, out, err);
  /* Cleaned as runc does: "/x/." is "/x" (the kernel refuses to rmdir a
     path ending in "."), and ".." never climbs above the root.  */
  *out = holo_clean_path (cgroups_path && *cgroups_path ? cgroups_path : id);
  return 0;
}

static bool
is_cpuset (const struct hierarchy *h)
{
  return !h->v2 && strstr (h->controllers, "cpuset") != NULL;
}

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks;
   inherit the parent's values.  */
static void
cpuset_inherit (const char *dir)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *mine = holo_xasprintf ("%s/%s", dir, files[i]);
      cleanup_free char *cur = NULL;
      if (holo_read_file (mine, &cur, NULL, NULL) < 0 || (cur[0] != '\n' && cur[0] != '\0'))
        continue;
      cleanup_free char *parent_file = holo_xasprintf ("%s/../%s", dir, files[i]);
      cleanup_free char *val = NULL;
      if (holo_read_file (parent_file, &val, NULL, NULL) == 0)
        holo_write_file (mine, val, strlen (val), NULL);
    }
}

static int
mkdir_cgroup (const struct hierarchy *h, const char *path, holo_error_t *err)
{
  cleanup_free char *full = holo_xasprintf ("%s%s", h->mountpoint, path);
  char *p = full + strlen (h->mountpoint);
  for (;;)
    {
      p = strchr (p + 1, '/');
      if (p)
        *p = '\0';
      if (mkdir (full, 0755) < 0 && errno != EEXIST)
        return holo_make_error (err, errno, "create cgroup `%s`", full);
      if (is_cpuset (h))
        cpuset_inherit (full);
      if (p == NULL)
        break;
      *p = '/';
    }
  return 0;
}

/* Whether PID already is in PATH of the cgroup2 hierarchy (it was cloned
   into it): then moving it there would only cost the wait of
   holo_cgroup_warm_up's comment for nothing.  */
static bool
in_v2_cgroup (pid_t pid, const char *path)
{
  char file[64];
  cleanup_free char *buf = NULL;
  snprintf (file, sizeof file, "/proc/%d/cgroup", (int) pid);
  if (holo_read_file (file, &buf, NULL, NULL) < 0)
    return false;
  for (char *line = buf, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if (strncmp (line, "0::", 3) == 0)
        return strcmp (line + 3, path) == 0;
    }
  return false;
}

int
holo_cgroup_enter (const char *path, pid_t pid, holo_error_t *err)
{
  const struct hierarchy *h = NULL;
  size_t n = 0;
  if (list_hierarchies (&h, &n, err) < 0)
    return -1;
  char pidbuf[32];
  int len = snprintf (pidbuf, sizeof pidbuf, "%d", pid);
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      ret = mkdir_cgroup (&h[i], path, err);
      if (ret < 0)
        break;
      if (h[i].v2 && in_v2_cgroup (pid, path))
        continue;
      cleanup_free char *procs = holo_xasprintf ("%s%s/cgroup.procs", h[i].mountpoint, path);
      ret = holo_write_file (procs, pidbuf, (size_t) len, err);
    }
  return ret;
}

int
holo_cgroup_clone_target (const char *path)
{
  const struct hierarchy *h = NULL;
  size_t n = 0;
  cleanup_error holo_error_t err = NULL;
  if (holo_cgroup_mode () != HOLO_CGROUP_UNIFIED || list_hierarchies (&h, &n, &err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      if (!h[i].v2)
        continue;
      if (mkdir_cgroup (&h[i], path, &err) < 0)
        {
          /* holo_cgroup_enter meets the same error and says what to do. */
          holo_log_debug ("no CLONE_INTO_CGROUP: %s", err->msg);
          return -1;
        }
      cleanup_free char *dir = holo_xasprintf ("%s%s", h[i].mountpoint, path);
      return open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  return -1;
}

/* rmdir DIR and any child cgroups left inside it (deepest first).  */
static int
remove_cgroup_dir (const char *dir)
{
  /* The usual case, a cgroup without children whose processes are gone,
     needs no look inside (ten hierarchies on v1: 40 syscalls saved).  */
  if (rmdir (dir) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return -1;
  cleanup_dir DIR *d = opendir (dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : -1;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      cleanup_free char *sub = holo_xasprintf ("%s/%s", dir, de->d_name);
      remove_cgroup_dir (sub);
    }
  /* The last processes may still be exiting: the kernel keeps the cgroup
     busy until they are reaped.  */
  for (int attempt = 0; attempt < 100; attempt++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        return -1;
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  return -1;
}

int
holo_cgroup_destroy (const char *state_path, holo_error_t *err)
{
  const struct hierarchy *h = NULL;
  size_t n = 0;
  /* Cleaned again: the state of a container made by an older holo may
     hold an uncleaned "/x/.", which rmdir refuses.  */
  cleanup_free char *path = holo_clean_path (state_path);
  if (strcmp (path, "/") == 0)
    return 0;
  if (list_hierarchies (&h, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *dir = holo_xasprintf ("%s%s", h[i].mountpoint, path);
      if (remove_cgroup_dir (dir) < 0 && ret == 0)
        ret = holo_make_error (err, errno, "remove cgroup `%s`", dir);
    }
  return ret;
}

char *
holo_cgroup_controller_dir (const char *path, const char *controller)
{
  const struct hierarchy *h = NULL;
  size_t n = 0;
  cleanup_error holo_error_t err = NULL;
  if (list_hierarchies (&h, &n, &err) < 0)
    return NULL;
  char *result = NULL;
  for (size_t i = 0; i < n && result == NULL; i++)
    {
      bool match;
      if (*controller == '\0')
        match = h[i].v2;
      else if (h[i].v2)
        match = holo_cgroup_mode () == HOLO_CGROUP_UNIFIED;
      else
        {
          cleanup_free char *opts = holo_xasprintf (",%s,", h[i].controllers);
          cleanup_free char *want = holo_xasprintf (",%s,", controller);
          match = strstr (opts, want) != NULL;
        }
      if (match)
        result = holo_xasprintf ("%s%s", h[i].mountpoint, path);
    }
  return result;
}

/* The hierarchy whose cgroup.procs is authoritative for "every process".  */
static char *
procs_dir (const char *path)
{
  static const char *const prefer[] = { "pids", "memory", "freezer", "cpu", "" };
  for (size_t i = 0; i < sizeof prefer / sizeof prefer[0]; i++)
    {
      char *d = holo_cgroup_controller_dir (path, prefer[i]);
      if (d)
        return d;
    }
  return NULL;
}

int
holo_cgroup_pids (const char *path, pid_t **pids, size_t *n, holo_error_t *err)
{
  cleanup_free char *dir = procs_dir (path);
  if (dir == NULL)
    return holo_make_error (err, 0, "no cgroup hierarchy found for `%s`", path);
  cleanup_free char *file = holo_xasprintf ("%s/cgroup.procs", dir);
  cleanup_free char *buf = NULL;
  if (holo_read_file (file, &buf, NULL, err) < 0)
    return -1;
  size_t count = 0;
  pid_t *out = NULL;
  for (char *tok = strtok (buf, "\n"); tok; tok = strtok (NULL, "\n"))
    {
      out = holo_xrealloc (out, (count + 1) * sizeof *out);
      out[count++] = (pid_t) atoi (tok);
    }
  *pids = out;
  *n = count;
  return 0;
}
