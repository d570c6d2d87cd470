/* Unit tests for cgroup placement (cgroups/cgroups.c): the path a
   linux.cgroupsPath resolves to, and (as root, on a scratch cgroup of this
   host) signalling every process of a cgroup.  */
#define _GNU_SOURCE
#include "libcontainer/cgroups/cgroups.h"
#include "libcontainer/utils.h"
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child that waits in cgroup PATH until killed; -1 when not possible. */
static pid_t
child_in_cgroup (const char *path)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      pause ();
      _exit (0);
    }
  holo_error_t err = NULL;
  if (pid > 0 && holo_cgroup_enter (path, pid, &err) < 0)
    {
      fprintf (stdout, "# %s\n", err->msg);
      holo_error_release (&err);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return -1;
    }
  return pid;
}

/* A failing kill(2) names the process it failed on (the message used to be
   built from the freed pid list).  */
static void
test_kill_all_error_names_the_pid (void)
{
  if (geteuid () != 0)
    {
      fprintf (stdout, "# skipped: needs root\n");
      return;
    }
  cleanup_free char *path = holo_xasprintf ("/holo-unit-kill-%d", (int) getpid ());
  pid_t pid = child_in_cgroup (path);
  UNIT_ASSERT (pid > 0);
  holo_error_t err = NULL;
  /* No such signal: kill(2) fails with EINVAL for the first process.  */
  int ret = holo_cgroup_kill_all (path, SIGRTMAX + 1, &err);
  cleanup_free char *msg = err ? holo_xstrdup (err->msg) : NULL;
  holo_error_release (&err);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  holo_cgroup_destroy (path, NULL);
  cleanup_free char *want = holo_xasprintf ("kill %d: Invalid argument", (int) pid);
  UNIT_ASSERT_INT_EQ (ret, -1);
  UNIT_ASSERT_STR_CONTAINS (msg, want);
}

/* A state written before cgroupsPath was cleaned may hold "/x/.": delete
   must still remove the cgroup (rmdir of "x/." is EINVAL).  */
static void
test_destroy_cleans_the_path (void)
{
  if (geteuid () != 0)
    {
      fprintf (stdout, "# skipped: needs root\n");
      return;
    }
  cleanup_free char *path = holo_xasprintf ("/holo-unit-destroy-%d", (int) getpid ());
  cleanup_free char *dotted = holo_xasprintf ("%s/.", path);
  pid_t pid = child_in_cgroup (path);
  UNIT_ASSERT (pid > 0);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  holo_error_t err = NULL;
  int ret = holo_cgroup_destroy (dotted, &err);
  if (ret < 0)
    {
      fprintf (stdout, "# %s\n", err->msg);
      holo_error_release (&err);
      holo_cgroup_destroy (path, NULL);
    }
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "pids");
  UNIT_ASSERT_INT_EQ (ret, 0);
  UNIT_ASSERT (dir == NULL || access (dir, F_OK) != 0);
}

int
main (void)
{
  UNIT_RUN (test_kill_all_error_names_the_pid);
  UNIT_RUN (test_destroy_cleans_the_path);
  return unit_finish ();
}
