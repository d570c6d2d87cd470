/* holo shim — the shim is a child subreaper: container processes are
   reparented to it when `holo create`/`holo exec` exit.  SIGCHLD arrives on
   a signalfd; every reaped status goes on a list first and is handed to its
   process at a safe point, so an exit that happens before the shim has read
   the process's pid file (a process exiting at once) is not lost.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static void
record_exit (struct shim *shim, pid_t pid, int status)
{
  struct shim_exit *e = holo_xmalloc (sizeof (*e)), **pp;

  e->pid = pid;
  e->status = status;
  clock_gettime (CLOCK_REALTIME, &e->at);
  for (pp = &shim->exits; *pp; pp = &(*pp)->next)
    ;
  *pp = e;
}

void
shim_reaper_collect (struct shim *shim)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR)
        continue;
      if (pid <= 0)
        return;
      record_exit (shim, pid, status);
    }
}

void
shim_reaper_dispatch (struct shim *shim)
{
  while (shim->exits)
    {
      struct shim_exit *e = shim->exits;
      struct shim_process *p;

      shim->exits = e->next;
      p = shim_process_by_pid (shim, e->pid);
      if (p)
        shim_process_exited (shim, p, e->status, &e->at);
      free (e);
    }
}

int
shim_reaper_wait_command (struct shim *shim, pid_t pid)
{
  for (;;)
    {
      int status;
      pid_t r = waitpid (-1, &status, 0);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == pid)
        return status;
      record_exit (shim, r, status);
    }
}

static void
signals_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim *shim = w->data;
  struct signalfd_siginfo si;

  while (read (w->fd, &si, sizeof (si)) == sizeof (si))
    ;
  shim_reaper_collect (shim);
  shim_reaper_dispatch (shim);
}

int
shim_reaper_init (struct shim *shim, holo_error_t *err)
{
  sigset_t set;
  int fd;

  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return holo_make_error (err, errno, "sigprocmask");
  fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "signalfd");
  shim->signals.fd = fd;
  shim->signals.cb = signals_ready;
  shim->signals.data = shim;
  return shim_watch_set (&shim->loop, &shim->signals, EPOLLIN, err);
}
