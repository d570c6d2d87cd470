/* seccomp-listener: a minimal seccomp agent for seccomp.bats.

   Usage: seccomp-listener SOCKET PAYLOAD_FILE ERRNO

   Listens on the AF_UNIX stream socket SOCKET, accepts one connection, and
   reads what a runtime sends for linux.seccomp.listenerPath: the container
   process state JSON (written to PAYLOAD_FILE once the runtime has closed
   the connection or gone quiet) and one fd in SCM_RIGHTS.  It then proves
   the fd is a seccomp notify fd by serving it: every notification is answered with
   -ERRNO, until the last process using the filter is gone.  Prints on
   stdout "fds: N", "closed by the runtime: yes|no", one "notification: syscall NR" line per notification,
   and "notifications: N" at the end.  Exits 1 on any protocol error.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stdout, "seccomp-listener: %s: %s\n", what, strerror (errno));
  fflush (stdout);
  exit (1);
}

static int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  if (strlen (path) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      die (path);
    }
  strcpy (addr.sun_path, path);
  unlink (path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 1) < 0)
    die ("bind/listen");
  return fd;
}

/* Reads the whole payload; returns the fd that came with it (or -1) and
   prints how many fds were received.  */
static int
receive (int conn, char *buf, size_t size, size_t *len)
{
  union
  {
    char b[CMSG_SPACE (4 * sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof control.b };
  int fd = -1, nfds = 0;
  ssize_t r = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);

  if (r < 0)
    die ("recvmsg");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        nfds = (int) ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        memcpy (&fd, CMSG_DATA (c), sizeof (int));
      }
  *len = (size_t) r;
  /* The spec wants the runtime to close the connection once the state is
     sent; runc 1.1 keeps it open, so stop at a pause too, and report.  */
  bool eof = r == 0;
  while (!eof && *len < size - 1)
    {
      struct pollfd p = { .fd = conn, .events = POLLIN };
      if (poll (&p, 1, 1000) <= 0)
        break;
      r = read (conn, buf + *len, size - 1 - *len);
      if (r < 0)
        die ("read");
      eof = r == 0;
      *len += (size_t) r;
    }
  buf[*len] = '\0';
  printf ("fds: %d\n", nfds);
  printf ("closed by the runtime: %s\n", eof ? "yes" : "no");
  fflush (stdout);
  return fd;
}

static int
serve (int notify_fd, int err_no)
{
  struct seccomp_notif_sizes sizes;
  int count = 0;

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die ("SECCOMP_GET_NOTIF_SIZES");
  struct seccomp_notif *req = calloc (1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
  struct seccomp_notif_resp *resp
      = calloc (1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
  for (;;)
    {
      struct pollfd p = { .fd = notify_fd, .events = POLLIN };
      int r = poll (&p, 1, 30000);
      if (r == 0)
        {
          printf ("seccomp-listener: timed out\n");
          break;
        }
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        die ("poll");
      if (p.revents & POLLIN)
        {
          memset (req, 0, sizes.seccomp_notif);
          if (ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
            {
              if (errno == EINTR || errno == ENOENT)
                continue;
              die ("SECCOMP_IOCTL_NOTIF_RECV");
            }
          printf ("notification: syscall %d\n", req->data.nr);
          fflush (stdout);
          count++;
          memset (resp, 0, sizes.seccomp_notif_resp);
          resp->id = req->id;
          resp->error = -err_no;
          if (ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
            die ("SECCOMP_IOCTL_NOTIF_SEND");
        }
      else if (p.revents & (POLLHUP | POLLERR))
        break; /* no process uses the filter any more */
    }
  return count;
}

int
main (int argc, char **argv)
{
  static char payload[1 << 16];
  size_t len;

  if (argc != 4)
    {
      fprintf (stderr, "usage: seccomp-listener SOCKET PAYLOAD_FILE ERRNO\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  int sock = listen_on (argv[1]);
  int conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  int notify_fd = receive (conn, payload, sizeof payload, &len);
  close (conn);
  FILE *f = fopen (argv[2], "we");
  if (f == NULL)
    die (argv[2]);
  fwrite (payload, 1, len, f);
  fclose (f);
  if (notify_fd < 0)
    {
      printf ("seccomp-listener: no fd received\n");
      return 1;
    }
  printf ("notifications: %d\n", serve (notify_fd, atoi (argv[3])));
  return 0;
}
