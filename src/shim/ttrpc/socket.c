/* holo shim — AF_UNIX stream sockets: the shim's ttrpc socket, the
   console socket, the connection to containerd's events service.  */
#define _GNU_SOURCE
#include "ttrpc.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static int
unix_socket (const char *path, int flags, struct sockaddr_un *addr, holo_error_t *err)
{
  int fd;

  memset (addr, 0, sizeof (*addr));
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof (addr->sun_path))
    return holo_make_error (err, 0, "socket path too long: %s", path);
  strcpy (addr->sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0)
    return holo_make_error (err, errno, "socket for %s", path);
  return fd;
}

int
ttrpc_unix_listen (const char *path, int backlog, int flags, holo_error_t *err)
{
  struct sockaddr_un addr;
  int fd = unix_socket (path, flags, &addr, err);

  if (fd < 0)
    return -1;
  if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0 || listen (fd, backlog) < 0)
    {
      int e = errno;
      close (fd);
      return holo_make_error (err, e, "listen on %s", path);
    }
  return fd;
}

int
ttrpc_unix_connect (const char *path, holo_error_t *err)
{
  struct sockaddr_un addr;
  int fd = unix_socket (path, 0, &addr, err);

  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      int e = errno;
      close (fd);
      return holo_make_error (err, e, "connect to %s", path);
    }
  return fd;
}
