/* The typed parent-init channel (see sync.h): framing, the sealed memfd for
   large payloads, and one function per protocol step.  */
#define _GNU_SOURCE
#include "sync.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define HOLO_SYNC_F_MEMFD 1u /* the payload is in the memfd sent along */
#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#define CLOSED_TEXT "sync channel: closed by the other side"

struct header
{
  uint32_t type;
  uint32_t flags;
  uint64_t len;
};

struct message
{
  enum holo_sync_type type;
  char *payload; /* malloc'ed, NUL-terminated (also when empty) */
  size_t len;
};

static void
message_release (struct message *m)
{
  free (m->payload);
  m->payload = NULL;
}
#define cleanup_message __attribute__ ((cleanup (message_release)))

static const char *
type_name (uint32_t type)
{
  static const char *const names[]
      = { "?", "PID", "GO", "HOOKS", "LISTENER_STATE", "HOOKS_DONE", "READY", "ERROR", "LOG" };
  return type < sizeof names / sizeof names[0] ? names[type] : "?";
}

/* ---- framing ---- */

static int
sendmsg_all (int fd, const struct header *h, const void *payload, size_t len, int pass_fd, holo_error_t *err)
{
  struct iovec iov[2] = { { (void *) h, sizeof *h }, { (void *) payload, len } };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
  if (pass_fd >= 0)
    {
      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &pass_fd, sizeof (int));
    }
  ssize_t r;
  do
    r = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "sync channel: send %s", type_name (h->type));
  /* SOCK_SEQPACKET sends a datagram whole or not at all.  */
  return 0;
}

/* A memfd holding PAYLOAD that nobody can change any more.  */
static int
sealed_memfd (const void *payload, size_t len, holo_error_t *err)
{
  cleanup_close int mfd = memfd_create ("holo-sync", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return holo_make_error (err, errno, "sync channel: memfd_create");
  if (holo_write_all (mfd, payload, len) < 0)
    return holo_make_error (err, errno, "sync channel: write the memfd");
  if (fcntl (mfd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_SEAL) < 0)
    return holo_make_error (err, errno, "sync channel: seal the memfd");
  return steal_fd (&mfd);
}

static int
send_message (int fd, enum holo_sync_type type, const void *payload, size_t len, holo_error_t *err)
{
  struct header h = { .type = type, .len = len };
  if (len > HOLO_SYNC_PAYLOAD_MAX)
    return holo_make_error (err, EMSGSIZE, "sync channel: %s of %zu bytes (the limit is %u)", type_name (type), len,
                            HOLO_SYNC_PAYLOAD_MAX);
  if (len <= HOLO_SYNC_INLINE_MAX)
    return sendmsg_all (fd, &h, payload, len, -1, err);
  cleanup_close int mfd = sealed_memfd (payload, len, err);
  if (mfd < 0)
    return -1;
  h.flags = HOLO_SYNC_F_MEMFD;
  return sendmsg_all (fd, &h, NULL, 0, mfd, err);
}

/* The fd that came with the message, or -1.  */
static int
received_fd (struct msghdr *msg)
{
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c; c = CMSG_NXTHDR (msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)))
      memcpy (&fd, CMSG_DATA (c), sizeof (int));
  return fd;
}

static int
read_memfd (int mfd, uint64_t len, char **out, holo_error_t *err)
{
  struct stat st;
  int seals = fcntl (mfd, F_GET_SEALS);
  if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
    return holo_make_error (err, 0, "sync channel: the payload's memfd is not sealed");
  if (fstat (mfd, &st) < 0)
    return holo_make_error (err, errno, "sync channel: fstat the memfd");
  if ((uint64_t) st.st_size != len || len > HOLO_SYNC_PAYLOAD_MAX)
    return holo_make_error (err, 0, "sync channel: the memfd holds %lld bytes, the header says %llu",
                            (long long) st.st_size, (unsigned long long) len);
  char *buf = holo_xmalloc (len + 1);
  for (size_t off = 0; off < len;)
    {
      ssize_t r = pread (mfd, buf + off, len - off, (off_t) off);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          free (buf);
          return holo_make_error (err, r < 0 ? errno : 0, "sync channel: read the memfd");
        }
      off += (size_t) r;
    }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

