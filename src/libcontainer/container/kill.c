#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/resources.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>

/* Signals through a pidfd opened after checking the start time, so a pid
   reused by another process is never signalled.  */
static int
signal_init (const struct holo_state *s, int sig, holo_error_t *err)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, s->pid, 0);
  if (pidfd < 0 || !holo_state_process_alive (s))
    return holo_make_error (err, 0, "container not running");
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    {
      if (errno == ESRCH)
        return holo_make_error (err, 0, "container not running");
      return holo_make_error (err, errno, "kill container init");
    }
  return 0;
}

int
holo_container_kill (struct holo_context *ctx, const char *id, int sig, bool all, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, 0, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  enum holo_status st = c.status;
  if (st == HOLO_STATUS_STOPPED || st == HOLO_STATUS_CREATING)
    return holo_make_error (err, 0, "container not running");
  if (all && s->cgroup_path)
    return holo_cgroup_kill_all (s->cgroup_path, sig, err);
  if (signal_init (s, sig, err) < 0)
    return -1;
  /* A frozen task dies only once thawed (cgroup v1): SIGKILL of a paused
     container thaws it, as runc does.  */
  if (sig == SIGKILL && st == HOLO_STATUS_PAUSED)
    return holo_cgroup_freeze (s->cgroup_path, false, err);
  return 0;
}
