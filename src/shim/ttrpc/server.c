/* holo shim — ttrpc server: accepts connections on the shim socket, reads
   request frames and hands each decoded request to the handler; replies
   may come later (the handler keeps the ttrpc_call).  */
#define _GNU_SOURCE
#include "ttrpc.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

struct ttrpc_conn
{
  struct shim_watch watch;
  struct ttrpc_server *server;
  struct ttrpc_conn *next;
  uint64_t id;
  struct ttrpc_reader rd;
  struct ttrpc_writer wr;
};

static void
conn_free (struct ttrpc_server *s, struct ttrpc_conn *c)
{
  struct ttrpc_conn **pp;

  for (pp = &s->conns; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  shim_watch_clear (s->loop, &c->watch);
  close (c->watch.fd);
  ttrpc_reader_reset (&c->rd);
  ttrpc_writer_reset (&c->wr);
  free (c);
}

static struct ttrpc_conn *
conn_lookup (struct ttrpc_server *s, uint64_t id)
{
  for (struct ttrpc_conn *c = s->conns; c; c = c->next)
    if (c->id == id)
      return c;
  return NULL;
}

static void
conn_update_events (struct ttrpc_server *s, struct ttrpc_conn *c)
{
  cleanup_error holo_error_t err = NULL;
  uint32_t ev = EPOLLIN | EPOLLRDHUP;

  if (c->wr.len > c->wr.off)
    ev |= EPOLLOUT;
  if (shim_watch_set (s->loop, &c->watch, ev, &err) < 0)
    holo_log_warning ("ttrpc: %s", err->msg);
}

static void
send_frame (struct ttrpc_server *s, struct ttrpc_conn *c, uint32_t stream, const uint8_t *payload, size_t len)
{
  int r = ttrpc_write_frame (c->watch.fd, &c->wr, stream, TTRPC_TYPE_RESPONSE, 0, payload, len);
  if (r < 0)
    {
      holo_log_debug ("ttrpc: connection %llu: write: %s", (unsigned long long) c->id, strerror (errno));
      conn_free (s, c);
      return;
    }
  conn_update_events (s, c);
}

void
ttrpc_reply (struct ttrpc_server *s, const struct ttrpc_call *call, int code, const char *msg,
             const ProtobufCMessage *resp)
{
  Ttrpc__Response response = TTRPC__RESPONSE__INIT;
  Ttrpc__Status status = TTRPC__STATUS__INIT;
  cleanup_free uint8_t *body = NULL;
  cleanup_free uint8_t *frame = NULL;
  size_t body_len = 0, frame_len;
  struct ttrpc_conn *c = conn_lookup (s, call->conn_id);

  if (c == NULL)
    return;
  if (code == TTRPC_OK)
    {
      if (resp)
        body = ttrpc_pack (resp, &body_len);
      response.payload.data = body;
      response.payload.len = body_len;
    }
  else
    {
      status.code = code;
      status.message = (char *) (msg ? msg : "");
      response.status = &status;
    }
  frame = ttrpc_pack (&response.base, &frame_len);
  send_frame (s, c, call->stream, frame, frame_len);
}

static void
dispatch_frame (struct ttrpc_server *s, struct ttrpc_conn *c)
{
  struct ttrpc_call call = { .conn_id = c->id, .stream = c->rd.stream };
  Ttrpc__Request *req;

  if (c->rd.type != TTRPC_TYPE_REQUEST)
    {
      /* The task API is unary: data frames have no stream to go to.  */
      if (c->rd.type == TTRPC_TYPE_DATA && !(c->rd.flags & TTRPC_FLAG_REMOTE_CLOSED))
        ttrpc_reply (s, &call, TTRPC_UNIMPLEMENTED, "streams are not supported", NULL);
      return;
    }
  req = ttrpc__request__unpack (NULL, c->rd.len, c->rd.payload);
  if (req == NULL)
    {
      ttrpc_reply (s, &call, TTRPC_INVALID_ARGUMENT, "malformed ttrpc request", NULL);
      return;
    }
  /* The client's deadline, as a Go server turns it into its context's.  */
  if (req->timeout_nano > 0)
    call.deadline_ms = shim_now_ms () + (uint64_t) (req->timeout_nano / 1000000) + 1;
  s->handler (s, &call, req, s->data);
  ttrpc__request__free_unpacked (req, NULL);
}

static void
conn_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct ttrpc_conn *c = w->data;
  struct ttrpc_server *s = c->server;
  uint64_t id = c->id;

  if (events & EPOLLOUT)
    {
      if (ttrpc_flush (c->watch.fd, &c->wr) < 0)
        {
          conn_free (s, c);
          return;
        }
      conn_update_events (s, c);
    }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
    return;
  /* Handle every complete frame buffered on the socket; the handler may
     make the connection go away (a failed write), so look it up again.  */
  for (;;)
    {
      int r;

      c = conn_lookup (s, id);
      if (c == NULL)
        return;
      r = ttrpc_read_frame (c->watch.fd, &c->rd);
      if (r == 0)
        return;
      if (r < 0)
        {
          if (errno)
            holo_log_debug ("ttrpc: connection %llu: %s", (unsigned long long) id, strerror (errno));
          conn_free (s, c);
          return;
        }
      dispatch_frame (s, c);
      c = conn_lookup (s, id);
      if (c)
        ttrpc_reader_reset (&c->rd);
    }
}

