/* `checkpoint`: CRIU dumps the container's process tree into the image
   directory.  What CRIU cannot see from inside the container is described
   to it first (criu/): bind mounts and other host mounts are external, the
   init's stdio is recorded for the restore, joined namespaces are external.
   The cgroup freezer stops the whole tree for the dump.  */
#define _GNU_SOURCE
#include "container.h"
#include "../criu/criu.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

static int
load_config_copy (int dir_fd, struct holo_spec **spec, holo_error_t *err)
{
  cleanup_free char *raw = NULL;
  size_t len;
  if (holo_read_file_at (dir_fd, HOLO_CONFIG_COPY, &raw, &len, err) < 0)
    return -1;
  return holo_spec_parse (raw, len, spec, err);
}

/* CRIU freezes through the freezer of the container's cgroup.  */
static char *
freezer_dir (const struct holo_state *s)
{
  if (s->cgroup_path == NULL)
    return NULL;
  return holo_cgroup_controller_dir (s->cgroup_path, holo_cgroup_mode () == HOLO_CGROUP_UNIFIED ? "" : "freezer");
}

struct dump_run
{
  const struct holo_checkpoint_options *o;
  const struct holo_state *state;
  const struct holo_spec *spec;
  int images_fd;
  int work_fd;
  CriuOpts opts;
};

static int
build_dump_opts (struct dump_run *r, holo_error_t *err)
{
  CriuOpts *opts = &r->opts;
  const struct holo_criu_flags *f = &r->o->criu;
  cleanup_free char *freezer = freezer_dir (r->state);

  opts->images_dir_fd = r->images_fd;
  opts->has_work_dir_fd = true;
  opts->work_dir_fd = r->work_fd;
  holo_criu_set_string (&opts->log_file, f->pre_dump ? HOLO_CRIU_PRE_DUMP_LOG : HOLO_CRIU_DUMP_LOG);
  opts->has_pid = true;
  opts->pid = r->state->pid;
  holo_criu_set_string (&opts->root, r->state->rootfs);
  opts->has_leave_running = true;
  opts->leave_running = f->leave_running || f->pre_dump;
  /* Pre-dumps track dirty memory; a dump on top of one sends only what
     changed since.  */
  if (f->pre_dump || f->parent_path)
    {
      opts->has_track_mem = true;
      opts->track_mem = true;
    }
  if (f->parent_path)
    holo_criu_set_string (&opts->parent_img, f->parent_path);
  if (freezer)
    holo_criu_set_string (&opts->freeze_cgroup, freezer);
  if (r->spec->process.terminal)
    {
      opts->has_orphan_pts_master = true;
      opts->orphan_pts_master = true;
    }
  if (holo_criu_dump_mounts (opts, r->spec, r->state->pid, err) < 0)
    return -1;
  if (holo_criu_dump_namespaces (opts, r->spec, r->state->pid, err) < 0)
    return -1;
  return holo_criu_dump_stdio (opts, r->state->pid, r->images_fd, err);
}

static int
open_dirs (struct dump_run *r, holo_error_t *err)
{
  const char *images = r->o->criu.image_path ? r->o->criu.image_path : "checkpoint";
  r->images_fd = holo_criu_open_dir (images, true, err);
  if (r->images_fd < 0)
    return holo_error_prefix (err, "image path");
  r->work_fd = r->o->criu.work_path ? holo_criu_open_dir (r->o->criu.work_path, true, err) : dup (r->images_fd);
  if (r->work_fd < 0)
    return r->o->criu.work_path ? holo_error_prefix (err, "work path") : holo_make_error (err, errno, "dup");
  return 0;
}

static int
dump (struct dump_run *r, holo_error_t *err)
{
  const char *work = r->o->criu.work_path    ? r->o->criu.work_path
                     : r->o->criu.image_path ? r->o->criu.image_path
                                             : "checkpoint";
  cleanup_free char *log_path
      = holo_xasprintf ("%s/%s", work, r->o->criu.pre_dump ? HOLO_CRIU_PRE_DUMP_LOG : HOLO_CRIU_DUMP_LOG);
  struct holo_criu_call call = {
    .type = r->o->criu.pre_dump ? CRIU_REQ_TYPE__PRE_DUMP : CRIU_REQ_TYPE__DUMP,
    .opts = &r->opts,
    .log_path = log_path,
  };
  cleanup_free char *criu = NULL;

  /* Before anything is written, so that a missing criu or a bad flag
     leaves no empty image directory.  */
  if (holo_criu_find (&criu, err) < 0 || holo_criu_apply_flags (&r->opts, &r->o->criu, r->spec, err) < 0)
    return -1;
  if (open_dirs (r, err) < 0 || build_dump_opts (r, err) < 0)
    return -1;
  return holo_criu_run (&call, NULL, err);
}

int
holo_container_checkpoint (struct holo_context *ctx, const struct holo_checkpoint_options *o, holo_error_t *err)
{
  cleanup_state struct holo_state *s = NULL;
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_close int dir_fd = -1;
  enum holo_status st;

  if (holo_container_load_locked (ctx, o->id, &dir_fd, &s, &st, err) < 0)
    return -1;
  if (st != HOLO_STATUS_RUNNING && st != HOLO_STATUS_PAUSED)
    return holo_make_error (err, 0, "container not running");
  if (load_config_copy (dir_fd, &spec, err) < 0)
    return -1;

  struct dump_run r = { .o = o, .state = s, .spec = spec, .images_fd = -1, .work_fd = -1 };
  holo_criu_opts_init (&r.opts);
  int ret = dump (&r, err);
  holo_criu_opts_release (&r.opts);
  if (r.images_fd >= 0)
    close (r.images_fd);
  if (r.work_fd >= 0)
    close (r.work_fd);
  if (ret < 0)
    return -1;
  if (o->criu.leave_running || o->criu.pre_dump)
    return 0;

  /* CRIU killed the processes: the container is gone, as with runc, and
     its id free for `restore`.  */
  cleanup_close int root_fd = open (ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, errno, "open state root `%s`", ctx->root);
  return holo_container_destroy (ctx, root_fd, dir_fd, s, true, err);
}
