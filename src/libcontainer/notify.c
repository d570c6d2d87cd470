/* The NOTIFY_SOCKET relay (see notify.h).  */
#define _GNU_SOURCE
#include "notify.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_NAME "notify.sock"
#define BARRIER_TIMEOUT_MS 30000

static void
set_env (struct holo_process *p, const char *entry)
{
  size_t klen = strcspn (entry, "=") + 1;
  size_t n = holo_strv_len (p->env);
  for (size_t i = 0; i < n; i++)
    if (strncmp (p->env[i], entry, klen) == 0)
      {
        free (p->env[i]);
        p->env[i] = holo_xstrdup (entry);
        return;
      }
  p->env = holo_xrealloc (p->env, (n + 2) * sizeof (char *));
  p->env[n] = holo_xstrdup (entry);
  p->env[n + 1] = NULL;
}

int
holo_notify_prepare (int dir_fd, struct holo_spec *spec, holo_error_t *err)
{
  if (mkdirat (dir_fd, HOLO_NOTIFY_DIR, 0755) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "create the notify socket directory");
  /* The state directory's absolute path, whatever --root was.  */
  char link[64], dir[PATH_MAX];
  snprintf (link, sizeof link, "/proc/self/fd/%d", dir_fd);
  ssize_t n = readlink (link, dir, sizeof dir - 1);
  if (n < 0)
    return holo_make_error (err, errno, "readlink %s", link);
  dir[n] = '\0';

  static const char *const options[] = { "bind", "nosuid", "noexec", "nodev", "ro", NULL };
  spec->mounts = holo_xrealloc (spec->mounts, (spec->n_mounts + 1) * sizeof *spec->mounts);
  struct holo_mount *m = &spec->mounts[spec->n_mounts++];
  memset (m, 0, sizeof *m);
  m->destination = holo_xstrdup ("/run/notify");
  m->type = holo_xstrdup ("bind");
  m->source = holo_xasprintf ("%s/%s", dir, HOLO_NOTIFY_DIR);
  m->options = holo_strv_dup ((char **) options);
  set_env (&spec->process, "NOTIFY_SOCKET=" HOLO_NOTIFY_IN_CONTAINER);
  return 0;
}

/* A sockaddr for PATH ("@name": abstract).  */
static int
host_address (const char *host, struct sockaddr_un *sa, socklen_t *len, holo_error_t *err)
{
  size_t n = strlen (host);
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof sa->sun_path)
    return holo_make_error (err, 0, "NOTIFY_SOCKET `%s`: not a socket path of 1 to %zu characters", host,
                            sizeof sa->sun_path - 1);
  memcpy (sa->sun_path, host, n);
  if (host[0] == '@')
    sa->sun_path[0] = '\0';
  *len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n + (host[0] == '@' ? 0 : 1));
  return 0;
}

void
holo_notify_close (struct holo_notify *n)
{
  if (n->listen_fd >= 0)
    close (n->listen_fd);
  if (n->host_fd >= 0)
    close (n->host_fd);
  n->listen_fd = n->host_fd = -1;
}

int
holo_notify_open (int dir_fd, const char *host, struct holo_notify *out, holo_error_t *err)
{
  out->listen_fd = out->host_fd = -1;
  struct sockaddr_un sa;
  socklen_t len = 0;
  if (host_address (host, &sa, &len, err) < 0)
    return -1;
  out->host_fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (out->host_fd < 0)
    return holo_make_error (err, errno, "NOTIFY_SOCKET: socket");
  if (connect (out->host_fd, (struct sockaddr *) &sa, len) < 0)
    {
      holo_notify_close (out);
      return holo_make_error (err, errno, "NOTIFY_SOCKET `%s`: connect", host);
    }
  /* Bound through the directory's fd: the state directory's path may be
     longer than sun_path allows.  */
  struct sockaddr_un own = { .sun_family = AF_UNIX };
  snprintf (own.sun_path, sizeof own.sun_path, "/proc/self/fd/%d/%s/%s", dir_fd, HOLO_NOTIFY_DIR, SOCKET_NAME);
  cleanup_free char *rel = holo_xasprintf ("%s/%s", HOLO_NOTIFY_DIR, SOCKET_NAME);
  unlinkat (dir_fd, rel, 0);
  out->listen_fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (out->listen_fd < 0 || bind (out->listen_fd, (struct sockaddr *) &own, sizeof own) < 0)
    {
      int saved = errno;
      holo_notify_close (out);
      return holo_make_error (err, saved, "bind the container's notify socket");
    }
  /* Any user in the container may notify (runc's mode).  */
  if (fchmodat (dir_fd, rel, 0777, 0) < 0)
    {
      int saved = errno;
      holo_notify_close (out);
      return holo_make_error (err, saved, "chmod the container's notify socket");
    }
  return 0;
}

