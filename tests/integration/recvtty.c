/* recvtty: the console-socket end for terminal tests.

   usage: recvtty [-i INPUT] [-m MODEFILE] SOCKET

   Listens on the AF_UNIX path SOCKET, accepts one connection, receives
   exactly one file descriptor (the pty master) through SCM_RIGHTS, writes
   INPUT to it if given, and copies everything the pty says to stdout until
   the container side is closed (read gives EIO or EOF).  With -m, it writes
   "fd-received" and the received fd's /proc target to MODEFILE as soon as
   the descriptor arrives, so a test can see the hand-over happened even if
   the container prints nothing.  The socket file is removed on exit.
   Gives up (dies by SIGALRM) after 60 seconds so a failed test never
   leaves it waiting forever.

   Exit status: 0 after a clean copy, 1 if no descriptor arrived (message
   on stderr), 2 on a usage error.  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *socket_path;

static void
remove_socket (void)
{
  if (socket_path)
    unlink (socket_path);
}

static int
die (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  return 1;
}

/* Receives one message and returns the single fd it carries, or -1.  */
static int
receive_fd (int conn)
{
  char data[256];
  char control[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *cmsg;
  int fd = -1, count = 0;
  ssize_t n;

  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return die ("recvmsg"), -1;
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        size_t nfds = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        for (size_t i = 0; i < nfds; i++)
          {
            int got;
            memcpy (&got, CMSG_DATA (cmsg) + i * sizeof (int), sizeof (int));
            if (count++ == 0)
              fd = got;
            else
              close (got);
          }
      }
  if (count != 1)
    {
      fprintf (stderr, "recvtty: expected exactly one fd, got %d\n", count);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      buf += n;
      len -= (size_t) n;
    }
}

int
main (int argc, char **argv)
{
  const char *input = NULL, *modefile = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int opt, sock, conn, master;
  char buf[4096];

  while ((opt = getopt (argc, argv, "i:m:")) != -1)
    switch (opt)
      {
      case 'i':
        input = optarg;
        break;
      case 'm':
        modefile = optarg;
        break;
      default:
        fprintf (stderr, "usage: recvtty [-i INPUT] [-m MODEFILE] SOCKET\n");
        return 2;
      }
  if (optind != argc - 1 || strlen (argv[optind]) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "usage: recvtty [-i INPUT] [-m MODEFILE] SOCKET\n");
      return 2;
    }
  strcpy (addr.sun_path, argv[optind]);
  alarm (60);

  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return die ("socket");
  unlink (addr.sun_path);
  if (bind (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    return die ("bind");
  socket_path = argv[optind];
  atexit (remove_socket);
  if (listen (sock, 1) < 0)
    return die ("listen");

  do
    conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return die ("accept");
  master = receive_fd (conn);
  close (conn);
  close (sock);
  remove_socket ();
  socket_path = NULL;
  if (master < 0)
    return 1;

  if (modefile)
    {
      char link[64], target[256];
      ssize_t n;
      FILE *f = fopen (modefile, "we");
      snprintf (link, sizeof link, "/proc/self/fd/%d", master);
      n = readlink (link, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      if (f)
        {
          fprintf (f, "fd-received %s\n", target);
          fclose (f);
        }
    }
  if (input)
    write_all (master, input, strlen (input));

  for (;;)
    {
      ssize_t n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) /* EIO: every slave handle is closed */
        break;
      write_all (STDOUT_FILENO, buf, (size_t) n);
    }
  close (master);
  return 0;
}
