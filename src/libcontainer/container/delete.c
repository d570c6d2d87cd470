#define _GNU_SOURCE
#include "container.h"
#include "../hooks.h"
#include "../rootfs/rootfs.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>

static void
run_poststop (const struct holo_container *c)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_error holo_error_t err = NULL;
  if (!c->state->has_poststop)
    return; /* none in the config (create recorded it): nothing to read */
  if (holo_container_read_config (c, &spec, &err) < 0)
    return; /* a create that died before saving the config had no hooks to run */
  cleanup_free char *json = holo_state_to_json (c->state, HOLO_STATUS_STOPPED, false);
  holo_hooks_run_warn (&spec->hooks.poststop, "poststop", json);
}

/* A container without a mount namespace mounted into ours (create.c).  */
static void
unmount_host_mounts (int dir_fd, const struct holo_state *s)
{
  cleanup_free char *record = NULL;
  if (s->rootfs && holo_read_file_at (dir_fd, HOLO_HOST_MOUNTS, &record, NULL, NULL) == 0)
    holo_rootfs_detach_recorded_mounts (s->rootfs, record);
}

int
holo_container_destroy (struct holo_context *ctx, const struct holo_container *c, bool run_poststop_hooks,
                        holo_error_t *err)
{
  const struct holo_state *s = c->state;
  holo_trace ("delete: begin");
  unmount_host_mounts (c->dir_fd, s);
  if (holo_container_cgroup_remove (s, err) < 0)
    return -1;
  holo_trace ("delete: cgroup removed");
  if (run_poststop_hooks)
    run_poststop (c);
  holo_extension_delete (ctx, s);
  holo_trace ("delete: hooks, extension");
  int ret = holo_store_remove (c->root_fd, s->id, err);
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
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, LOCK_EX, &c, err) < 0)
    {
      /* A create killed before its first state write: nothing else exists. */
      if (c.dir_fd < 0 || !force)
        return -1;
      holo_error_release (err);
      return holo_store_remove (c.root_fd, id, err);
    }
  const struct holo_state *s = c.state;
  enum holo_status st = c.status;
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
  return holo_container_destroy (ctx, &c, true, err);
}
