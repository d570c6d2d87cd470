/* holo shim — relays: copy from one fd to another inside the event loop
   (the process's output pipes or pty to the stdout and stderr FIFOs, the
   stdin FIFO to the process).  Reading
   stops while the destination is full, so a relay holds at most one small
   buffer, allocated on first use.  */
#define _GNU_SOURCE
#include "shim.h"
#include "relay.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>

#define RELAY_BUF 4096
#define RELAY_BURST 16
/* A pty hands data to the master asynchronously: after the process exited,
   output may still come this long after the last of it.  */
#define RELAY_QUIET_MS 200

static void relay_in_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events);
static void relay_out_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events);
static void drain_finish (struct shim_loop *loop, struct shim_relay *r);
static void drain_wait_input (struct shim_loop *loop, struct shim_relay *r);

struct shim_relay *
shim_relay_new (int in_fd, int out_fd)
{
  struct shim_relay *r = holo_xmalloc (sizeof (*r));

  memset (r, 0, sizeof (*r));

  r->in.fd = in_fd;
  r->in.cb = relay_in_ready;
  r->in.data = r;
  r->out.fd = out_fd;
  r->out.cb = relay_out_ready;
  r->out.data = r;
  return r;
}

void
shim_relay_free (struct shim_loop *loop, struct shim_relay *r)
{
  if (r == NULL)
    return;
  shim_timer_disarm (loop, &r->quiet);
  shim_timer_disarm (loop, &r->limit);
  shim_watch_clear (loop, &r->in);
  shim_watch_clear (loop, &r->out);
  if (r->in.fd >= 0)
    close (r->in.fd);
  if (r->out.fd >= 0)
    close (r->out.fd);
  free (r->buf);
  free (r);
}

static void
relay_watch (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  cleanup_error holo_error_t err = NULL;

  if (w->fd >= 0 && shim_watch_set (loop, w, events, &err) < 0)
    holo_log_warning ("relay: %s", err->msg);
}

int
shim_relay_start (struct shim_loop *loop, struct shim_relay *r)
{
  relay_watch (loop, &r->in, EPOLLIN);
  return 0;
}

/* Writes what is buffered; true when the buffer is empty.  A destination
   that went away (EPIPE, EIO) swallows the data.  */
static bool
relay_flush (struct shim_relay *r)
{
  while (r->off < r->len)
    {
      ssize_t n = write (r->out.fd, r->buf + r->off, r->len - r->off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return false;
      if (n < 0)
        break;
      r->off += n;
    }
  r->off = r->len = 0;
  return true;
}

/* Reads one chunk: 1 data moved, 0 nothing now, -1 end of input.  */
static int
relay_step (struct shim_relay *r)
{
  ssize_t n;

  if (r->buf == NULL)
    r->buf = holo_xmalloc (RELAY_BUF);
  do
    n = read (r->in.fd, r->buf, RELAY_BUF);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return 0;
  if (n <= 0)
    return -1; /* EOF, or EIO from a pty whose other side closed */
  r->off = 0;
  r->len = n;
  return 1;
}

/* The input ended: stop reading; a stdin relay also closes its ends, so
   that the process reads EOF.  */
static void
relay_end (struct shim_loop *loop, struct shim_relay *r)
{
  shim_watch_clear (loop, &r->in);
  if (!r->close_on_eof)
    return;
  relay_flush (r);
  shim_watch_clear (loop, &r->out);
  close (r->in.fd);
  close (r->out.fd);
  r->in.fd = r->out.fd = -1;
}

static void
relay_in_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim_relay *r = w->data;

  for (int i = 0; i < RELAY_BURST; i++)
    {
      int s = relay_step (r);
      if (s == 0)
        return;
      if (s < 0)
        {
          relay_end (loop, r);
          drain_finish (loop, r);
          return;
        }
      drain_wait_input (loop, r); /* data came: quiet from now on */
      if (!relay_flush (r))
        {
          shim_watch_clear (loop, &r->in);
          shim_timer_disarm (loop, &r->quiet);
          relay_watch (loop, &r->out, EPOLLOUT);
          return;
        }
    }
}

static void
relay_out_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim_relay *r = w->data;

  if (!relay_flush (r))
    return;
  shim_watch_clear (loop, &r->out);
  relay_watch (loop, &r->in, EPOLLIN);
  drain_wait_input (loop, r);
}

/* ------------------------------------------------------------ draining */

static void
drain_finish (struct shim_loop *loop, struct shim_relay *r)
{
  if (!r->draining)
    return;
  r->draining = false;
  shim_timer_disarm (loop, &r->quiet);
  shim_timer_disarm (loop, &r->limit);
  if (!r->keep_after_drain)
    {
      shim_watch_clear (loop, &r->in);
      shim_watch_clear (loop, &r->out);
    }
  r->drained (loop, r->drained_data); /* may free R */
}

static void
drain_timer (struct shim_loop *loop, struct shim_timer *t)
{
  drain_finish (loop, t->data);
}

/* While draining, waiting for input that does not come is the end.  */
static void
drain_wait_input (struct shim_loop *loop, struct shim_relay *r)
{
  if (r->draining && r->drain_quiet)
    shim_timer_arm (loop, &r->quiet, RELAY_QUIET_MS);
}

void
shim_relay_drain (struct shim_loop *loop, struct shim_relay *r, unsigned timeout_ms, bool quiet,
                  shim_relay_drained done, void *data)
{
  r->draining = true;
  r->drain_quiet = quiet;
  r->drained = done;
  r->drained_data = data;
  r->quiet.cb = r->limit.cb = drain_timer;
  r->quiet.data = r->limit.data = r;
  shim_timer_arm (loop, &r->limit, timeout_ms);
  if (r->in.fd < 0)
    {
      drain_finish (loop, r);
      return;
    }
  if (r->out.events == 0)
    {
      /* Not waiting for the destination: read what the source has.  */
      relay_watch (loop, &r->in, EPOLLIN);
      drain_wait_input (loop, r);
    }
}

static void
lingered (struct shim_loop *loop, void *data)
{
  shim_relay_free (loop, data);
}

void
shim_relay_linger (struct shim_loop *loop, struct shim_relay *r, unsigned timeout_ms)
{
  r->keep_after_drain = false;
  shim_relay_drain (loop, r, timeout_ms, false, lingered, r);
}
