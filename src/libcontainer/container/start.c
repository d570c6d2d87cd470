#define _GNU_SOURCE
#include "container.h"
#include "../hooks.h"
#include "../notify.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>

/* Releases the init blocked in its read of the exec fifo, and waits until
   it has run the startContainer hooks and exec'd the process (so poststart
   hooks really run after the process started).  Opening the write end
   without O_NONBLOCK would hang on a dead init; with it, ENXIO tells us
   nobody is reading any more.  The wait: the init holds the fifo open
   (close-on-exec) as its only writer once we close ours, so our read end
   reports POLLHUP exactly when the init execs or dies.  */
static int
release_init (int dir_fd, holo_error_t *err)
{
  cleanup_close int w = openat (dir_fd, HOLO_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (w < 0)
    {
      if (errno == ENXIO)
        return holo_make_error (err, 0, "cannot start a container that has stopped");
      return holo_make_error (err, errno, "open exec fifo");
    }
  cleanup_close int r = openat (dir_fd, HOLO_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (r < 0)
    return holo_make_error (err, errno, "open exec fifo");
  if (holo_write_all (w, "0", 1) < 0)
    return holo_make_error (err, errno, "write exec fifo");
  close (steal_fd (&w));
  holo_trace ("start: fifo written");
  if (unlinkat (dir_fd, HOLO_EXEC_FIFO, 0) < 0)
    return holo_make_error (err, errno, "remove exec fifo");
  struct pollfd pfd = { .fd = r, .events = 0 };
  while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
    ;
  /* The init leaves one byte right before its execve (see ack_start).  */
  holo_trace ("start: init exec'd");
  char ack;
  if (read (r, &ack, 1) != 1)
    return holo_make_error (err, 0, "the container process failed to start (see the container's stderr)");
  return 0;
}

static int
run_poststart (const struct holo_container *c)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_error holo_error_t err = NULL;
  /* No poststart hook in the config (create recorded it): nothing to read.  */
  if (!c->state->has_poststart)
    return 0;
  if (holo_container_read_config (c, &spec, &err) < 0)
    {
      holo_log_warning ("poststart hooks not run: %s", err->msg);
      return 0;
    }
  cleanup_free char *json = holo_state_to_json (c->state, HOLO_STATUS_RUNNING, false);
  holo_hooks_run_warn (&spec->hooks.poststart, "poststart", json);
  return 0;
}

static int
open_notify (int dir_fd, const char *host, struct holo_notify *n, holo_error_t *err)
{
  struct stat st;
  if (fstatat (dir_fd, HOLO_NOTIFY_DIR, &st, 0) < 0)
    return holo_make_error (err, 0,
                            "NOTIFY_SOCKET is set, but the container was created without it: it has no notify socket");
  return holo_notify_open (dir_fd, host, n, err);
}

/* In the foreground (`run` without -d) holo itself is the main process and
   has the container's terminal and signals to look after: the relay runs
   in a child of its own, which the foreground loop reaps.  */
static int
relay_notify (struct holo_context *ctx, struct holo_notify *n, pid_t init, holo_error_t *err)
{
  pid_t main_pid = ctx->notify_main_pid > 0 ? ctx->notify_main_pid : init;
  if (!ctx->notify_in_background)
    return holo_notify_relay (n, init, main_pid, err);
  pid_t child = fork ();
  if (child < 0)
    return holo_make_error (err, errno, "fork the NOTIFY_SOCKET relay");
  if (child > 0)
    return 0;
  holo_error_t cerr = NULL;
  int ret = holo_notify_relay (n, init, main_pid, &cerr);
  if (ret < 0)
    holo_log_release_error (&cerr);
  _exit (ret < 0 ? 1 : 0);
}

int
holo_container_start (struct holo_context *ctx, const char *id, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, LOCK_EX, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  holo_trace ("start: state read");
  switch (c.status)
    {
    case HOLO_STATUS_CREATED:
      break;
    case HOLO_STATUS_RUNNING:
      return holo_make_error (err, 0, "cannot start an already running container");
    case HOLO_STATUS_PAUSED:
      return holo_make_error (err, 0, "cannot start a paused container");
    case HOLO_STATUS_CREATING:
      return holo_make_error (err, 0, "cannot start a container that is still being created");
    case HOLO_STATUS_STOPPED:
    default:
      return holo_make_error (err, 0, "cannot start a container that has stopped");
    }
  /* The extension's check at start: a failure is a failing
     startContainer hook (the container stopped, nothing of the user's
     ran).  */
  if (holo_extension_start (ctx, s, err) < 0)
    {
      cleanup_error holo_error_t ignored = NULL;
      holo_container_kill_and_wait (s, &ignored);
      return -1;
    }
  struct holo_notify notify = { -1, -1 };
  if (ctx->notify_socket && open_notify (c.dir_fd, ctx->notify_socket, &notify, err) < 0)
    return -1;
  if (release_init (c.dir_fd, err) < 0 || run_poststart (&c) < 0)
    {
      holo_notify_close (&notify);
      return -1;
    }
  if (notify.listen_fd < 0)
    return 0;
  /* Other holo commands (state, kill) must work while the container gets
     ready: the relay runs without the container's lock.  */
  close (steal_fd (&c.dir_fd));
  int ret = relay_notify (ctx, &notify, s->pid, err);
  holo_notify_close (&notify);
  return ret;
}
