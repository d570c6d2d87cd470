/* Plain http:// without libcurl.  A witness endpoint or a CTP-96 daemon
   is usually a local http service (the Hologram daemon listens on
   localhost): one request over one connection does not need libcurl and
   its ~30 libraries (TLS, Kerberos, LDAP...), whose loading alone costs
   more than the request.  https (and anything this does not parse) goes
   to libcurl (endpoint.c).

   One request, "Connection: close", HTTP/1.1; the body is read up to its
   Content-Length, or decoded from chunks, or up to the end of the
   connection; no redirects are followed; TIMEOUT_MS bounds the whole
   exchange, connection included.  */
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
#include <unistd.h>

#define HTTP_MAX_REPLY (4 * 1024 * 1024 + 64 * 1024)

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_fd (int fd, short events, int64_t deadline)
{
  struct pollfd p = { .fd = fd, .events = events };
  for (;;)
    {
      int64_t left = deadline - now_ms ();
      if (left <= 0)
        return errno = ETIMEDOUT, -1;
      int r = poll (&p, 1, (int) left);
      if (r > 0)
        return 0;
      if (r == 0)
        return errno = ETIMEDOUT, -1;
      if (errno != EINTR)
        return -1;
    }
}

/* A connected socket to HOST:PORT, or -1 with *WHY set.  */
static int
connect_to (const char *host, const char *port, int64_t deadline, char **why)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  int gai = getaddrinfo (host, port, &hints, &res);
  if (gai != 0)
    {
      *why = holo_xasprintf ("Could not resolve host: %s (%s)", host, gai_strerror (gai));
      return -1;
    }
  int saved = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
    {
      int fd = socket (ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        continue;
      int r = connect (fd, ai->ai_addr, ai->ai_addrlen);
      if (r < 0 && errno == EINPROGRESS && wait_fd (fd, POLLOUT, deadline) == 0)
        {
          socklen_t len = sizeof saved;
          saved = 0;
          getsockopt (fd, SOL_SOCKET, SO_ERROR, &saved, &len);
          r = saved ? -1 : 0;
        }
      else if (r < 0)
        saved = errno;
      if (r == 0)
        {
          freeaddrinfo (res);
          return fd;
        }
      close (fd);
    }
  freeaddrinfo (res);
  *why = saved == ETIMEDOUT ? holo_xasprintf ("Connection timed out to %s port %s", host, port)
                            : holo_xasprintf ("Failed to connect to %s port %s: %s", host, port, strerror (saved));
  return -1;
}

static int
send_all (int fd, const char *buf, size_t len, int64_t deadline)
{
  while (len > 0)
    {
      ssize_t n = send (fd, buf, len, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          if (wait_fd (fd, POLLOUT, deadline) < 0)
            return -1;
          continue;
        }
      if (n < 0)
        return -1;
      buf += n;
      len -= (size_t) n;
    }
  return 0;
}

/* Everything the server sends until it closes (or the limit).  */
static int
recv_all (int fd, char **out, size_t *len, int64_t deadline)
{
  size_t cap = 16384;
  char *buf = holo_xmalloc (cap + 1);
  *len = 0;
  for (;;)
    {
      if (*len == cap && cap < HTTP_MAX_REPLY)
        buf = holo_xrealloc (buf, (cap *= 2) + 1);
      if (*len == cap)
        break; /* over the limit: what we have */
      ssize_t n = recv (fd, buf + *len, cap - *len, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          if (wait_fd (fd, POLLIN, deadline) < 0)
            {
              free (buf);
              return -1;
            }
          continue;
        }
      if (n < 0)
        {
          free (buf);
          return -1;
        }
      if (n == 0)
        break;
      *len += (size_t) n;
    }
  buf[*len] = '\0';
  *out = buf;
  return 0;
}

/* The value of header NAME in the header block HEAD (NUL-terminated).  */
static const char *
header (const char *head, const char *name, size_t *vlen)
{
  size_t n = strlen (name);
  for (const char *l = strstr (head, "\r\n"); l && l[2]; l = strstr (l + 2, "\r\n"))
    if (strncasecmp (l + 2, name, n) == 0 && l[2 + n] == ':')
      {
        const char *v = l + 3 + n;
        while (*v == ' ' || *v == '\t')
          v++;
        *vlen = strcspn (v, "\r\n");
        return v;
      }
  return NULL;
}

