/* OCI hooks: each hook is a program run with the container state JSON on its
   stdin, its own args and env, and an optional timeout.  The hook's stdout
   is inherited; its stderr is forwarded to ours and its tail kept so a
   failure can say why.  */
#define _GNU_SOURCE
#include "hooks.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* How much of the hook's stderr ends up in the error message.  */
#define HOOK_STDERR_TAIL 1024
/* Poll period when pidfd_open is unavailable (kernels before 5.3).  */
#define HOOK_WAIT_POLL_MS 20

struct stderr_tail
{
  char buf[HOOK_STDERR_TAIL];
  size_t len;
};

/* Keeps the last HOOK_STDERR_TAIL bytes seen.  */
static void
stderr_tail_append (struct stderr_tail *t, const char *data, size_t n)
{
  if (n >= sizeof t->buf)
    {
      memcpy (t->buf, data + n - sizeof t->buf, sizeof t->buf);
      t->len = sizeof t->buf;
      return;
    }
  if (t->len + n > sizeof t->buf)
    {
      size_t drop = t->len + n - sizeof t->buf;
      memmove (t->buf, t->buf + drop, t->len - drop);
      t->len -= drop;
    }
  memcpy (t->buf + t->len, data, n);
  t->len += n;
}

/* The tail as a string without trailing newlines.  */
static char *
stderr_tail_string (const struct stderr_tail *t)
{
  size_t n = t->len;
  while (n > 0 && (t->buf[n - 1] == '\n' || t->buf[n - 1] == '\r' || t->buf[n - 1] == ' '))
    n--;
  return holo_xasprintf ("%.*s", (int) n, t->buf);
}

/* A pipe whose both ends are >= 3 and close-on-exec: when the runtime was
   started with 0/1/2 closed, pipe2 could return those numbers and the
   dup2 calls in the child would clobber each other.  */
static int
pipe_above_stdio (int fds[2], holo_error_t *err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "pipe");
  for (int i = 0; i < 2; i++)
    {
      if (p[i] >= 3)
        {
          fds[i] = p[i];
          continue;
        }
      fds[i] = fcntl (p[i], F_DUPFD_CLOEXEC, 3);
      int saved = errno;
      close (p[i]);
      if (fds[i] < 0)
        {
          if (i == 1)
            close (fds[0]);
          else
            close (p[1]);
          return holo_make_error (err, saved, "dup pipe");
        }
    }
  return 0;
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs in the forked child: only async-signal-safe calls from here on.  */
static void __attribute__ ((noreturn))
exec_hook_child (const struct holo_hook *hook, char **argv, char **envp, int stdin_r, int stderr_w)
{
  sigset_t none;

  /* The parent blocks SIGPIPE around its writes; the hook must not inherit
     that, nor any handler-less disposition it may not expect.  */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);

  if (dup2 (stdin_r, STDIN_FILENO) < 0 || dup2 (stderr_w, STDERR_FILENO) < 0)
    _exit (127);
  holo_close_fds_from (3);

  execve (hook->path, argv, envp);

  static const char msg[] = "exec hook: ";
  char text[128];
  (void) !write (STDERR_FILENO, msg, sizeof msg - 1);
  (void) !write (STDERR_FILENO, hook->path, strlen (hook->path));
  (void) !write (STDERR_FILENO, ": ", 2);
  holo_strerror (errno, text, sizeof text);
  (void) !write (STDERR_FILENO, text, strlen (text));
  (void) !write (STDERR_FILENO, "\n", 1);
  _exit (127);
}

struct hook_run
{
  pid_t pid;
  int pidfd;    /* -1 when pidfd_open is unavailable */
  int stdin_w;  /* -1 once the state is written or the hook closed stdin */
  int stderr_r; /* -1 at EOF */
  const char *state;
  size_t state_len;
  size_t state_off;
  struct stderr_tail tail;
  bool stderr_mid_line; /* what we forwarded does not end with a newline */
  bool exited;
  int status;
  int wait_errno; /* set when the status could not be collected */
};

static void
feed_state (struct hook_run *r)
{
  ssize_t n = write (r->stdin_w, r->state + r->state_off, r->state_len - r->state_off);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  /* EPIPE: the hook does not read its stdin, which is allowed.  */
  if (n > 0)
    r->state_off += (size_t) n;
  if (n < 0 || r->state_off == r->state_len)
    {
      close (r->stdin_w);
      r->stdin_w = -1;
    }
}

