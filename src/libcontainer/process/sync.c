#define _GNU_SOURCE
#include "sync.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

struct header
{
  uint32_t type;
  uint32_t len;
};

int
holo_sync_send (int fd, enum holo_sync_type type, const void *payload, size_t len, holo_error_t *err)
{
  if (len > HOLO_SYNC_MAX_PAYLOAD)
    len = HOLO_SYNC_MAX_PAYLOAD;
  cleanup_free char *buf = holo_xmalloc (sizeof (struct header) + len);
  struct header h = { .type = type, .len = (uint32_t) len };
  memcpy (buf, &h, sizeof h);
  if (len)
    memcpy (buf + sizeof h, payload, len);
  ssize_t r;
  do
    r = send (fd, buf, sizeof h + len, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "send to the container init");
  return 0;
}

int
holo_sync_recv (int fd, enum holo_sync_type *type, char **payload, size_t *len, holo_error_t *err)
{
  size_t cap = sizeof (struct header) + HOLO_SYNC_MAX_PAYLOAD + 1;
  cleanup_free char *buf = holo_xmalloc (cap);
  ssize_t r;
  do
    r = recv (fd, buf, cap - 1, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "receive from the container init");
  if (r == 0)
    return holo_make_error (err, 0, "the container init exited during setup");
  struct header h;
  if ((size_t) r < sizeof h)
    return holo_make_error (err, 0, "short message from the container init");
  memcpy (&h, buf, sizeof h);
  if (h.len != (size_t) r - sizeof h)
    return holo_make_error (err, 0, "malformed message from the container init");
  char *p = holo_xmalloc (h.len + 1);
  memcpy (p, buf + sizeof h, h.len);
  *type = (enum holo_sync_type) h.type;
  *payload = p;
  if (len)
    *len = h.len;
  return 0;
}

int
holo_sync_expect (int fd, enum holo_sync_type expected, char **payload, holo_error_t *err)
{
  enum holo_sync_type type;
  cleanup_free char *p = NULL;
  if (holo_sync_recv (fd, &type, &p, NULL, err) < 0)
    return -1;
  if (type == HOLO_SYNC_ERROR)
    return holo_make_error (err, 0, "%s", p);
  if (type != expected)
    return holo_make_error (err, 0, "unexpected message %u from the container init (wanted %u)", type, expected);
  if (payload)
    *payload = steal_pointer (&p);
  return 0;
}
