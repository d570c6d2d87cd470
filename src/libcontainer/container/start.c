#define _GNU_SOURCE
#include "container.h"
#include "../hooks.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>

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
run_poststart (int dir_fd, const struct holo_state *s)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_free char *raw = NULL;
  cleanup_error holo_error_t err = NULL;
  size_t len;
  /* No poststart hook in the config (create recorded it): nothing to read.  */
  if (!s->has_poststart)
    return 0;
  if (holo_read_file_at (dir_fd, HOLO_CONFIG_COPY, &raw, &len, &err) < 0 || holo_spec_parse (raw, len, &spec, &err) < 0)
    {
      holo_log_warning ("poststart hooks not run: %s", err->msg);
      return 0;
    }
  cleanup_free char *json = holo_state_to_json (s, HOLO_STATUS_RUNNING, false);
  /* The spec: a failing poststart hook is a warning, the lifecycle goes on. */
  if (holo_hooks_run (&spec->hooks.poststart, "poststart", json, &err) < 0)
    holo_log_warning ("%s", err->msg);
  return 0;
}

int
holo_container_start (struct holo_context *ctx, const char *id, holo_error_t *err)
{
  if (holo_validate_id (id, err) < 0)
    return -1;
  cleanup_close int root_fd = open (ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, 0, "container does not exist");
  cleanup_close int dir_fd = holo_store_open (root_fd, id, LOCK_EX, err);
  if (dir_fd < 0)
    return -1;
  cleanup_state struct holo_state *s = NULL;
  if (holo_state_read (dir_fd, &s, err) < 0)
    return -1;
  holo_trace ("start: state read");
  switch (holo_state_status (dir_fd, s))
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
  if (release_init (dir_fd, err) < 0)
    return -1;
  return run_poststart (dir_fd, s);
}
