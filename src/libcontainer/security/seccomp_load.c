/* Installing a compiled linux.seccomp in the container init, and handing
   the notify fd of SCMP_ACT_NOTIFY rules to linux.seccomp.listenerPath.

   The listener socket is connected by holo, in the host's namespaces and
   with holo's credentials, before the init exists; the init inherits the
   fd.  Right after seccomp(2) returns the notify fd the init sends it with
   the container process state (runtime-spec "The Container Process State")
   in one sendmsg(2), then closes both fds: the spec wants exactly one state
   per connection and the connection closed afterwards.  Until the listener
   has the fd nobody can answer a notification, which is why seccomp.c
   refuses SCMP_ACT_NOTIFY for write/sendmsg and as the default action.  */
#define _GNU_SOURCE
#include "seccomp_internal.h"
#include "../json.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef OCI_SPEC_VERSION
#define OCI_SPEC_VERSION "1.2.0"
#endif

int
holo_seccomp_connect_listener (struct holo_seccomp *s, holo_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  if (s == NULL || !s->uses_notify || s->listener_fd >= 0)
    return 0;
  if (strlen (s->listener_path) >= sizeof addr.sun_path)
    return holo_make_error (err, ENAMETOOLONG, "config.json: linux.seccomp.listenerPath: `%s`", s->listener_path);
  strcpy (addr.sun_path, s->listener_path);
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return holo_make_error (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return holo_make_error (err, errno, "connect to the seccomp listener `%s`", s->listener_path);
  s->listener_fd = steal_fd (&fd);
  return 0;
}

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}; pid is
   the container's pid as holo sees it, taken from the state.  */
static char *
process_state_json (const struct holo_seccomp *s, const char *state_json)
{
  yajl_val state = state_json ? yajl_tree_parse (state_json, NULL, 0) : NULL;
  const char *pid_path[] = { "pid", NULL };
  yajl_val pid = state ? yajl_tree_get (state, pid_path, yajl_t_number) : NULL;
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_str (g, "ociVersion");
  holo_json_str (g, OCI_SPEC_VERSION);
  holo_json_str (g, "fds");
  yajl_gen_array_open (g);
  holo_json_str (g, "seccompFd");
  yajl_gen_array_close (g);
  holo_json_str (g, "pid");
  if (pid && YAJL_IS_INTEGER (pid))
    yajl_gen_integer (g, YAJL_GET_INTEGER (pid));
  else
    yajl_gen_integer (g, getpid ());
  if (s->listener_metadata)
    {
      holo_json_str (g, "metadata");
      holo_json_str (g, s->listener_metadata);
    }
  holo_json_str (g, "state");
  if (state)
    holo_json_value (g, state);
  else
    {
      yajl_gen_map_open (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  char *out = holo_json_finish (g, NULL);
  yajl_tree_free (state);
  return out;
}

/* The fd travels with the first bytes; the rest (if the socket took only
   part of it) follows without one.  */
static int
send_with_fd (int sock, int fd, const char *data, size_t len, holo_error_t *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  ssize_t r;

  memset (&control, 0, sizeof control);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
  do
    r = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "send the seccomp notify fd to the listener");
  for (size_t off = (size_t) r; off < len; off += (size_t) r)
    {
      do
        r = send (sock, data + off, len - off, MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      if (r <= 0)
        return holo_make_error (err, r < 0 ? errno : EPIPE, "send the container state to the seccomp listener");
    }
  return 0;
}

void
holo_seccomp_set_state_json (struct holo_seccomp *s, const char *state_json)
{
  free (s->state_json);
  s->state_json = holo_xstrdup (state_json);
}

static int
hand_over_notify_fd (struct holo_seccomp *s, int notify_fd, const char *state_json, holo_error_t *err)
{
  if (state_json == NULL)
    state_json = s->state_json;
  if (s->listener_fd < 0)
    return holo_make_error (err, 0, "seccomp listener `%s` is not connected", s->listener_path);
  cleanup_free char *payload = process_state_json (s, state_json);
  int ret = send_with_fd (s->listener_fd, notify_fd, payload, strlen (payload), err);
  close (s->listener_fd);
  s->listener_fd = -1;
  return ret;
}

int
holo_seccomp_load (struct holo_seccomp *s, const char *state_json, holo_error_t *err)
{
  struct sock_fprog prog = { .len = (unsigned short) s->prog_len, .filter = s->prog };
  unsigned int flags = s->flags;

  if (s->uses_notify)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | (s->wait_killable_recv ? SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV : 0);
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0)
    return holo_make_error (err, errno, "load the seccomp filter");
  if (!s->uses_notify)
    return 0;
  cleanup_close int notify_fd = (int) r;
  return hand_over_notify_fd (s, notify_fd, state_json, err);
}
