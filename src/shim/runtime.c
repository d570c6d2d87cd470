/* holo shim — runtime commands on the event loop (see runtime.h).

   A command's life: fork; the child puts itself in a process group of
   its own, sets up its stdio and execs, reporting an exec failure on a
   close-on-exec pipe (EOF there means the exec happened).  The parent
   watches that pipe, feeds the command's stdin from a buffer as the pipe
   takes it, arms the deadline, and takes the exit from the reaper (which
   it holds meanwhile, so that a container process exiting before the
   caller read its pid file is kept).  The answer goes out once the exit
   and the exec report are both in, or at the deadline: then the process
   group is killed and the call lingers, unanswered, until its exit is
   reaped.  */
#define _GNU_SOURCE
#include "runtime.h"
#include "shim.h"
#include "argv.h"
#include "json.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct shim_runtime_call
{
  struct shim_runtime *rt;
  struct shim_runtime_call *next;
  char *what; /* "BINARY COMMAND", for messages */
  char *log;
  off_t log_from;
  pid_t pid;
  struct shim_pid_watch exit_watch;
  struct shim_watch report; /* the exec-failure pipe, fd -1 once read */
  struct shim_watch input;  /* the command's stdin while input is left */
  char *input_buf;
  size_t input_len, input_off;
  struct shim_timer deadline;
  unsigned deadline_ms; /* what was armed, for the message */
  int exec_errno;
  int status;
  bool exited, reported, holding, answered;
  shim_runtime_done done;
  void *data;
};

void
shim_runtime_init (struct shim_runtime *rt, struct shim_loop *loop, struct shim_reaper *reaper,
                   const struct shim_options *opts, const char *namespace)
{
  memset (rt, 0, sizeof (*rt));
  rt->loop = loop;
  rt->reaper = reaper;
  rt->opts = opts;
  rt->namespace = namespace;
}

static off_t
file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? st.st_size : 0;
}

/* The msg of the last error line of LOG written after offset FROM.  */
static char *
last_log_error (const char *log, off_t from)
{
  cleanup_free char *text = NULL;
  size_t len = 0;

  if (holo_read_file (log, &text, &len, NULL) < 0 || (size_t) from > len)
    return NULL;
  return shim_json_last_error (text + from);
}

static char **
build_argv (struct shim_runtime *rt, const char *bundle, char **args)
{
  struct shim_argv a = { 0 };
  cleanup_free char *root = shim_options_state_root (rt->opts, rt->namespace);

  shim_argv_add (&a, shim_options_binary (rt->opts));
  shim_argv_add (&a, "--root");
  shim_argv_add (&a, root);
  shim_argv_add (&a, "--log");
  shim_argv_addf (&a, "%s/log.json", bundle);
  shim_argv_add (&a, "--log-format");
  shim_argv_add (&a, "json");
  if (rt->opts->systemd_cgroup)
    shim_argv_add (&a, "--systemd-cgroup");
  shim_argv_add_all (&a, args);
  return shim_argv_steal (&a);
}

static void __attribute__ ((noreturn)) report_and_exit (int report_fd, int e)
{
  if (write (report_fd, &e, sizeof (e)) < 0)
    _exit (127);
  _exit (127);
}

static void __attribute__ ((noreturn)) child (char **argv, int fds[3], int report_fd)
{
  sigset_t none;
  int devnull;

  /* Its own process group: a deadline kills everything it started.  */
  setpgid (0, 0);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    report_and_exit (report_fd, errno);
  /* fds may sit on 0..2 themselves: move them out of the way first.  */
  for (int i = 0; i < 3; i++)
    if ((fds[i] = fcntl (fds[i] >= 0 ? fds[i] : devnull, F_DUPFD_CLOEXEC, 3)) < 0)
      report_and_exit (report_fd, errno);
  for (int i = 0; i < 3; i++)
    if (dup2 (fds[i], i) < 0)
      report_and_exit (report_fd, errno);
  if (holo_cloexec_fds_from (3, NULL) < 0)
    report_and_exit (report_fd, errno);
  execvp (argv[0], argv);
  report_and_exit (report_fd, errno);
}

static void
close_watch (struct shim_loop *loop, struct shim_watch *w)
{
  shim_watch_clear (loop, w);
  if (w->fd >= 0)
    close (w->fd);
  w->fd = -1;
}

static void
unlink_call (struct shim_runtime_call *call)
{
  for (struct shim_runtime_call **pp = &call->rt->calls; *pp; pp = &(*pp)->next)
    if (*pp == call)
      {
        *pp = call->next;
        return;
      }
}