static void
drain_stderr (struct hook_run *r)
{
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (r->stderr_r, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          close (r->stderr_r);
          r->stderr_r = -1;
          return;
        }
      (void) holo_write_all (STDERR_FILENO, buf, (size_t) n);
      r->stderr_mid_line = buf[n - 1] != '\n';
      stderr_tail_append (&r->tail, buf, (size_t) n);
    }
}

static void
try_reap (struct hook_run *r)
{
  pid_t w;
  do
    w = waitpid (r->pid, &r->status, WNOHANG);
  while (w < 0 && errno == EINTR);
  if (w == r->pid)
    r->exited = true;
  else if (w < 0)
    {
      /* ECHILD: someone else reaped it (SIGCHLD ignored, or a handler
         waiting for any child); the status is lost, the hook is gone.  */
      r->wait_errno = errno;
      r->exited = true;
    }
}

/* Feeds stdin, collects stderr and waits for the exit until DEADLINE_MS
   (or forever when it is 0).  Returns false on timeout.  */
static bool
supervise_hook (struct hook_run *r, int64_t deadline_ms)
{
  while (!r->exited)
    {
      struct pollfd pfd[3];
      nfds_t n = 0;
      int wait_ms = r->pidfd >= 0 ? -1 : HOOK_WAIT_POLL_MS;

      if (r->pidfd >= 0)
        pfd[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
      if (r->stdin_w >= 0)
        pfd[n++] = (struct pollfd){ .fd = r->stdin_w, .events = POLLOUT };
      if (r->stderr_r >= 0)
        pfd[n++] = (struct pollfd){ .fd = r->stderr_r, .events = POLLIN };

      if (deadline_ms > 0)
        {
          int64_t left = deadline_ms - now_ms ();
          if (left <= 0)
            return false;
          if (wait_ms < 0 || left < wait_ms)
            wait_ms = (int) left;
        }

      if (poll (pfd, n, wait_ms) < 0)
        {
          /* EINTR, or a transient ENOMEM: look at the hook again, but
             without spinning.  */
          if (errno != EINTR)
            nanosleep (&(struct timespec){ 0, HOOK_WAIT_POLL_MS * 1000000L }, NULL);
          for (nfds_t i = 0; i < n; i++)
            pfd[i].revents = 0;
        }

      for (nfds_t i = 0; i < n; i++)
        {
          if (pfd[i].revents == 0)
            continue;
          if (pfd[i].fd == r->stdin_w)
            feed_state (r);
          else if (pfd[i].fd == r->stderr_r)
            drain_stderr (r);
        }
      try_reap (r);
    }
  /* Whatever the hook wrote before exiting; a background child still
     holding the pipe must not keep us waiting, hence non-blocking.  */
  if (r->stderr_r >= 0)
    {
      fcntl (r->stderr_r, F_SETFL, O_NONBLOCK);
      drain_stderr (r);
    }
  /* What we print next (the error naming the hook) starts a line.  */
  if (r->stderr_mid_line)
    (void) holo_write_all (STDERR_FILENO, "\n", 1);
  return true;
}

static int
hook_failure_error (const struct hook_run *r, const struct holo_hook *hook, const char *kind, size_t index,
                    holo_error_t *err)
{
  cleanup_free char *tail = stderr_tail_string (&r->tail);
  cleanup_free char *what = NULL;

  if (WIFEXITED (r->status))
    what = holo_xasprintf ("exited with status %d", WEXITSTATUS (r->status));
  else if (WIFSIGNALED (r->status))
    what = holo_xasprintf ("killed by signal %d", WTERMSIG (r->status));
  else
    what = holo_xasprintf ("ended with wait status 0x%x", (unsigned) r->status);

  return holo_make_error (err, 0, "%s hook #%zu (%s) %s%s%s", kind, index, hook->path, what, *tail ? ": " : "", tail);
}

/* Writes to the stdin pipe of a hook that exited would raise SIGPIPE and
   kill the runtime: block it around the run and swallow a pending one.  */
struct sigpipe_guard
{
  sigset_t old_mask;
  bool was_pending;
};

static void
sigpipe_block (struct sigpipe_guard *g)
{
  sigset_t set, pending;
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, &g->old_mask);
  sigpending (&pending);
  g->was_pending = sigismember (&pending, SIGPIPE);
}

static void
sigpipe_restore (struct sigpipe_guard *g)
{
  sigset_t set, pending;
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  sigpending (&pending);
  if (!g->was_pending && sigismember (&pending, SIGPIPE))
    {
      struct timespec zero = { 0, 0 };
      sigtimedwait (&set, NULL, &zero);
    }
  pthread_sigmask (SIG_SETMASK, &g->old_mask, NULL);
}