static int
recv_message (int fd, struct message *m, holo_error_t *err)
{
  cleanup_free char *buf = holo_xmalloc (sizeof (struct header) + HOLO_SYNC_INLINE_MAX);
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { buf, sizeof (struct header) + HOLO_SYNC_INLINE_MAX };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  ssize_t r;
  do
    r = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "sync channel: receive");
  cleanup_close int mfd = received_fd (&msg);
  if (r == 0)
    return holo_make_error (err, 0, "%s", CLOSED_TEXT);
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
    return holo_make_error (err, EMSGSIZE, "sync channel: an oversized message");
  struct header h;
  if ((size_t) r < sizeof h)
    return holo_make_error (err, 0, "sync channel: a short message (%zd bytes)", r);
  memcpy (&h, buf, sizeof h);
  m->type = (enum holo_sync_type) h.type;
  if (h.flags & HOLO_SYNC_F_MEMFD)
    {
      if (mfd < 0 || (size_t) r != sizeof h)
        return holo_make_error (err, 0, "sync channel: %s without its memfd", type_name (h.type));
      if (read_memfd (mfd, h.len, &m->payload, err) < 0)
        return -1;
      m->len = h.len;
      return 0;
    }
  if (mfd >= 0 || h.len != (uint64_t) r - sizeof h)
    return holo_make_error (err, 0, "sync channel: a malformed %s message", type_name (h.type));
  m->payload = holo_xmalloc (h.len + 1);
  memcpy (m->payload, buf + sizeof h, h.len);
  m->payload[h.len] = '\0';
  m->len = h.len;
  return 0;
}

/* ---- LOG and ERROR, which can come instead of any expected message ---- */

static void
forward_log (const struct message *m)
{
  size_t level_len = strnlen (m->payload, m->len);
  if (level_len == m->len)
    return; /* malformed: no separator */
  holo_log_line (m->payload, m->payload + level_len + 1);
}

static int
error_from_message (const struct message *m, holo_error_t *err)
{
  int32_t status = 0;
  if (m->len < sizeof status)
    return holo_make_error (err, 0, "sync channel: a malformed ERROR message");
  memcpy (&status, m->payload, sizeof status);
  /* The text already ends with strerror (status): keep it as is.  */
  holo_make_error (err, 0, "%s", m->payload + sizeof status);
  (*err)->status = status;
  return -1;
}

/* Receives until a message other than LOG; ERROR becomes the error, any
   type other than EXPECTED is a protocol error.  */
static int
expect (int fd, enum holo_sync_type expected, struct message *m, holo_error_t *err)
{
  for (;;)
    {
      if (recv_message (fd, m, err) < 0)
        return -1;
      if (m->type == HOLO_SYNC_LOG)
        {
          forward_log (m);
          message_release (m);
          continue;
        }
      if (m->type == HOLO_SYNC_ERROR)
        return error_from_message (m, err);
      if (m->type != expected)
        return holo_make_error (err, 0, "sync channel: got %s, expected %s", type_name (m->type), type_name (expected));
      return 0;
    }
}

static int
expect_empty (int fd, enum holo_sync_type expected, holo_error_t *err)
{
  cleanup_message struct message m = { 0 };
  return expect (fd, expected, &m, err);
}

bool
holo_sync_is_closed (const holo_error_t *err)
{
  return err && *err && strcmp ((*err)->msg, CLOSED_TEXT) == 0;
}

/* ---- the protocol steps ---- */

void
holo_sync_send_pid (int fd, pid_t pid)
{
  int32_t p = pid;
  send_message (fd, HOLO_SYNC_PID, &p, sizeof p, NULL);
}

