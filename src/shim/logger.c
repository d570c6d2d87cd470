/* holo shim — binary:// log URIs: containerd's logging-binary contract.
   For stdout "binary:///path/to/logger?key=value&...", the shim starts
   /path/to/logger with "key value ..." as arguments, CONTAINER_ID and
   CONTAINER_NAMESPACE in its environment, the read ends of the process's
   stdout and stderr pipes as fds 3 and 4, and fd 5 to close (or write to)
   when it is ready; the process gets the write ends.  */
#define _GNU_SOURCE
#include "shim.h"
#include "argv.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#define LOGGER_READY_TIMEOUT_MS 10000

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decoding; '+' stays as is (a path, not a form).  */
static char *
url_decode (const char *s, size_t n)
{
  char *out = holo_xmalloc (n + 1), *o = out;

  for (size_t i = 0; i < n; i++)
    {
      if (s[i] == '%' && i + 2 < n && hex_value (s[i + 1]) >= 0 && hex_value (s[i + 2]) >= 0)
        {
          *o++ = (char) (hex_value (s[i + 1]) * 16 + hex_value (s[i + 2]));
          i += 2;
        }
      else
        *o++ = s[i];
    }
  *o = '\0';
  return out;
}

/* argv for the logger: the path, then each query pair as two words.  */
static char **
logger_argv (const char *uri)
{
  const char *path = uri + strlen ("binary://");
  const char *q = strchr (path, '?');
  cleanup_free char *prog = url_decode (path, q ? (size_t) (q - path) : strlen (path));
  struct shim_argv a = { 0 };

  shim_argv_add (&a, prog);
  for (const char *p = q ? q + 1 : NULL; p && *p;)
    {
      const char *end = strchr (p, '&'), *eq;
      size_t len = end ? (size_t) (end - p) : strlen (p);
      cleanup_free char *key = NULL;

      eq = memchr (p, '=', len);
      key = url_decode (p, eq ? (size_t) (eq - p) : len);
      shim_argv_add (&a, key);
      if (eq && (size_t) (eq - p) + 1 < len)
        {
          cleanup_free char *value = url_decode (eq + 1, len - (eq - p) - 1);
          shim_argv_add (&a, value);
        }
      p = end ? end + 1 : NULL;
    }
  return shim_argv_steal (&a);
}

static void __attribute__ ((noreturn))
logger_child (char **argv, int out_r, int err_r, int ready_w, const char *id, const char *ns)
{
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  setsid ();
  /* Above 5 first, so that the dup2s below cannot clobber a source.  */
  out_r = fcntl (out_r, F_DUPFD, 10);
  err_r = fcntl (err_r, F_DUPFD, 10);
  ready_w = fcntl (ready_w, F_DUPFD, 10);
  if (dup2 (out_r, 3) < 0 || dup2 (err_r, 4) < 0 || dup2 (ready_w, 5) < 0)
    _exit (127);
  holo_close_fds_from (6);
  setenv ("CONTAINER_ID", id, 1);
  setenv ("CONTAINER_NAMESPACE", ns, 1);
  execv (argv[0], argv);
  _exit (127);
}

/* Waits until the logger closed (or wrote to) its end of READY.  */
static int
wait_ready (int ready, holo_error_t *err)
{
  struct pollfd p = { .fd = ready, .events = POLLIN };
  int r;

  do
    r = poll (&p, 1, LOGGER_READY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return holo_make_error (err, ETIMEDOUT, "logging binary did not get ready");
  return 0;
}

int
shim_logger_start (struct shim *shim, const char *uri, int out[2], holo_error_t *err)
{
  cleanup_strv char **argv = logger_argv (uri);
  int o[2] = { -1, -1 }, e[2] = { -1, -1 }, ready[2] = { -1, -1 };
  pid_t pid = -1;

  if (pipe2 (o, O_CLOEXEC) == 0 && pipe2 (e, O_CLOEXEC) == 0 && pipe2 (ready, O_CLOEXEC) == 0)
    pid = fork ();
  if (pid < 0)
    {
      int errsv = errno;
      const char *what = ready[1] < 0 ? "pipe" : "fork";
      shim_close_pair (o);
      shim_close_pair (e);
      shim_close_pair (ready);
      return holo_make_error (err, errsv, "logging binary %s: %s", argv[0], what);
    }
  if (pid == 0)
    logger_child (argv, o[0], e[0], ready[1], shim->id, shim->namespace);
  close (o[0]);
  close (e[0]);
  close (ready[1]);
  if (wait_ready (ready[0], err) < 0)
    {
      close (ready[0]);
      close (o[1]);
      close (e[1]);
      kill (pid, SIGKILL);
      return -1;
    }
  close (ready[0]);
  out[0] = o[1];
  out[1] = e[1];
  return 0;
}
