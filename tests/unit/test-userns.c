/* Unit tests of userns.c: program lookup, the rootless checks (run in a
   child that dropped to an unprivileged uid), and user namespaces made
   with a mapping (as root).  */
#define _GNU_SOURCE
#include "unit.h"

#include "libcontainer/userns.h"
#include "libcontainer/utils.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_find_program (void)
{
  char *saved = holo_xstrdup (getenv ("PATH"));
  char *p;

  setenv ("PATH", "relative/dir:/nonexistent:/bin:/usr/bin", 1);
  p = holo_find_program ("sh");
  UNIT_ASSERT (p != NULL && p[0] == '/');
  free (p);
  UNIT_ASSERT (holo_find_program ("no-such-program-holo") == NULL);
  /* Relative PATH entries are never used.  */
  setenv ("PATH", ".", 1);
  UNIT_ASSERT (holo_find_program ("sh") == NULL);
  /* Unset: the system directories.  */
  unsetenv ("PATH");
  p = holo_find_program ("sh");
  UNIT_ASSERT (p != NULL);
  free (p);
  if (saved)
    setenv ("PATH", saved, 1);
  free (saved);
}

static struct holo_idmap own_uid = { 0, 65534, 1 };
static struct holo_idmap own_gid = { 0, 65534, 1 };
static struct holo_idmap ranges[] = { { 0, 65534, 1 }, { 1, 1700000, 1000 } };

/* A spec with a new user namespace and the given maps.  */
static void
userns_spec (struct holo_spec *spec, struct holo_idmap *uids, size_t nu, struct holo_idmap *gids, size_t ng)
{
  memset (spec, 0, sizeof *spec);
  spec->linux_.namespaces[HOLO_NS_USER].present = true;
  spec->linux_.uid_mappings = uids;
  spec->linux_.n_uid_mappings = nu;
  spec->linux_.gid_mappings = gids;
  spec->linux_.n_gid_mappings = ng;
}

/* Runs holo_userns_check_rootless as uid/gid 65534 (nobody) with PATH set
   to PATH_ENV; returns its message ("" when it passed).  */
