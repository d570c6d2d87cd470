/* holo shim — a ttrpc client on the event loop, used to forward events to
   containerd.  It never blocks: the connect is non-blocking, the request
   goes out and the answer comes in as the socket allows, and a timer
   bounds each call, so a containerd that accepts and never answers costs
   the shim nothing but the call's failure at its deadline.  One call at a
   time (the events go in order, each after the last was taken).  */
#define _GNU_SOURCE
#include "ttrpc.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static void client_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events);
static void client_timeout (struct shim_loop *loop, struct shim_timer *t);

void
ttrpc_client_init (struct ttrpc_client *c, struct shim_loop *loop, const char *address)
{
  memset (c, 0, sizeof (*c));
  if (strncmp (address, "unix://", 7) == 0)
    address += 7;
  c->loop = loop;
  c->path = holo_xstrdup (address);
  c->conn.fd = -1;
  c->conn.cb = client_ready;
  c->conn.data = c;
  c->timer.cb = client_timeout;
  c->timer.data = c;
  c->next_stream = 1;
}

static void
disconnect (struct ttrpc_client *c)
{
  shim_watch_clear (c->loop, &c->conn);
  if (c->conn.fd >= 0)
    close (c->conn.fd);
  c->conn.fd = -1;
  ttrpc_writer_reset (&c->out);
  ttrpc_reader_reset (&c->in);
}

void
ttrpc_client_close (struct ttrpc_client *c)
{
  disconnect (c);
  shim_timer_disarm (c->loop, &c->timer);
  free (c->frame);
  c->frame = NULL;
  c->done = NULL;
  c->busy = false;
}

void
ttrpc_client_free (struct ttrpc_client *c)
{
  ttrpc_client_close (c);
  free (c->path);
  c->path = NULL;
}

/* Ends the call in flight: the connection goes on failure (the next call
   makes a new one), then the caller hears of it.  */
static void
finish (struct ttrpc_client *c, holo_error_t *err)
{
  ttrpc_client_done done = c->done;
  void *data = c->data;

  shim_timer_disarm (c->loop, &c->timer);
  free (c->frame);
  c->frame = NULL;
  c->done = NULL;
  c->busy = false;
  if (*err)
    disconnect (c);
  else
    shim_watch_clear (c->loop, &c->conn); /* idle: nothing to wait for */
  if (done)
    done (data, err);
  holo_error_release (err);
}

/* Connects (if needed) and queues the request; 0 or -1 with *ERR (its
   status the errno).  */
static int
send_request (struct ttrpc_client *c, holo_error_t *err)
{
  int r;

  if (c->conn.fd < 0)
    {
      int fd;

      c->fresh = true;
      fd = ttrpc_unix_connect (c->path, SOCK_NONBLOCK, err);
      if (fd < 0)
        return -1;
      c->conn.fd = fd;
      c->next_stream = 1;
    }
  c->stream = c->next_stream;
  c->next_stream += 2;
  r = ttrpc_write_frame (c->conn.fd, &c->out, c->stream, TTRPC_TYPE_REQUEST, 0, c->frame, c->frame_len);
  if (r < 0)
    return holo_make_error (err, errno, "write to %s", c->path);
  return shim_watch_set (c->loop, &c->conn, r == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN, err);
}

/* A transport failure on a connection kept from an earlier call may be a
   containerd that restarted meanwhile: one more try on a new connection
   (within the same deadline), unless this one was new.  */
static void
transport_failed (struct ttrpc_client *c, holo_error_t *err)
{
  if (!c->fresh && !c->retried)
    {
      c->retried = true;
      disconnect (c);
      holo_error_release (err);
      if (send_request (c, err) == 0)
        return;
    }
  finish (c, err);
}

static void
take_response (struct ttrpc_client *c, holo_error_t *err)
{
  Ttrpc__Response *resp = ttrpc__response__unpack (NULL, c->in.len, c->in.payload);

  if (resp == NULL)
    holo_make_error (err, 0, "malformed ttrpc response from %s", c->path);
  else if (resp->status && resp->status->code != TTRPC_OK)
    holo_make_error (err, 0, "rpc error: code = %d desc = %s", resp->status->code,
                     resp->status->message ? resp->status->message : "");
  if (resp)
    ttrpc__response__free_unpacked (resp, NULL);
}

static void
client_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct ttrpc_client *c = w->data;
  holo_error_t err = NULL;
  int r;

  if (!c->busy)
    {
      /* An idle connection that became readable: the peer went away.  */
      disconnect (c);
      return;
    }
  if (events & EPOLLOUT)
    {
      r = ttrpc_flush (w->fd, &c->out);
      if (r < 0)
        {
          holo_make_error (&err, errno, "write to %s", c->path);
          transport_failed (c, &err);
          return;
        }
      if (r == 0 && shim_watch_set (loop, w, EPOLLIN, &err) < 0)
        {
          finish (c, &err);
          return;
        }
    }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return;
  while ((r = ttrpc_read_frame (w->fd, &c->in)) == 1)
    {
      if (c->in.type == TTRPC_TYPE_RESPONSE && c->in.stream == c->stream)
        {
          take_response (c, &err);
          ttrpc_reader_reset (&c->in);
          finish (c, &err);
          return;
        }
      ttrpc_reader_reset (&c->in); /* not ours: another stream */
    }
  if (r < 0)
    {
      holo_make_error (&err, errno ? errno : ECONNRESET, "read from %s", c->path);
      transport_failed (c, &err);
    }
}

static void
client_timeout (struct shim_loop *loop, struct shim_timer *t)
{
  struct ttrpc_client *c = t->data;
  holo_error_t err = NULL;

  holo_make_error (&err, ETIMEDOUT, "ttrpc call to %s: no answer within %u ms", c->path, c->timeout_ms);
  finish (c, &err);
}

int
ttrpc_client_call (struct ttrpc_client *c, const char *service, const char *method, const char *namespace,
                   const uint8_t *payload, size_t len, unsigned timeout_ms, ttrpc_client_done done, void *data,
                   holo_error_t *err)
{
  Ttrpc__Request req = TTRPC__REQUEST__INIT;
  Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
  Ttrpc__KeyValue *md[1] = { &kv };

  if (c->busy)
    return holo_make_error (err, EBUSY, "ttrpc call to %s: a call is in flight", c->path);
  req.service = (char *) service;
  req.method = (char *) method;
  req.payload.data = (uint8_t *) payload;
  req.payload.len = len;
  req.timeout_nano = (int64_t) timeout_ms * 1000000;
  if (namespace && *namespace)
    {
      kv.key = (char *) "containerd-namespace-ttrpc";
      kv.value = (char *) namespace;
      req.metadata = md;
      req.n_metadata = 1;
    }
  c->frame = ttrpc_pack (&req.base, &c->frame_len);
  c->fresh = c->retried = false;
  c->timeout_ms = timeout_ms;
  if (send_request (c, err) < 0 && !c->fresh)
    {
      /* The kept connection died (EPIPE): once more on a new one.  */
      disconnect (c);
      holo_error_release (err);
      c->retried = true;
      send_request (c, err);
    }
  if (*err)
    {
      disconnect (c);
      free (c->frame);
      c->frame = NULL;
      return -1;
    }
  c->busy = true;
  c->done = done;
  c->data = data;
  shim_timer_arm (c->loop, &c->timer, timeout_ms);
  return 0;
}