static void
free_call (struct shim_runtime_call *call)
{
  struct shim_loop *loop = call->rt->loop;

  unlink_call (call);
  close_watch (loop, &call->report);
  close_watch (loop, &call->input);
  shim_timer_disarm (loop, &call->deadline);
  free (call->input_buf);
  free (call->what);
  free (call->log);
  free (call);
}

/* Hands the result to the caller (once), then lets the reaper offer the
   exits it kept: the caller has read its pid file by then.  */
static void
answer (struct shim_runtime_call *call, int code, holo_error_t *err)
{
  shim_runtime_done done = call->done;

  call->answered = true;
  call->done = NULL;
  if (done)
    done (call->data, code, err);
  holo_error_release (err);
  if (call->holding)
    {
      call->holding = false;
      shim_reaper_release (call->rt->reaper);
    }
}

static int
command_error (struct shim_runtime_call *call, holo_error_t *err)
{
  cleanup_free char *msg = NULL;
  int st = call->status;

  if (call->exec_errno)
    return holo_make_error (err, call->exec_errno, "%s: cannot run the runtime", call->what);
  msg = last_log_error (call->log, call->log_from);
  if (msg)
    return holo_make_error (err, 0, "%s failed: %s", call->what, msg);
  if (WIFSIGNALED (st))
    return holo_make_error (err, 0, "%s failed: killed by signal %d", call->what, WTERMSIG (st));
  return holo_make_error (err, 0, "%s failed: exit status %d", call->what, WEXITSTATUS (st));
}

static void
maybe_finish (struct shim_runtime_call *call)
{
  holo_error_t err = NULL;

  if (!call->exited || !call->reported)
    return;
  close_watch (call->rt->loop, &call->input);
  shim_timer_disarm (call->rt->loop, &call->deadline);
  if (call->exec_errno || !WIFEXITED (call->status) || WEXITSTATUS (call->status) != 0)
    command_error (call, &err);
  answer (call, err ? TTRPC_UNKNOWN : TTRPC_OK, &err);
  free_call (call);
}

static void
exited (struct shim_pid_watch *w, int status)
{
  struct shim_runtime_call *call = w->data;

  call->exited = true;
  call->status = status;
  if (call->answered)
    {
      /* Answered at its deadline; only the reaping was left.  */
      free_call (call);
      return;
    }
  maybe_finish (call);
}

static void
report_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim_runtime_call *call = w->data;
  int e = 0;
  ssize_t n = read (w->fd, &e, sizeof (e));

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n == (ssize_t) sizeof (e))
    call->exec_errno = e;
  close_watch (loop, w);
  call->reported = true;
  maybe_finish (call);
}

static void
input_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim_runtime_call *call = w->data;

  while (call->input_off < call->input_len)
    {
      ssize_t n = write (w->fd, call->input_buf + call->input_off, call->input_len - call->input_off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n < 0)
        break; /* EPIPE: the command does not read it */
      call->input_off += n;
    }
  close_watch (loop, w);
}

static char *
format_duration (unsigned ms)
{
  if (ms % 1000 == 0)
    return holo_xasprintf ("%us", ms / 1000);
  if (ms > 1000)
    return holo_xasprintf ("%u.%03us", ms / 1000, ms % 1000);
  return holo_xasprintf ("%ums", ms);
}

static void
deadline_passed (struct shim_loop *loop, struct shim_timer *t)
{
  struct shim_runtime_call *call = t->data;
  cleanup_free char *within = format_duration (call->deadline_ms);
  holo_error_t err = NULL;

  /* The group first: what the command started goes with it.  */
  if (kill (-call->pid, SIGKILL) < 0)
    kill (call->pid, SIGKILL);
  holo_log_warning ("%s: no answer within %s: killed", call->what, within);
  close_watch (loop, &call->input);
  close_watch (loop, &call->report);
  call->reported = true;
  holo_make_error (&err, 0, "%s: no answer within %s, killed: context deadline exceeded", call->what, within);
  answer (call, TTRPC_DEADLINE_EXCEEDED, &err);
  if (call->exited)
    free_call (call);
}

/* The deadline that applies: the command's, or the caller's when earlier;
   0 for none.  */
static unsigned
effective_deadline (const struct shim_runtime *rt, const struct shim_runtime_cmd *cmd)
{
  unsigned ms = shim_runtime_deadline (rt, cmd->args[0]);
  uint64_t now = shim_now_ms ();

  if (cmd->deadline_ms)
    {
      uint64_t left = cmd->deadline_ms > now ? cmd->deadline_ms - now : 1;
      if (ms == 0 || left < ms)
        ms = left > UINT32_MAX ? UINT32_MAX : (unsigned) left;
    }
  return ms;
}

