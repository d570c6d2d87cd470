/* holo shim — blocking ttrpc client, used to forward events to containerd.
   Calls are rare and small, and containerd answers Forward at once, so a
   blocking call with a short timeout keeps the shim simple.  */
#define _GNU_SOURCE
#include "ttrpc.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

void
ttrpc_client_init (struct ttrpc_client *c, const char *address)
{
  if (strncmp (address, "unix://", 7) == 0)
    address += 7;
  c->path = holo_xstrdup (address);
  c->fd = -1;
  c->next_stream = 1;
}

void
ttrpc_client_close (struct ttrpc_client *c)
{
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
}

static int
client_connect (struct ttrpc_client *c, holo_error_t *err)
{
  int fd = ttrpc_unix_connect (c->path, err);

  if (fd < 0)
    return -1;
  c->fd = fd;
  c->next_stream = 1;
  return 0;
}

/* Waits for FD to be ready for EVENTS until DEADLINE.  */
static int
wait_fd (int fd, short events, uint64_t deadline, holo_error_t *err)
{
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = events };
      uint64_t now = shim_now_ms ();
      int r;

      if (now >= deadline)
        return holo_make_error (err, ETIMEDOUT, "ttrpc call");
      r = poll (&p, 1, (int) (deadline - now));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return holo_make_error (err, errno, "poll");
      if (r > 0)
        return 0;
    }
}

static int
send_request (struct ttrpc_client *c, uint32_t stream, const uint8_t *frame, size_t len, uint64_t deadline,
              holo_error_t *err)
{
  struct ttrpc_writer w = { 0 };
  int r = ttrpc_write_frame (c->fd, &w, stream, TTRPC_TYPE_REQUEST, 0, frame, len);

  while (r == 1)
    {
      if (wait_fd (c->fd, POLLOUT, deadline, err) < 0)
        {
          ttrpc_writer_reset (&w);
          return -1;
        }
      r = ttrpc_flush (c->fd, &w);
    }
  ttrpc_writer_reset (&w);
  if (r < 0)
    return holo_make_error (err, errno, "write to %s", c->path);
  return 0;
}

static int
read_response (struct ttrpc_client *c, uint32_t stream, uint64_t deadline, holo_error_t *err)
{
  for (;;)
    {
      struct ttrpc_reader rd = { 0 };
      Ttrpc__Response *resp;
      int r;

      while ((r = ttrpc_read_frame (c->fd, &rd)) == 0)
        if (wait_fd (c->fd, POLLIN, deadline, err) < 0)
          {
            ttrpc_reader_reset (&rd);
            return -1;
          }
      if (r < 0)
        {
          int e = errno ? errno : ECONNRESET;
          ttrpc_reader_reset (&rd);
          return holo_make_error (err, e, "read from %s", c->path);
        }
      if (rd.type != TTRPC_TYPE_RESPONSE || rd.stream != stream)
        {
          ttrpc_reader_reset (&rd);
          continue;
        }
      resp = ttrpc__response__unpack (NULL, rd.len, rd.payload);
      ttrpc_reader_reset (&rd);
      if (resp == NULL)
        return holo_make_error (err, 0, "malformed ttrpc response");
      if (resp->status && resp->status->code != TTRPC_OK)
        {
          holo_make_error (err, 0, "rpc error: code = %d desc = %s", resp->status->code,
                           resp->status->message ? resp->status->message : "");
          ttrpc__response__free_unpacked (resp, NULL);
          return -1;
        }
      ttrpc__response__free_unpacked (resp, NULL);
      return 0;
    }
}

static int
call_once (struct ttrpc_client *c, const uint8_t *frame, size_t len, uint64_t deadline, holo_error_t *err)
{
  uint32_t stream;

  if (c->fd < 0 && client_connect (c, err) < 0)
    return -1;
  /* Non-blocking so that a stuck peer costs at most the timeout.  */
  fcntl (c->fd, F_SETFL, fcntl (c->fd, F_GETFL) | O_NONBLOCK);
  stream = c->next_stream;
  c->next_stream += 2;
  if (send_request (c, stream, frame, len, deadline, err) < 0)
    return -1;
  return read_response (c, stream, deadline, err);
}

int
ttrpc_client_call (struct ttrpc_client *c, const char *service, const char *method, const char *namespace,
                   const uint8_t *payload, size_t len, int timeout_ms, holo_error_t *err)
{
  Ttrpc__Request req = TTRPC__REQUEST__INIT;
  Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
  Ttrpc__KeyValue *md[1] = { &kv };
  cleanup_free uint8_t *frame = NULL;
  uint64_t deadline = shim_now_ms () + timeout_ms;
  bool fresh = c->fd < 0;
  size_t frame_len;

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
  frame = ttrpc_pack (&req.base, &frame_len);
  if (call_once (c, frame, frame_len, deadline, err) == 0)
    return 0;
  ttrpc_client_close (c);
  /* A kept connection may have died with a containerd restart: one retry
     on a new connection, unless this already was one.  */
  if (fresh || (*err && (*err)->status == 0))
    return -1;
  holo_error_release (err);
  if (call_once (c, frame, frame_len, deadline, err) == 0)
    return 0;
  ttrpc_client_close (c);
  return -1;
}