static void
accept_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct ttrpc_server *s = w->data;

  for (;;)
    {
      cleanup_error holo_error_t err = NULL;
      struct ttrpc_conn *c;
      int fd = accept4 (w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            holo_log_warning ("ttrpc: accept: %s", strerror (errno));
          return;
        }
      c = holo_xmalloc (sizeof (*c));
      c->server = s;
      c->id = ++s->next_conn_id;
      c->watch.fd = fd;
      c->watch.cb = conn_ready;
      c->watch.data = c;
      c->next = s->conns;
      s->conns = c;
      if (shim_watch_set (loop, &c->watch, EPOLLIN | EPOLLRDHUP, &err) < 0)
        {
          holo_log_warning ("ttrpc: %s", err->msg);
          conn_free (s, c);
        }
    }
}

int
ttrpc_server_init (struct ttrpc_server *s, struct shim_loop *loop, int listen_fd, ttrpc_handler handler, void *data,
                   holo_error_t *err)
{
  memset (s, 0, sizeof (*s));
  s->loop = loop;
  s->handler = handler;
  s->data = data;
  if (fcntl (listen_fd, F_SETFL, fcntl (listen_fd, F_GETFL) | O_NONBLOCK) < 0)
    return holo_make_error (err, errno, "fcntl");
  s->listener.fd = listen_fd;
  s->listener.cb = accept_ready;
  s->listener.data = s;
  return shim_watch_set (loop, &s->listener, EPOLLIN, err);
}

void
ttrpc_server_drain (struct ttrpc_server *s, int timeout_ms)
{
  uint64_t deadline = shim_now_ms () + timeout_ms;

  for (struct ttrpc_conn *c = s->conns; c; c = c->next)
    while (c->wr.len > c->wr.off)
      {
        struct pollfd p = { .fd = c->watch.fd, .events = POLLOUT };
        uint64_t now = shim_now_ms ();

        if (now >= deadline || poll (&p, 1, (int) (deadline - now)) <= 0 || ttrpc_flush (c->watch.fd, &c->wr) < 0)
          break;
      }
}

void
ttrpc_server_close (struct ttrpc_server *s)
{
  while (s->conns)
    conn_free (s, s->conns);
  shim_watch_clear (s->loop, &s->listener);
  if (s->listener.fd >= 0)
    close (s->listener.fd);
  s->listener.fd = -1;
}