static void
hook_run_cleanup (struct hook_run *r)
{
  if (r->pid > 0 && !r->exited)
    {
      kill (r->pid, SIGKILL);
      while (waitpid (r->pid, &r->status, 0) < 0 && errno == EINTR)
        ;
      r->exited = true;
    }
  if (r->pidfd >= 0)
    close (r->pidfd);
  if (r->stdin_w >= 0)
    close (r->stdin_w);
  if (r->stderr_r >= 0)
    close (r->stderr_r);
  r->pidfd = r->stdin_w = r->stderr_r = -1;
}

static int
run_hook (const struct holo_hook *hook, const char *kind, size_t index, const char *state_json, char **default_env,
          holo_error_t *err)
{
  __attribute__ ((cleanup (hook_run_cleanup))) struct hook_run r = {
    .pid = -1,
    .pidfd = -1,
    .stdin_w = -1,
    .stderr_r = -1,
    .state = state_json ? state_json : "",
    .state_len = state_json ? strlen (state_json) : 0,
  };
  char *default_argv[] = { hook->path, NULL };
  char *empty_env[] = { NULL };
  char **argv = hook->args && hook->args[0] ? hook->args : default_argv;
  /* Without "env" a hook gets DEFAULT_ENV, as with runc; "env": [] is an
     empty environment.  */
  char **envp = hook->env ? hook->env : default_env ? default_env : empty_env;
  int in[2], errp[2];

  if (pipe_above_stdio (in, err) < 0)
    return holo_error_prefix (err, "%s hook #%zu (%s)", kind, index, hook->path);
  if (pipe_above_stdio (errp, err) < 0)
    {
      close (in[0]);
      close (in[1]);
      return holo_error_prefix (err, "%s hook #%zu (%s)", kind, index, hook->path);
    }
  cleanup_close int stdin_r = in[0];
  cleanup_close int stderr_w = errp[1];
  r.stdin_w = in[1];
  r.stderr_r = errp[0];

  r.pid = fork ();
  if (r.pid < 0)
    return holo_make_error (err, errno, "%s hook #%zu (%s): fork", kind, index, hook->path);
  if (r.pid == 0)
    exec_hook_child (hook, argv, envp, stdin_r, stderr_w);

  /* Only the child may hold these, or EOF would never be seen.  */
  close (steal_fd (&stdin_r));
  close (steal_fd (&stderr_w));
  fcntl (r.stdin_w, F_SETFL, O_NONBLOCK);
  fcntl (r.stderr_r, F_SETFL, O_NONBLOCK);
  r.pidfd = (int) syscall (SYS_pidfd_open, r.pid, 0);
  if (r.state_len == 0)
    {
      close (r.stdin_w);
      r.stdin_w = -1;
    }

  int64_t deadline = hook->timeout > 0 ? now_ms () + (int64_t) hook->timeout * 1000 : 0;
  if (!supervise_hook (&r, deadline))
    return holo_make_error (err, 0, "%s hook #%zu (%s) timed out after %d seconds", kind, index, hook->path,
                            hook->timeout);
  if (r.wait_errno)
    return holo_make_error (err, r.wait_errno, "%s hook #%zu (%s): waitpid", kind, index, hook->path);

  if (WIFEXITED (r.status) && WEXITSTATUS (r.status) == 0)
    return 0;
  return hook_failure_error (&r, hook, kind, index, err);
}

int
holo_hooks_run_env (const struct holo_hook_list *list, const char *kind, const char *state_json, char **default_env,
                    holo_error_t *err)
{
  struct sigpipe_guard guard;
  int ret = 0;

  if (list == NULL || list->n == 0)
    return 0;

  sigpipe_block (&guard);
  /* Numbered from 0, as runc does ("prestart hook #0").  */
  for (size_t i = 0; i < list->n && ret == 0; i++)
    ret = run_hook (&list->hooks[i], kind, i, state_json, default_env, err);
  sigpipe_restore (&guard);
  return ret;
}

int
holo_hooks_run (const struct holo_hook_list *list, const char *kind, const char *state_json, holo_error_t *err)
{
  return holo_hooks_run_env (list, kind, state_json, environ, err);
}

void
holo_hooks_run_warn (const struct holo_hook_list *list, const char *kind, const char *state_json)
{
  cleanup_error holo_error_t err = NULL;
  if (holo_hooks_run (list, kind, state_json, &err) < 0)
    holo_log_warning ("%s", err->msg);
}