/* The datagram without its MAINPID= lines; whether it says READY=.  */
static size_t
filter_message (char *buf, size_t len, bool *ready)
{
  size_t out = 0;
  for (size_t start = 0; start < len;)
    {
      char *nl = memchr (buf + start, '\n', len - start);
      size_t end = nl ? (size_t) (nl - buf) + 1 : len;
      size_t llen = end - start;
      if (llen >= 6 && strncmp (buf + start, "READY=", 6) == 0)
        *ready = true;
      if (!(llen >= 8 && strncmp (buf + start, "MAINPID=", 8) == 0))
        {
          memmove (buf + out, buf + start, llen);
          out += llen;
        }
      start = end;
    }
  return out;
}

/* BARRIER=1 with the write end of a pipe: the receiver has processed what
   came before once the pipe's other end sees EOF (sd_notify_barrier(3)). */
static int
barrier (int host_fd, holo_error_t *err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "NOTIFY_SOCKET: pipe");
  char msg[] = "BARRIER=1";
  struct iovec iov = { msg, sizeof msg - 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &p[1], sizeof (int));
  ssize_t r = sendmsg (host_fd, &mh, MSG_NOSIGNAL);
  int saved = errno;
  close (p[1]);
  if (r < 0)
    {
      close (p[0]);
      return holo_make_error (err, saved, "NOTIFY_SOCKET: send BARRIER=1");
    }
  struct pollfd pfd = { .fd = p[0], .events = POLLIN };
  int n;
  while ((n = poll (&pfd, 1, BARRIER_TIMEOUT_MS)) < 0 && errno == EINTR)
    ;
  close (p[0]);
  if (n == 0)
    holo_log_warning ("NOTIFY_SOCKET: no answer to BARRIER=1 in %d s (the receiver does not support barriers?)",
                      BARRIER_TIMEOUT_MS / 1000);
  return 0;
}

static int
send_host (int host_fd, const char *buf, size_t len, holo_error_t *err)
{
  if (send (host_fd, buf, len, MSG_NOSIGNAL) < 0)
    return holo_make_error (err, errno, "NOTIFY_SOCKET: relay to the caller's socket");
  return 0;
}

int
holo_notify_relay (struct holo_notify *n, pid_t init, pid_t main_pid, holo_error_t *err)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, init, 0);
  if (pidfd < 0)
    return errno == ESRCH ? 0 : holo_make_error (err, errno, "pidfd_open %d", (int) init);
  for (;;)
    {
      struct pollfd pfd[2] = { { .fd = n->listen_fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return holo_make_error (err, errno, "NOTIFY_SOCKET: poll");
        }
      if (!(pfd[0].revents & POLLIN))
        return 0; /* the container's init is gone */
      char buf[4096];
      ssize_t len = recv (n->listen_fd, buf, sizeof buf, MSG_DONTWAIT);
      if (len < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            continue;
          return holo_make_error (err, errno, "NOTIFY_SOCKET: receive from the container");
        }
      bool ready = false;
      size_t keep = filter_message (buf, (size_t) len, &ready);
      if (keep && send_host (n->host_fd, buf, keep, err) < 0)
        return -1;
      if (!ready)
        continue;
      char mainpid[32];
      int m = snprintf (mainpid, sizeof mainpid, "MAINPID=%d\n", (int) main_pid);
      if (send_host (n->host_fd, mainpid, (size_t) m, err) < 0)
        return -1;
      return barrier (n->host_fd, err);
    }
}