/* Decodes a chunked body in place; false when it is malformed.  */
static bool
dechunk (char *body, size_t len, size_t *out_len)
{
  size_t in = 0, out = 0;
  for (;;)
    {
      char *end;
      unsigned long n = strtoul (body + in, &end, 16);
      char *crlf = strstr (body + in, "\r\n");
      if (end == body + in || crlf == NULL)
        return false;
      in = (size_t) (crlf + 2 - body);
      if (n == 0)
        break;
      if (in + n > len)
        return false;
      memmove (body + out, body + in, n);
      out += n;
      in += n + 2;
      if (in > len)
        return false;
    }
  body[out] = '\0';
  *out_len = out;
  return true;
}

void
holo_http_parse_reply (char *raw, size_t len, struct holo_http_reply *reply)
{
  char *sep = strstr (raw, "\r\n\r\n");
  int status = 0;
  if (sep == NULL || sscanf (raw, "HTTP/%*d.%*d %d", &status) != 1 || status < 100 || status > 999)
    {
      reply->error = holo_xstrdup ("Weird server reply");
      return;
    }
  *sep = '\0';
  char *body = sep + 4;
  size_t blen = len - (size_t) (body - raw), vlen;
  const char *te = header (raw, "Transfer-Encoding", &vlen);
  const char *cl = header (raw, "Content-Length", &vlen);
  if (te && strncasecmp (te, "chunked", 7) == 0)
    {
      if (!dechunk (body, blen, &blen))
        {
          reply->error = holo_xstrdup ("Malformed chunked body");
          return;
        }
    }
  else if (cl && strtoull (cl, NULL, 10) < blen)
    blen = (size_t) strtoull (cl, NULL, 10);
  reply->status = status;
  reply->body = holo_xstrndup (body, blen);
  reply->len = blen;
}

/* "http://host[:port]/path": false for anything else.  */
static bool
split_url (const char *url, char **host, char **port, const char **path)
{
  if (strncasecmp (url, "http://", 7) != 0)
    return false;
  const char *h = url + 7;
  size_t n = strcspn (h, ":/?#");
  if (n == 0 || h[0] == '[' || memchr (h, '@', strcspn (h, "/?#")))
    return false;
  const char *p = h + n, *digits = "80";
  size_t dlen = 2;
  if (*p == ':')
    {
      dlen = strspn (p + 1, "0123456789");
      if (dlen == 0 || dlen > 5)
        return false;
      digits = p + 1;
      p += 1 + dlen;
    }
  if (*p != '\0' && *p != '/')
    return false;
  *host = holo_xstrndup (h, n);
  *port = holo_xstrndup (digits, dlen);
  *path = *p ? p : "/";
  return true;
}

bool
holo_http_plain (const char *method, const char *url, const char *json_body, long timeout_ms,
                 struct holo_http_reply *reply)
{
  cleanup_free char *host = NULL;
  cleanup_free char *port = NULL;
  const char *path;
  if (!split_url (url, &host, &port, &path))
    return false;
  int64_t deadline = now_ms () + (timeout_ms > 0 ? timeout_ms : 2000);
  cleanup_close int fd = connect_to (host, port, deadline, &reply->error);
  if (fd < 0)
    return true;
  cleanup_free char *body_headers
      = json_body ? holo_xasprintf ("Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen (json_body))
                  : holo_xstrdup ("");
  cleanup_free char *req = holo_xasprintf ("%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: holo/" PACKAGE_VERSION
                                           "\r\nAccept: application/json\r\nConnection: close\r\n%s\r\n%s",
                                           method, path, host, port, body_headers, json_body ? json_body : "");
  cleanup_free char *raw = NULL;
  size_t len = 0;
  if (send_all (fd, req, strlen (req), deadline) < 0 || recv_all (fd, &raw, &len, deadline) < 0)
    {
      reply->error = errno == ETIMEDOUT ? holo_xasprintf ("Operation timed out after %ld milliseconds", timeout_ms)
                                        : holo_xasprintf ("%s %s: %s", method, url, strerror (errno));
      return true;
    }
  holo_http_parse_reply (raw, len, reply);
  return true;
}
