/* holo shim — the child subreaper (see reaper.h).  */
#define _GNU_SOURCE
#include "reaper.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static void
record_exit (struct shim_reaper *r, pid_t pid, int status)
{
  struct shim_exit *e = holo_xmalloc (sizeof (*e)), **pp;

  e->pid = pid;
  e->status = status;
  clock_gettime (CLOCK_REALTIME, &e->at);
  for (pp = &r->exits; *pp; pp = &(*pp)->next)
    ;
  *pp = e;
}

void
shim_reaper_collect (struct shim_reaper *r)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR)
        continue;
      if (pid <= 0)
        return;
      record_exit (r, pid, status);
    }
}

/* Unlinks and returns the watch of PID, or NULL.  */
static struct shim_pid_watch *
take_watch (struct shim_reaper *r, pid_t pid)
{
  for (struct shim_pid_watch **pp = &r->watches; *pp; pp = &(*pp)->next)
    if ((*pp)->pid == pid)
      {
        struct shim_pid_watch *w = *pp;
        *pp = w->next;
        w->next = NULL;
        return w;
      }
  return NULL;
}

/* Offers each exit once: to its watcher, else to the handler; keeps what
   nobody took while held.  Callbacks may hold, release or dispatch again:
   that only asks for another round.  */
void
shim_reaper_dispatch (struct shim_reaper *r)
{
  if (r->dispatching)
    {
      r->again = true;
      return;
    }
  r->dispatching = true;
  do
    {
      struct shim_exit **pp = &r->exits;

      r->again = false;
      while (*pp)
        {
          struct shim_exit *e = *pp;
          struct shim_pid_watch *w = take_watch (r, e->pid);

          if (w == NULL && !(r->handler && r->handler (r->data, e)) && r->holds > 0)
            {
              pp = &e->next; /* kept: its pid may not be known yet */
              continue;
            }
          *pp = e->next;
          if (w)
            w->fn (w, e->status);
          free (e);
        }
    }
  while (r->again);
  r->dispatching = false;
}

void
shim_reaper_watch (struct shim_reaper *r, struct shim_pid_watch *w)
{
  w->next = r->watches;
  r->watches = w;
}

void
shim_reaper_hold (struct shim_reaper *r)
{
  r->holds++;
}

void
shim_reaper_release (struct shim_reaper *r)
{
  if (r->holds > 0)
    r->holds--;
  shim_reaper_dispatch (r);
}

static void
signals_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim_reaper *r = w->data;
  struct signalfd_siginfo si;

  while (read (w->fd, &si, sizeof (si)) == sizeof (si))
    ;
  shim_reaper_collect (r);
  shim_reaper_dispatch (r);
}

int
shim_reaper_init (struct shim_reaper *r, struct shim_loop *loop, shim_exit_handler handler, void *data,
                  holo_error_t *err)
{
  sigset_t set;
  int fd;

  memset (r, 0, sizeof (*r));
  r->loop = loop;
  r->handler = handler;
  r->data = data;
  r->signals.fd = -1;
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return holo_make_error (err, errno, "sigprocmask");
  fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "signalfd");
  r->signals.fd = fd;
  r->signals.cb = signals_ready;
  r->signals.data = r;
  return shim_watch_set (loop, &r->signals, EPOLLIN, err);
}

void
shim_reaper_close (struct shim_reaper *r)
{
  shim_watch_clear (r->loop, &r->signals);
  if (r->signals.fd >= 0)
    close (r->signals.fd);
  r->signals.fd = -1;
  r->watches = NULL;
  while (r->exits)
    {
      struct shim_exit *e = r->exits;
      r->exits = e->next;
      free (e);
    }
}
