/* Unit tests for the state store and cgroup path resolution.  */
#define _GNU_SOURCE
#include "libcontainer/cgroups/cgroups.h"
#include "libcontainer/store.h"
#include "libcontainer/utils.h"
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
resolve (const char *path, const char *id, enum holo_cgroup_manager m)
{
  holo_error_t err = NULL;
  char *out = NULL;
  if (holo_cgroup_resolve_path (path, id, m, &out, &err) < 0)
    {
      char *msg = holo_xasprintf ("ERROR: %s", err->msg);
      holo_error_release (&err);
      return msg;
    }
  return out;
}

#define RESOLVES_TO(path, id, m, want)                                                                                 \
  do                                                                                                                   \
    {                                                                                                                  \
      char *got_ = resolve (path, id, m);                                                                              \
      bool eq_ = strcmp (got_, want) == 0;                                                                             \
      if (!eq_)                                                                                                        \
        fprintf (stdout, "# %s -> %s (want %s)\n", path ? path : "(null)", got_, want);                                \
      free (got_);                                                                                                     \
      UNIT_ASSERT (eq_);                                                                                               \
    }                                                                                                                  \
  while (0)

static void
test_cgroup_paths_cgroupfs (void)
{
  RESOLVES_TO (NULL, "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/c1");
  RESOLVES_TO ("", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/c1");
  RESOLVES_TO ("/a/b", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/a/b");
  RESOLVES_TO ("a/b", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/a/b");
  /* Cleaned as runc's CleanPath: a trailing "." made a cgroup that could
     never be removed (rmdir "x/." is EINVAL); ".." stays under the root. */
  RESOLVES_TO ("/x/.", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/x");
  RESOLVES_TO ("x/./.", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/x");
  RESOLVES_TO ("a//b/", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/a/b");
  RESOLVES_TO ("/a/../../etc", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/etc");
  RESOLVES_TO ("../x/..", "c1", HOLO_CGROUP_MANAGER_CGROUPFS, "/");
}

static void
test_cgroup_paths_systemd (void)
{
  RESOLVES_TO ("system.slice:docker:abc", "c1", HOLO_CGROUP_MANAGER_SYSTEMD, "/system.slice/docker-abc.scope");
  RESOLVES_TO ("machine-x-y.slice:libpod:abc", "c1", HOLO_CGROUP_MANAGER_SYSTEMD,
               "/machine.slice/machine-x.slice/machine-x-y.slice/libpod-abc.scope");
  RESOLVES_TO (":holo:abc", "c1", HOLO_CGROUP_MANAGER_SYSTEMD, "/system.slice/holo-abc.scope");
  RESOLVES_TO (NULL, "c1", HOLO_CGROUP_MANAGER_SYSTEMD, "/system.slice/holo-c1.scope");
  RESOLVES_TO ("user.slice::abc", "c1", HOLO_CGROUP_MANAGER_SYSTEMD, "/user.slice/abc.scope");
  char *bad = resolve ("/not/systemd", "c1", HOLO_CGROUP_MANAGER_SYSTEMD);
  UNIT_ASSERT (strncmp (bad, "ERROR:", 6) == 0);
  free (bad);
  bad = resolve ("notaslice:p:n", "c1", HOLO_CGROUP_MANAGER_SYSTEMD);
  UNIT_ASSERT (strncmp (bad, "ERROR: invalid systemd slice", 28) == 0);
  free (bad);
}

static void
test_validate_id (void)
{
  holo_error_t err = NULL;
  UNIT_ASSERT (holo_validate_id ("abc-1_2.x+y", &err) == 0);
  const char *bad[] = { "", ".", "..", "a/b", "/", "a b", "a\nb", "x:y", "caf\xc3\xa9" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      UNIT_ASSERT (holo_validate_id (bad[i], &err) < 0);
      holo_error_release (&err);
    }
}

static void
test_state_round_trip (void)
{
  char dir[] = "/tmp/holo-unit-XXXXXX";
  UNIT_ASSERT (mkdtemp (dir) != NULL);
  holo_error_t err = NULL;
  int root = holo_store_open_root (dir, &err);
  UNIT_ASSERT (root >= 0);
  int cdir = holo_store_create (root, "c1", &err);
  UNIT_ASSERT (cdir >= 0);
  UNIT_ASSERT (holo_store_create (root, "c1", &err) < 0);
  UNIT_ASSERT_STR_EQ (err->msg, "container with id exists: c1");
  holo_error_release (&err);

  struct holo_state s = { .id = "c1",
                          .pid = getpid (),
                          .bundle = "/b",
                          .rootfs = "/b/rootfs",
                          .created = "2026-01-01T00:00:00Z",
                          .owner = "root",
                          .cgroup_path = "/c1" };
  struct holo_kv ann = { "k", "v \"q\"" };
  s.annotations = &ann;
  s.n_annotations = 1;
  holo_proc_stat (s.pid, &s.pid_starttime, NULL);
  UNIT_ASSERT (holo_state_write (cdir, &s, &err) == 0);
  struct holo_state *r = NULL;
  UNIT_ASSERT (holo_state_read (cdir, &r, &err) == 0);
  UNIT_ASSERT_STR_EQ (r->id, "c1");
  UNIT_ASSERT_INT_EQ (r->pid, s.pid);
  UNIT_ASSERT_STR_EQ (r->annotations[0].value, "v \"q\"");
  UNIT_ASSERT (holo_state_process_alive (r));
  /* Alive, no fifo, not creating: running.  */
  UNIT_ASSERT_INT_EQ (holo_state_status (cdir, r), HOLO_STATUS_RUNNING);
  r->pid_starttime++; /* a reused pid is not our process */
  UNIT_ASSERT_INT_EQ (holo_state_status (cdir, r), HOLO_STATUS_STOPPED);
  r->pid_starttime--;
  r->creating = true; /* creating, but the lock is ours: the creator died */
  close (cdir);
  UNIT_ASSERT_INT_EQ (holo_state_status (root, r), HOLO_STATUS_STOPPED);
  char *json = holo_state_to_json (r, HOLO_STATUS_CREATED, false);
  UNIT_ASSERT (strstr (json, "\"status\":\"created\"") != NULL);
  UNIT_ASSERT (strstr (json, "\"ociVersion\":\"1.2.0\"") != NULL);
  free (json);
  holo_state_free (r);

  int other = holo_store_open (root, "nope", 0, &err);
  UNIT_ASSERT (other < 0);
  UNIT_ASSERT_STR_EQ (err->msg, "container does not exist");
  holo_error_release (&err);
  UNIT_ASSERT (holo_store_remove (root, "c1", &err) == 0);
  UNIT_ASSERT (faccessat (root, "c1", F_OK, 0) < 0);
  close (root);
  rmdir (dir);
}

int
main (void)
{
  UNIT_RUN (test_cgroup_paths_cgroupfs);
  UNIT_RUN (test_cgroup_paths_systemd);
  UNIT_RUN (test_validate_id);
  UNIT_RUN (test_state_round_trip);
  return unit_finish ();
}
