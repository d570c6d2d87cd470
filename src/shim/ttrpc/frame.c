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

int
ttrpc_read_frame (int fd, struct ttrpc_reader *r)
{
  while (r->hdr_got < TTRPC_HEADER_LEN)
    {
      ssize_t n = read (fd, r->hdr + r->hdr_got, TTRPC_HEADER_LEN - r->hdr_got);
      if (n == 0)
        {
          errno = 0;
          return -1;
        }
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EAGAIN ? 0 : -1;
        }
      r->hdr_got += n;
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
      ssize_t n = read (fd, r->payload + r->got, r->len - r->got);
      if (n == 0)
        {
          errno = 0;
          return -1;
        }
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EAGAIN ? 0 : -1;
        }
      r->got += n;
    }
  return 1;
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
