/* A cheap check before libcurl is loaded: is anything listening at the
   endpoint's host and port?  Most hosts run no witness endpoint, and a
   refused connection is a transport error ("no witness") either way; this
   answers it without loading libcurl and its dependencies on the container
   start path.  Anything the probe cannot decide goes to libcurl.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* "http://host[:port][/...]" -> host and port; false for anything else
   (https, userinfo, IPv6 literals...: left to libcurl).  */
static bool
split_http_url (const char *url, char *host, size_t host_len, char *port, size_t port_len)
{
  if (strncasecmp (url, "http://", 7) != 0)
    return false;
  const char *h = url + 7;
  size_t n = strcspn (h, ":/?#");
  if (n == 0 || n >= host_len || memchr (h, '@', strcspn (h, "/?#")) || h[0] == '[')
    return false;
  memcpy (host, h, n);
  host[n] = '\0';
  const char *p = h + n;
  if (*p == ':')
    {
      size_t m = strspn (p + 1, "0123456789");
      if (m == 0 || m >= port_len)
        return false;
      memcpy (port, p + 1, m);
      port[m] = '\0';
    }
  else
    snprintf (port, port_len, "80");
  return true;
}

static bool
connect_refused (const struct addrinfo *ai, long timeout_ms)
{
  cleanup_close int fd = socket (ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0)
    return false;
  if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
    return false;
  if (errno == ECONNREFUSED || errno == ENETUNREACH || errno == EHOSTUNREACH)
    return true;
  if (errno != EINPROGRESS)
    return false;
  struct pollfd pfd = { .fd = fd, .events = POLLOUT };
  if (poll (&pfd, 1, (int) (timeout_ms > 0 ? timeout_ms : 1)) <= 0)
    return false;
  int soerr = 0;
  socklen_t len = sizeof soerr;
  getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
  return soerr == ECONNREFUSED || soerr == ENETUNREACH || soerr == EHOSTUNREACH;
}

bool
holo_http_endpoint_refuses (const char *url, long timeout_ms, char **why)
{
  char host[256], port[8];
  if (!split_http_url (url, host, sizeof host, port, sizeof port))
    return false;
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  if (getaddrinfo (host, port, &hints, &res) != 0 || res == NULL)
    return false;
  /* Refused only when every address refuses (localhost: ::1 and 127.0.0.1). */
  bool all_refused = true;
  for (struct addrinfo *ai = res; ai && all_refused; ai = ai->ai_next)
    all_refused = connect_refused (ai, timeout_ms);
  freeaddrinfo (res);
  if (all_refused)
    *why = holo_xasprintf ("Failed to connect to %s port %s: Connection refused", host, port);
  return all_refused;
}
