/* holo shim — work that may block in the kernel (mount(2) of a snapshot
   whose lower layers sit on a slow or stuck filesystem) done off the
   loop: a forked child of the shim runs it, in the shim's own mount
   namespace, and exits; its error message comes back on a pipe, its exit
   from the reaper.  Like a runtime command it has a deadline, past which
   it is killed and the caller hears DeadlineExceeded at once.  The shim
   has one thread, so the child may do anything the parent could.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define WORKER_MSG_MAX 4096

struct shim_worker
{
  struct shim *shim;
  char *what;
  pid_t pid;
  struct shim_pid_watch exit_watch;
  struct shim_watch report; /* the child's error message, fd -1 once read */
  char msg[WORKER_MSG_MAX];
  size_t msg_len;
  struct shim_timer deadline;
  unsigned deadline_ms;
  int status;
  bool exited, reported, answered;
  shim_worker_done done;
  void *data;
  shim_worker_late late; /* a child killed at its deadline is reaped */
  void *late_data;
};

static void
close_report (struct shim_worker *w)
{
  shim_watch_clear (&w->shim->loop, &w->report);
  if (w->report.fd >= 0)
    close (w->report.fd);
  w->report.fd = -1;
}

static void
free_worker (struct shim_worker *w)
{
  free (w->late_data);
  close_report (w);
  shim_timer_disarm (&w->shim->loop, &w->deadline);
  free (w->what);
  free (w);
}

static void
answer (struct shim_worker *w, int code, holo_error_t *err)
{
  shim_worker_done done = w->done;

  w->answered = true;
  w->done = NULL;
  if (done)
    done (w->data, code, err);
  holo_error_release (err);
}

static void
maybe_finish (struct shim_worker *w)
{
  holo_error_t err = NULL;

  if (!w->exited || !w->reported)
    return;
  shim_timer_disarm (&w->shim->loop, &w->deadline);
  if (!WIFEXITED (w->status) || WEXITSTATUS (w->status) != 0)
    {
      if (w->msg_len)
        holo_make_error (&err, 0, "%.*s", (int) w->msg_len, w->msg);
      else if (WIFSIGNALED (w->status))
        holo_make_error (&err, 0, "%s: killed by signal %d", w->what, WTERMSIG (w->status));
      else
        holo_make_error (&err, 0, "%s: exit status %d", w->what, WEXITSTATUS (w->status));
    }
  answer (w, err ? TTRPC_UNKNOWN : TTRPC_OK, &err);
  free_worker (w);
}

static void
worker_exited (struct shim_pid_watch *pw, int status)
{
  struct shim_worker *w = pw->data;

  w->exited = true;
  w->status = status;
  if (w->answered)
    {
      /* Answered at its deadline; it may have got further before it died
         (a mount(2) the kernel finished first).  */
      if (w->late)
        w->late (w->shim, w->late_data);
      free_worker (w);
      return;
    }
  maybe_finish (w);
}

static void
report_ready (struct shim_loop *loop, struct shim_watch *rw, uint32_t events)
{
  struct shim_worker *w = rw->data;
  ssize_t n = read (rw->fd, w->msg + w->msg_len, sizeof (w->msg) - w->msg_len);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n > 0 && w->msg_len + (size_t) n < sizeof (w->msg))
    {
      w->msg_len += (size_t) n;
      return;
    }
  if (n > 0)
    w->msg_len += (size_t) n;
  close_report (w);
  w->reported = true;
  maybe_finish (w);
}

static void
deadline_passed (struct shim_loop *loop, struct shim_timer *t)
{
  struct shim_worker *w = t->data;
  holo_error_t err = NULL;

  kill (w->pid, SIGKILL);
  holo_log_warning ("%s: not done within %u ms: killed", w->what, w->deadline_ms);
  close_report (w);
  w->reported = true;
  holo_make_error (&err, 0, "%s: not done within %u ms, killed: context deadline exceeded", w->what, w->deadline_ms);
  answer (w, TTRPC_DEADLINE_EXCEEDED, &err);
  if (w->exited)
    free_worker (w);
}

static void __attribute__ ((noreturn)) worker_child (shim_worker_fn fn, void *arg, int report_fd)
{
  holo_error_t err = NULL;
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* Only the report pipe (as fd 3) and stdio: a child stuck in the kernel
     must not keep the shim's sockets (its listener, containerd's
     connections) open behind the shim's back.  */
  if (report_fd != 3 && (dup2 (report_fd, 3) < 0 || close (report_fd) < 0))
    _exit (2);
  report_fd = 3;
  holo_close_fds_from (4);
  if (fn (arg, &err) == 0)
    _exit (0);
  if (err && holo_write_all (report_fd, err->msg, strlen (err->msg)) < 0)
    _exit (2);
  _exit (1);
}

int
shim_worker_run (struct shim *shim, const char *what, unsigned deadline_ms, shim_worker_fn fn, void *arg,
                 shim_worker_done done, void *data, shim_worker_late late, void *late_data, holo_error_t *err)
{
  struct shim_worker *w;
  int report[2];
  pid_t pid;

  if (pipe2 (report, O_CLOEXEC) < 0)
    {
      free (late_data);
      return holo_make_error (err, errno, "%s: pipe", what);
    }
  pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      shim_close_pair (report);
      free (late_data);
      return holo_make_error (err, e, "%s: fork", what);
    }
  if (pid == 0)
    {
      close (report[0]);
      worker_child (fn, arg, report[1]);
    }
  close (report[1]);
  w = holo_xmalloc (sizeof (*w));
  memset (w, 0, sizeof (*w));
  w->shim = shim;
  w->what = holo_xstrdup (what);
  w->pid = pid;
  w->done = done;
  w->data = data;
  w->late = late;
  w->late_data = late_data;
  w->report.fd = report[0];
  w->report.cb = report_ready;
  w->report.data = w;
  w->exit_watch.pid = pid;
  w->exit_watch.fn = worker_exited;
  w->exit_watch.data = w;
  shim_reaper_watch (&shim->reaper, &w->exit_watch);
  w->deadline.cb = deadline_passed;
  w->deadline.data = w;
  w->deadline_ms = deadline_ms;
  if (deadline_ms)
    shim_timer_arm (&shim->loop, &w->deadline, deadline_ms);
  if (shim_watch_set (&shim->loop, &w->report, EPOLLIN, err) < 0)
    {
      /* Not watchable: killed, and its exit still reaped (then freed).  */
      kill (pid, SIGKILL);
      close_report (w);
      w->reported = true;
      w->answered = true;
      w->done = NULL;
      shim_timer_disarm (&shim->loop, &w->deadline);
      return -1;
    }
  holo_log_debug ("%s (pid %d, deadline %u ms)", what, pid, deadline_ms);
  return 0;
}
