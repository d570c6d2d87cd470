#define _GNU_SOURCE
#include "container.h"
#include "../hooks.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>

static void
run_poststop (int dir_fd, const struct holo_state *s)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_free char *raw = NULL;
  cleanup_error holo_error_t err = NULL;
  size_t len;
  if (!s->has_poststop)
    return; /* none in the config (create recorded it): nothing to read */
  if (holo_read_file_at (dir_fd, HOLO_CONFIG_COPY, &raw, &len, &err) < 0 || holo_spec_parse (raw, len, &spec, &err) < 0)
    return; /* a create that died before saving the config had no hooks to run */
  cleanup_free char *json = holo_state_to_json (s, HOLO_STATUS_STOPPED, false);
  /* The spec: a failing poststop hook is a warning; delete goes on.  */
  if (holo_hooks_run (&spec->hooks.poststop, "poststop", json, &err) < 0)
    holo_log_warning ("%s", err->msg);
}

int
holo_container_destroy (struct holo_context *ctx, int root_fd, int dir_fd, const struct holo_state *s,
                        bool run_poststop_hooks, holo_error_t *err)
{
  holo_trace ("delete: begin");
  if (s->cgroup_path && holo_cgroup_destroy (s->cgroup_path, err) < 0)
    return -1;
  holo_trace ("delete: cgroup removed");
  if (run_poststop_hooks)
    run_poststop (dir_fd, s);
  holo_extension_delete (ctx, s);
  holo_trace ("delete: hooks, extension");
  int ret = holo_store_remove (root_fd, s->id, err);
  holo_trace ("delete: store removed");
  return ret;
}

/* SIGKILLs the init (and with a cgroup every process in it) and waits until
   the init is gone (exited or a zombie its parent has not reaped yet).  */
int
holo_container_kill_and_wait (const struct holo_state *s, holo_error_t *err)
{
  if (s->cgroup_path)
    {
      cleanup_error holo_error_t ignored = NULL;
      holo_cgroup_kill_all (s->cgroup_path, SIGKILL, &ignored);
    }
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, s->pid, 0);
  if (pidfd >= 0 && holo_state_process_alive (s))
    syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  for (int i = 0; i < 1000 && holo_state_process_alive (s); i++)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  if (holo_state_process_alive (s))
    return holo_make_error (err, 0, "container init %d did not die after SIGKILL", s->pid);
  return 0;
}

int
holo_container_delete (struct holo_context *ctx, const char *id, bool force, holo_error_t *err)
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
    {
      /* A create killed before its first state write: nothing else exists. */
      if (!force)
        return -1;
      holo_error_release (err);
      return holo_store_remove (root_fd, id, err);
    }
  enum holo_status st = holo_state_status (dir_fd, s);
  if ((st == HOLO_STATUS_RUNNING || st == HOLO_STATUS_PAUSED) && !force)
    return holo_make_error (err, 0, "cannot delete container %s that is not stopped: %s", id, holo_status_name (st));
  if (st != HOLO_STATUS_STOPPED || s->creating)
    {
      if (holo_container_kill_and_wait (s, err) < 0)
        return -1;
    }
  else if (s->cgroup_path)
    {
      /* The init is gone but its children may live on in the cgroup.  */
      cleanup_error holo_error_t ignored = NULL;
      holo_cgroup_kill_all (s->cgroup_path, SIGKILL, &ignored);
    }
  return holo_container_destroy (ctx, root_fd, dir_fd, s, true, err);
}
