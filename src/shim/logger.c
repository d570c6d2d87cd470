/* holo shim — binary:// log URIs: containerd's logging-binary contract.
   For stdout "binary:///path/to/logger?key=value&...", the shim starts
   /path/to/logger with "key value ..." as arguments, CONTAINER_ID and
   CONTAINER_NAMESPACE in its environment, the read ends of the process's
   stdout and stderr pipes as fds 3 and 4, and fd 5 to close (or write to)
   when it is ready; the process gets the write ends.  Its readiness is an
   event on the loop (the runtime command that needs the pipes waits for
   it, nothing else does), bounded by the "logger" deadline (10 s, as
   containerd's shim waits; HOLO_SHIM_TIMEOUTS).  */
#define _GNU_SOURCE
#include "shim.h"
#include "argv.h"
#include "toml.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* Percent-decoding; '+' stays as is (a path, not a form).  */
static char *
url_decode (const char *s, size_t n)
{
  char *out = holo_xmalloc (n + 1), *o = out;

  for (size_t i = 0; i < n; i++)
    {
      if (s[i] == '%' && i + 2 < n && shim_hex_digit (s[i + 1]) >= 0 && shim_hex_digit (s[i + 2]) >= 0)
        {
          *o++ = (char) (shim_hex_digit (s[i + 1]) * 16 + shim_hex_digit (s[i + 2]));
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

struct shim_logger
{
  struct shim *shim;
  char *path;
  pid_t pid;
  struct shim_watch ready; /* the read end of fd 5's pipe */
  struct shim_timer limit;
  unsigned limit_ms;
  bool settled; /* ready, or given up on (FAILURE) */
  holo_error_t failure;
  shim_logger_ready done;
  void *data;
};

static void
stop_waiting (struct shim_logger *l)
{
  shim_watch_clear (&l->shim->loop, &l->ready);
  if (l->ready.fd >= 0)
    close (l->ready.fd);
  l->ready.fd = -1;
  shim_timer_disarm (&l->shim->loop, &l->limit);
}

/* Ready or failed: tell whoever waits, else keep it for them.  */
static void
settle (struct shim_logger *l)
{
  shim_logger_ready done = l->done;
  holo_error_t failure;

  stop_waiting (l);
  l->settled = true;
  if (done == NULL)
    return;
  l->done = NULL;
  failure = steal_pointer (&l->failure);
  done (l->data, &failure); /* may free L */
  holo_error_release (&failure);
}

static void
ready_event (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  /* Closed (EOF, also when it died) or written to: ready, as containerd
     takes it.  */
  settle (w->data);
}

static void
ready_timeout (struct shim_loop *loop, struct shim_timer *t)
{
  struct shim_logger *l = t->data;

  kill (l->pid, SIGKILL);
  holo_make_error (&l->failure, ETIMEDOUT, "logging binary %s did not get ready within %u ms", l->path, l->limit_ms);
  settle (l);
}

void
shim_logger_when_ready (struct shim_logger *l, shim_logger_ready done, void *data)
{
  l->done = done;
  l->data = data;
  if (l->settled)
    settle (l);
}

void
shim_logger_free (struct shim_logger *l)
{
  if (l == NULL)
    return;
  stop_waiting (l);
  holo_error_release (&l->failure);
  free (l->path);
  free (l);
}

struct shim_logger *
shim_logger_start (struct shim *shim, const char *uri, int out[2], holo_error_t *err)
{
  cleanup_strv char **argv = logger_argv (uri);
  int o[2] = { -1, -1 }, e[2] = { -1, -1 }, ready[2] = { -1, -1 };
  struct shim_logger *l;
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
      holo_make_error (err, errsv, "logging binary %s: %s", argv[0], what);
      return NULL;
    }
  if (pid == 0)
    logger_child (argv, o[0], e[0], ready[1], shim->id, shim->namespace);
  close (o[0]);
  close (e[0]);
  close (ready[1]);
  l = holo_xmalloc (sizeof (*l));
  memset (l, 0, sizeof (*l));
  l->shim = shim;
  l->path = holo_xstrdup (argv[0]);
  l->pid = pid;
  l->ready.fd = ready[0];
  l->ready.cb = ready_event;
  l->ready.data = l;
  l->limit.cb = ready_timeout;
  l->limit.data = l;
  l->limit_ms = shim_runtime_deadline (&shim->runtime, "logger");
  if (shim_watch_set (&shim->loop, &l->ready, EPOLLIN, err) < 0)
    {
      kill (pid, SIGKILL);
      close (o[1]);
      close (e[1]);
      shim_logger_free (l);
      return NULL;
    }
  if (l->limit_ms)
    shim_timer_arm (&shim->loop, &l->limit, l->limit_ms);
  out[0] = o[1];
  out[1] = e[1];
  return l;
}
