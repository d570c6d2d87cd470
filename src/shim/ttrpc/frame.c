/* holo shim — ttrpc framing.  */
#define _GNU_SOURCE
#include "ttrpc.h"
#include "libcontainer/utils.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

uint8_t *
ttrpc_pack (const ProtobufCMessage *msg, size_t *len)
{
  size_t n = protobuf_c_message_get_packed_size (msg);
  uint8_t *buf = holo_xmalloc (n ? n : 1);

  *len = protobuf_c_message_pack (msg, buf);
  return buf;
}

void
ttrpc_reader_reset (struct ttrpc_reader *r)
{
  free (r->payload);
  memset (r, 0, sizeof (*r));
}

static void
decode_header (struct ttrpc_reader *r)
{
  uint32_t v;

  memcpy (&v, r->hdr, 4);
  r->len = ntohl (v);
  memcpy (&v, r->hdr + 4, 4);
  r->stream = ntohl (v);
  r->type = r->hdr[8];
  r->flags = r->hdr[9];
}

/* Where a reader's bytes come from: a non-blocking fd, or a buffer (the
   same parser either way; the fuzz target feeds buffers).  */
struct source
{
  ssize_t (*read) (struct source *src, void *buf, size_t n);
  int fd;
  const uint8_t *data;
  size_t len, off;
};

static ssize_t
fd_read (struct source *src, void *buf, size_t n)
{
  return read (src->fd, buf, n);
}

/* A buffer never ends: once used up it "would block".  */
static ssize_t
mem_read (struct source *src, void *buf, size_t n)
{
  size_t left = src->len - src->off;

  if (left == 0)
    {
      errno = EAGAIN;
      return -1;
    }
  if (n > left)
    n = left;
  memcpy (buf, src->data + src->off, n);
  src->off += n;
  return (ssize_t) n;
}

/* Reads up to N bytes to BUF: >0 read, 0 would block, -1 EOF (errno 0)
   or error.  */
static int
source_read (struct source *src, void *buf, size_t n, size_t *got)
{
  for (;;)
    {
      ssize_t k = src->read (src, buf, n);
      if (k > 0)
        {
          *got = (size_t) k;
          return 1;
        }
      if (k == 0)
        {
          errno = 0;
          return -1;
        }
      if (errno == EINTR)
        continue;
      return errno == EAGAIN ? 0 : -1;
    }
}

static int
fill (struct ttrpc_reader *r, struct source *src)
{
  size_t got;
  int s;

  while (r->hdr_got < TTRPC_HEADER_LEN)
    {
      if ((s = source_read (src, r->hdr + r->hdr_got, TTRPC_HEADER_LEN - r->hdr_got, &got)) <= 0)
        return s;
      r->hdr_got += got;
      if (r->hdr_got == TTRPC_HEADER_LEN)
        {
          decode_header (r);
          if (r->len > TTRPC_MAX_MESSAGE)
            {
              errno = EMSGSIZE;
              return -1;
            }
          r->payload = holo_xmalloc (r->len ? r->len : 1);
        }
    }
  while (r->got < r->len)
    {
      if ((s = source_read (src, r->payload + r->got, r->len - r->got, &got)) <= 0)
        return s;
      r->got += (uint32_t) got;
    }
  return 1;
}

int
ttrpc_read_frame (int fd, struct ttrpc_reader *r)
{
  struct source src = { .read = fd_read, .fd = fd };
  return fill (r, &src);
}

int
ttrpc_reader_feed (struct ttrpc_reader *r, const uint8_t *data, size_t len, size_t *used)
{
  struct source src = { .read = mem_read, .fd = -1, .data = data, .len = len };
  int ret = fill (r, &src);

  *used = src.off;
  return ret;
}

void
ttrpc_writer_reset (struct ttrpc_writer *w)
{
  free (w->buf);
  memset (w, 0, sizeof (*w));
}

int
ttrpc_flush (int fd, struct ttrpc_writer *w)
{
  while (w->off < w->len)
    {
      ssize_t n = write (fd, w->buf + w->off, w->len - w->off);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EAGAIN ? 1 : -1;
        }
      w->off += n;
    }
  ttrpc_writer_reset (w);
  return 0;
}

int
ttrpc_write_frame (int fd, struct ttrpc_writer *w, uint32_t stream, uint8_t type, uint8_t flags, const uint8_t *payload,
                   size_t len)
{
  size_t pending = w->len - w->off;
  uint32_t v;
  uint8_t *buf;

  /* Compact, then append the frame after what is still pending.  */
  buf = holo_xmalloc (pending + TTRPC_HEADER_LEN + len);
  if (pending)
    memcpy (buf, w->buf + w->off, pending);
  v = htonl ((uint32_t) len);
  memcpy (buf + pending, &v, 4);
  v = htonl (stream);
  memcpy (buf + pending + 4, &v, 4);
  buf[pending + 8] = type;
  buf[pending + 9] = flags;
  if (len)
    memcpy (buf + pending + TTRPC_HEADER_LEN, payload, len);
  free (w->buf);
  w->buf = buf;
  w->off = 0;
  w->len = pending + TTRPC_HEADER_LEN + len;
  if (pending)
    return 1;
  return ttrpc_flush (fd, w);
}
