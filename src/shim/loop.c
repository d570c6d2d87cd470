/* holo shim — epoll loop and timers.  */
#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

uint64_t
shim_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

int
shim_loop_init (struct shim_loop *loop, holo_error_t *err)
{
  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epfd < 0)
    return holo_make_error (err, errno, "epoll_create1");
  loop->quit = false;
  loop->timers = NULL;
  return 0;
}

void
shim_loop_close (struct shim_loop *loop)
{
  if (loop->epfd >= 0)
    close (loop->epfd);
  loop->epfd = -1;
}

int
shim_watch_set (struct shim_loop *loop, struct shim_watch *w, uint32_t events, holo_error_t *err)
{
  struct epoll_event ev = { .events = events, .data.ptr = w };
  int op;

  if (events == 0)
    {
      shim_watch_clear (loop, w);
      return 0;
    }
  if (w->events == events)
    return 0;
  op = w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl (loop->epfd, op, w->fd, &ev) < 0)
    return holo_make_error (err, errno, "epoll_ctl fd %d", w->fd);
  w->events = events;
  return 0;
}

void
shim_watch_clear (struct shim_loop *loop, struct shim_watch *w)
{
  if (w->events == 0)
    return;
  if (w->fd >= 0)
    epoll_ctl (loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
  w->events = 0;
}

void
shim_timer_disarm (struct shim_loop *loop, struct shim_timer *t)
{
  struct shim_timer **pp;

  if (!t->armed)
    return;
  for (pp = &loop->timers; *pp; pp = &(*pp)->next)
    if (*pp == t)
      {
        *pp = t->next;
        break;
      }
  t->armed = false;
  t->next = NULL;
}

void
shim_timer_arm (struct shim_loop *loop, struct shim_timer *t, uint64_t delay_ms)
{
  struct shim_timer **pp;

  shim_timer_disarm (loop, t);
  t->deadline_ms = shim_now_ms () + delay_ms;
  for (pp = &loop->timers; *pp && (*pp)->deadline_ms <= t->deadline_ms; pp = &(*pp)->next)
    ;
  t->next = *pp;
  *pp = t;
  t->armed = true;
}

/* Fires every timer that is due; returns the wait until the next one
   (-1: none).  */
static int
run_timers (struct shim_loop *loop)
{
  for (;;)
    {
      struct shim_timer *t = loop->timers;
      uint64_t now = shim_now_ms ();

      if (t == NULL)
        return -1;
      if (t->deadline_ms > now)
        {
          uint64_t wait = t->deadline_ms - now;
          return wait > 60000 ? 60000 : (int) wait;
        }
      loop->timers = t->next;
      t->armed = false;
      t->next = NULL;
      t->cb (loop, t);
      if (loop->quit)
        return 0;
    }
}

int
shim_loop_run (struct shim_loop *loop, holo_error_t *err)
{
  while (!loop->quit)
    {
      struct epoll_event ev;
      int timeout = run_timers (loop);
      int n;

      if (loop->quit)
        break;
      n = epoll_wait (loop->epfd, &ev, 1, timeout);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return holo_make_error (err, errno, "epoll_wait");
        }
      if (n == 1)
        {
          struct shim_watch *w = ev.data.ptr;
          w->cb (loop, w, ev.events);
        }
    }
  return 0;
}