static char *
check_as_nobody (const struct holo_spec *spec, const char *path_env)
{
  int p[2];
  char buf[512] = "";
  ssize_t n;
  pid_t pid;

  if (pipe (p) < 0)
    return holo_xstrdup ("pipe failed");
  pid = fork ();
  if (pid == 0)
    {
      holo_error_t err = NULL;
      const char *msg = "";
      close (p[0]);
      if (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
        _exit (2);
      setenv ("PATH", path_env, 1);
      if (holo_userns_check_rootless (spec, &err) < 0)
        msg = err->msg;
      if (write (p[1], msg, strlen (msg)) < 0)
        _exit (3);
      _exit (0);
    }
  close (p[1]);
  n = read (p[0], buf, sizeof buf - 1);
  close (p[0]);
  waitpid (pid, NULL, 0);
  buf[n > 0 ? n : 0] = '\0';
  return holo_xstrdup (buf);
}

static void
test_rootless_needs_a_user_namespace (void)
{
  struct holo_spec spec;
  holo_error_t err = NULL;

  memset (&spec, 0, sizeof spec);
  UNIT_ASSERT_INT_EQ (holo_userns_check_rootless (&spec, &err), -1);
  UNIT_ASSERT (strstr (err->msg, "rootless container requires user namespaces") != NULL);
  holo_error_release (&err);
  /* Joining one is fine: the mappings are the namespace's business.  */
  spec.linux_.namespaces[HOLO_NS_USER].present = true;
  spec.linux_.namespaces[HOLO_NS_USER].path = (char *) "/proc/1/ns/user";
  UNIT_ASSERT_INT_EQ (holo_userns_check_rootless (&spec, &err), 0);
}

static void
test_rootless_own_ids_need_no_helper (void)
{
  struct holo_spec spec;
  char *msg;

  if (geteuid () != 0)
    return; /* needs to become nobody */
  userns_spec (&spec, &own_uid, 1, &own_gid, 1);
  /* No newuidmap anywhere, and none needed.  */
  msg = check_as_nobody (&spec, "/nonexistent");
  UNIT_ASSERT_STR_EQ (msg, "");
  free (msg);
}

static void
test_rootless_missing_helper (void)
{
  struct holo_spec spec;
  char *msg;

  if (geteuid () != 0)
    return;
  userns_spec (&spec, ranges, 2, &own_gid, 1);
  msg = check_as_nobody (&spec, "/nonexistent");
  UNIT_ASSERT (strstr (msg, "newuidmap not found: install the uidmap package") != NULL);
  free (msg);
  userns_spec (&spec, &own_uid, 1, ranges, 2);
  msg = check_as_nobody (&spec, "/nonexistent");
  UNIT_ASSERT (strstr (msg, "newgidmap not found: install the uidmap package") != NULL);
  free (msg);
}

static void
test_rootless_missing_subordinate_ids (void)
{
  struct holo_spec spec;
  char *msg, *helper = holo_find_program ("newuidmap");

  if (geteuid () != 0 || helper == NULL)
    {
      free (helper);
      return; /* the check needs the helper to get this far */
    }
  free (helper);
  userns_spec (&spec, ranges, 2, &own_gid, 1);
  msg = check_as_nobody (&spec, "/usr/bin:/bin");
  /* nobody has no /etc/subuid entry on a normal system.  */
  UNIT_ASSERT (strstr (msg, "no subordinate ids for user nobody in /etc/subuid") != NULL);
  free (msg);
}

/* Reads /proc/self/uid_map (or gid_map) from inside the user namespace FD.  */
static char *
map_inside (int fd, const char *file)
{
  int p[2];
  char buf[256] = "";
  ssize_t n;
  pid_t pid;

  if (pipe (p) < 0)
    return holo_xstrdup ("");
  pid = fork ();
  if (pid == 0)
    {
      char path[64];
      char *text = NULL;
      close (p[0]);
      snprintf (path, sizeof path, "/proc/self/%s", file);
      if (setns (fd, CLONE_NEWUSER) < 0 || holo_read_file (path, &text, NULL, NULL) < 0)
        _exit (1);
      if (write (p[1], text, strlen (text)) < 0)
        _exit (1);
      _exit (0);
    }
  close (p[1]);
  n = read (p[0], buf, sizeof buf - 1);
  close (p[0]);
  waitpid (pid, NULL, 0);
  buf[n > 0 ? n : 0] = '\0';
  return holo_xstrdup (buf);
}

static void
test_open_mapped (void)
{
  struct holo_idmap uids[] = { { 0, 100000, 1000 }, { 1000, 300000, 1 } };
  struct holo_idmap gids[] = { { 0, 200000, 65536 } };
  holo_error_t err = NULL;
  unsigned a, b, c, d, e, f;
  char *text;
  int fd;

  if (geteuid () != 0)
    return;
  fd = holo_userns_open_mapped (uids, 2, gids, 1, &err);
  UNIT_ASSERT (fd >= 0);
  text = map_inside (fd, "uid_map");
  UNIT_ASSERT (sscanf (text, " %u %u %u %u %u %u", &a, &b, &c, &d, &e, &f) == 6);
  UNIT_ASSERT (a == 0 && b == 100000 && c == 1000 && d == 1000 && e == 300000 && f == 1);
  free (text);
  text = map_inside (fd, "gid_map");
  UNIT_ASSERT (sscanf (text, " %u %u %u", &a, &b, &c) == 3 && a == 0 && b == 200000 && c == 65536);
  free (text);
  /* Root may leave setgroups allowed.  */
  text = map_inside (fd, "setgroups");
  UNIT_ASSERT (strncmp (text, "allow", 5) == 0);
  free (text);
  close (fd);
}

static void
test_open_mapped_bad_map (void)
{
  /* Overlapping ranges: the kernel refuses the map.  */
  struct holo_idmap uids[] = { { 0, 100000, 10 }, { 5, 200000, 10 } };
  holo_error_t err = NULL;

  if (geteuid () != 0)
    return;
  UNIT_ASSERT_INT_EQ (holo_userns_open_mapped (uids, 2, uids, 1, &err), -1);
  UNIT_ASSERT (strstr (err->msg, "write uid_map") != NULL);
  holo_error_release (&err);
}

static void
test_not_in_a_user_namespace (void)
{
  cleanup_free char *map = NULL;

  /* Meaningful only on a host: inside a container this is true.  */
  if (holo_read_file ("/proc/self/uid_map", &map, NULL, NULL) == 0 && strstr (map, "4294967295"))
    UNIT_ASSERT (!holo_running_in_userns ());
}

int
main (void)
{
  UNIT_RUN (test_find_program);
  UNIT_RUN (test_rootless_needs_a_user_namespace);
  UNIT_RUN (test_rootless_own_ids_need_no_helper);
  UNIT_RUN (test_rootless_missing_helper);
  UNIT_RUN (test_rootless_missing_subordinate_ids);
  UNIT_RUN (test_open_mapped);
  UNIT_RUN (test_open_mapped_bad_map);
  UNIT_RUN (test_not_in_a_user_namespace);
  return unit_finish ();
}
