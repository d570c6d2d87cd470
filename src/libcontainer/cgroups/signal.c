/* Signalling every process of a cgroup (kill --all, delete --force): on
   top of the placement code (cgroups.c) and the freezer (freezer.c).  */
#define _GNU_SOURCE
#include "cgroups.h"
#include "resources.h"
#include "../utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int
signal_pids (const char *path, int sig, holo_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (holo_cgroup_pids (path, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return holo_make_error (err, errno, "kill %d", (int) pids[i]);
  return 0;
}

static bool
cgroup_is_empty (const char *path)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  cleanup_error holo_error_t ignored = NULL;
  if (holo_cgroup_pids (path, &pids, &n, &ignored) < 0)
    return false;
  return n == 0;
}

/* cgroup2's cgroup.kill SIGKILLs every process of the cgroup in the kernel,
   forks or not.  It is there on hybrid hosts too (every process also sits
   in the cgroup2 hierarchy).  */
static bool
kill_via_cgroup_kill (const char *path)
{
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "");
  cleanup_free char *file = dir ? holo_xasprintf ("%s/cgroup.kill", dir) : NULL;
  return file && access (file, F_OK) == 0 && holo_write_file (file, "1", 1, NULL) == 0;
}

/* The cgroup is frozen while the signal goes out, so no process forks a
   child the list would miss, and thawed after, unless it was paused before
   (a paused container stays paused; its processes see the signal when
   resumed).  SIGKILL through cgroup.kill needs no freezing, and SIGKILL
   always thaws: frozen v1 tasks cannot die.  */
int
holo_cgroup_kill_all (const char *path, int sig, holo_error_t *err)
{
  bool was_frozen = holo_cgroup_is_frozen (path);
  int ret = 0;
  if (sig == SIGKILL && kill_via_cgroup_kill (path))
    {
      if (was_frozen)
        holo_cgroup_freeze (path, false, NULL);
      return 0;
    }
  /* No process left (the usual case when `run` deletes the container its
     process has exited from): nothing can fork into the cgroup, so there
     is nothing to freeze for.  */
  if (!was_frozen && cgroup_is_empty (path))
    return 0;
  cleanup_error holo_error_t freeze_err = NULL;
  bool frozen = was_frozen || holo_cgroup_freeze (path, true, &freeze_err) == 0;
  if (!frozen)
    holo_log_debug ("kill --all without freezing: %s", freeze_err->msg);
  ret = signal_pids (path, sig, err);
  if (frozen && (!was_frozen || sig == SIGKILL))
    {
      cleanup_error holo_error_t thaw_err = NULL;
      if (holo_cgroup_freeze (path, false, &thaw_err) < 0)
        holo_log_warning ("%s", thaw_err->msg);
    }
  return ret;
}