int
holo_sync_recv_pid (int fd, pid_t *pid, holo_error_t *err)
{
  cleanup_message struct message m = { 0 };
  int32_t p;
  if (expect (fd, HOLO_SYNC_PID, &m, err) < 0)
    return -1;
  if (m.len != sizeof p)
    return holo_make_error (err, 0, "sync channel: a malformed PID message");
  memcpy (&p, m.payload, sizeof p);
  *pid = p;
  return 0;
}

int
holo_sync_send_go (int fd, holo_error_t *err)
{
  return send_message (fd, HOLO_SYNC_GO, NULL, 0, err);
}

int
holo_sync_wait_go (int fd, holo_error_t *err)
{
  return expect_empty (fd, HOLO_SYNC_GO, err);
}

int
holo_sync_request_hooks (int fd, bool want_listener_state, struct holo_sync_states *out, holo_error_t *err)
{
  cleanup_message struct message listener = { 0 };
  cleanup_message struct message container = { 0 };
  out->container = out->listener = NULL;
  if (send_message (fd, HOLO_SYNC_HOOKS, NULL, 0, err) < 0)
    return -1;
  if (want_listener_state && expect (fd, HOLO_SYNC_LISTENER_STATE, &listener, err) < 0)
    return -1;
  if (expect (fd, HOLO_SYNC_HOOKS_DONE, &container, err) < 0)
    return -1;
  out->listener = steal_pointer (&listener.payload);
  out->container = steal_pointer (&container.payload);
  return 0;
}

int
holo_sync_wait_hooks_request (int fd, holo_error_t *err)
{
  return expect_empty (fd, HOLO_SYNC_HOOKS, err);
}

int
holo_sync_send_states (int fd, const char *container_state, const char *listener_state, holo_error_t *err)
{
  if (listener_state && send_message (fd, HOLO_SYNC_LISTENER_STATE, listener_state, strlen (listener_state), err) < 0)
    return -1;
  return send_message (fd, HOLO_SYNC_HOOKS_DONE, container_state, strlen (container_state), err);
}

void
holo_sync_states_release (struct holo_sync_states *st)
{
  free (st->container);
  free (st->listener);
  st->container = st->listener = NULL;
}

int
holo_sync_send_ready (int fd, holo_error_t *err)
{
  return send_message (fd, HOLO_SYNC_READY, NULL, 0, err);
}

int
holo_sync_wait_ready (int fd, holo_error_t *err)
{
  return expect_empty (fd, HOLO_SYNC_READY, err);
}

void
holo_sync_send_error (int fd, const holo_error_t *err)
{
  const char *msg = err && *err ? (*err)->msg : "unknown error";
  int32_t status = err && *err ? (*err)->status : 0;
  size_t len = strlen (msg);
  cleanup_free char *buf = holo_xmalloc (sizeof status + len + 1);
  memcpy (buf, &status, sizeof status);
  memcpy (buf + sizeof status, msg, len + 1);
  send_message (fd, HOLO_SYNC_ERROR, buf, sizeof status + len + 1, NULL);
}

static void
log_to_sync (void *data, const char *level, const char *msg)
{
  holo_sync_send_log ((int) (intptr_t) data, level, msg);
}

void
holo_sync_forward_logs (int fd)
{
  if (fd < 0)
    holo_log_set_forwarder (NULL, NULL);
  else
    holo_log_set_forwarder (log_to_sync, (void *) (intptr_t) fd);
}

void
holo_sync_send_log (int fd, const char *level, const char *msg)
{
  size_t level_len = strlen (level), len = strlen (msg);
  cleanup_free char *buf = holo_xmalloc (level_len + 1 + len);
  memcpy (buf, level, level_len + 1);
  memcpy (buf + level_len + 1, msg, len);
  send_message (fd, HOLO_SYNC_LOG, buf, level_len + 1 + len, NULL);
}