static struct shim_runtime_call *
new_call (struct shim_runtime *rt, const struct shim_runtime_cmd *cmd, const char *binary)
{
  struct shim_runtime_call *call = holo_xmalloc (sizeof (*call));

  call->rt = rt;
  call->what = holo_xasprintf ("%s %s", binary, cmd->args[0]);
  call->log = holo_xasprintf ("%s/log.json", cmd->bundle);
  call->log_from = file_size (call->log);
  call->report.fd = call->input.fd = -1;
  call->done = cmd->done;
  call->data = cmd->data;
  if (cmd->input)
    {
      call->input_len = strlen (cmd->input);
      call->input_buf = holo_xstrndup (cmd->input, call->input_len);
    }
  return call;
}

/* Registers the parent's ends on the loop and arms the deadline.  */
static int
watch_call (struct shim_runtime *rt, struct shim_runtime_call *call, const struct shim_runtime_cmd *cmd,
            holo_error_t *err)
{
  call->report.cb = report_ready;
  call->report.data = call;
  if (shim_watch_set (rt->loop, &call->report, EPOLLIN, err) < 0)
    return -1;
  if (call->input.fd >= 0)
    {
      call->input.cb = input_ready;
      call->input.data = call;
      if (fcntl (call->input.fd, F_SETFL, O_NONBLOCK) < 0)
        return holo_make_error (err, errno, "%s: input pipe", call->what);
      if (shim_watch_set (rt->loop, &call->input, EPOLLOUT, err) < 0)
        return -1;
    }
  call->deadline_ms = effective_deadline (rt, cmd);
  call->deadline.cb = deadline_passed;
  call->deadline.data = call;
  if (call->deadline_ms)
    shim_timer_arm (rt->loop, &call->deadline, call->deadline_ms);
  return 0;
}

int
shim_runtime_start (struct shim_runtime *rt, const struct shim_runtime_cmd *cmd, holo_error_t *err)
{
  cleanup_strv char **argv = build_argv (rt, cmd->bundle, cmd->args);
  int report[2] = { -1, -1 }, in[2] = { -1, -1 };
  int fds[3] = { cmd->stdio[0], cmd->stdio[1], cmd->stdio[2] };
  struct shim_runtime_call *call;
  pid_t pid;

  if (pipe2 (report, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "%s %s: pipe", argv[0], cmd->args[0]);
  if (cmd->input)
    {
      if (pipe2 (in, O_CLOEXEC) < 0)
        {
          int e = errno;
          shim_close_pair (report);
          return holo_make_error (err, e, "%s %s: pipe for its input", argv[0], cmd->args[0]);
        }
      fds[0] = in[0];
    }
  /* Before the fork: the command's own log lines come after this offset.  */
  call = new_call (rt, cmd, argv[0]);
  pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      shim_close_pair (report);
      shim_close_pair (in);
      free_call (call);
      return holo_make_error (err, e, "%s %s: fork", argv[0], cmd->args[0]);
    }
  if (pid == 0)
    child (argv, fds, report[1]);
  /* Both sides set the group, so that it exists whoever runs first.  */
  setpgid (pid, pid);
  close (report[1]);
  if (in[0] >= 0)
    close (in[0]);
  call->pid = pid;
  call->report.fd = report[0];
  call->input.fd = in[1];
  call->exit_watch.pid = pid;
  call->exit_watch.fn = exited;
  call->exit_watch.data = call;
  shim_reaper_watch (rt->reaper, &call->exit_watch);
  shim_reaper_hold (rt->reaper);
  call->holding = true;
  call->next = rt->calls;
  rt->calls = call;
  if (watch_call (rt, call, cmd, err) < 0)
    {
      /* Started but not watchable: stopped, unanswered, reaped later.  */
      holo_error_t none = NULL;
      kill (-pid, SIGKILL);
      close_watch (rt->loop, &call->report);
      close_watch (rt->loop, &call->input);
      shim_timer_disarm (rt->loop, &call->deadline);
      call->done = NULL;
      answer (call, TTRPC_OK, &none);
      return -1;
    }
  holo_log_debug ("runtime: %s (pid %d, deadline %u ms)", call->what, pid, call->deadline_ms);
  return 0;
}

void
shim_runtime_close (struct shim_runtime *rt)
{
  while (rt->calls)
    free_call (rt->calls);
  shim_runtime_free_deadlines (rt);
}
