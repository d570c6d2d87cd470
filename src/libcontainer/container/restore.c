/* `restore`: a container from a bundle and a CRIU image.  Like create, it
   makes the state directory first and undoes everything on failure; instead
   of cloning an init it runs CRIU, which rebuilds the process tree (same
   namespaces, mounts, memory, fds) and hands back its root task -- as our
   child (rst_sibling), so a foreground restore can wait for it.

   Order:
     state dir, config copy, state "creating"
     a private mount namespace where the rootfs is bind-mounted for CRIU's
       --root (CRIU needs a mount point; nobody else sees it); holo returns
       to its own namespace once CRIU is done
     criu swrk, moved into the container's cgroup before the request: the
       tasks it restores are born there (cg_root maps the image's cgroup)
     notifications: setup-namespaces -> prestart and createRuntime hooks
       (runc's order), orphan-pts-master -> the pty to --console-socket
     the cgroup's limits, state "running" with CRIU's pid, the pid file  */
#define _GNU_SOURCE
#include "container.h"
#include "../criu/criu.h"
#include "../cgroups/resources.h"
#include "../hooks.h"
#include "../terminal.h"
#include "../utils.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define CRIU_ROOT_DIR "criu-root"

struct restore_run
{
  struct holo_context *ctx;
  const struct holo_restore_options *o;
  struct holo_spec *spec;
  struct holo_state *state;
  int root_fd;
  int dir_fd;
  int console_sock;
  bool cgroup_entered;
  char *criu_root; /* the rootfs bind mount CRIU gets as --root */
  int orig_mnt_ns; /* our mount namespace before the private one, or -1 */
  CriuOpts opts;
  int *ns_fds;
  size_t n_ns_fds;
};

/* ---- the new container's record ---- */

static char *
read_bundle_config (const char *bundle, size_t *len, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("%s/config.json", bundle);
  char *raw = NULL;
  if (holo_read_file (path, &raw, len, err) < 0)
    return NULL;
  return raw;
}

static char *
resolve_rootfs (const struct holo_spec *spec, const char *bundle, holo_error_t *err)
{
  cleanup_free char *joined
      = spec->root_path[0] == '/' ? holo_xstrdup (spec->root_path) : holo_xasprintf ("%s/%s", bundle, spec->root_path);
  char *r = realpath (joined, NULL);
  if (r == NULL)
    holo_make_error (err, errno, "config.json: root.path: rootfs `%s`", joined);
  return r;
}

static struct holo_state *
new_state (struct holo_context *ctx, const struct holo_spec *spec, const char *id, const char *bundle,
           holo_error_t *err)
{
  cleanup_state struct holo_state *s = holo_xmalloc (sizeof *s);

  s->id = holo_xstrdup (id);
  s->bundle = holo_xstrdup (bundle);
  s->rootfs = resolve_rootfs (spec, bundle, err);
  if (s->rootfs == NULL)
    return NULL;
  s->created = holo_now_rfc3339 ();
  s->owner = holo_xstrdup (""); /* as create: `list` looks the owner up */
  s->creating = true;
  s->late_hooks_known = true;
  s->has_poststart = spec->hooks.poststart.n > 0;
  s->has_poststop = spec->hooks.poststop.n > 0;
  s->annotations = holo_xmalloc ((spec->n_annotations + 1) * sizeof *s->annotations);
  for (size_t i = 0; i < spec->n_annotations; i++)
    {
      s->annotations[i].key = holo_xstrdup (spec->annotations[i].key);
      s->annotations[i].value = holo_xstrdup (spec->annotations[i].value);
    }
  s->n_annotations = spec->n_annotations;
  if (holo_container_cgroup_plan (ctx, spec, id, s, err) < 0)
    return NULL;
  return steal_pointer (&s);
}

static int
validate_for_restore (const struct holo_spec *spec, const struct holo_restore_options *o, holo_error_t *err)
{
  if (!spec->has_process)
    return holo_make_error (err, 0, "config.json: process: must be set to restore a container");
  if (!spec->linux_.namespaces[HOLO_NS_MOUNT].present)
    return holo_make_error (err, 0, "config.json: linux.namespaces: a mount namespace is required");
  if (spec->process.terminal && o->console_socket == NULL)
    return holo_make_error (err, 0, "restoring a terminal container needs --console-socket");
  if (!spec->process.terminal && o->console_socket != NULL)
    return holo_make_error (err, 0, "cannot use console socket if the container has no terminal");
  return 0;
}

/* ---- CRIU's root ---- */

/* A mount namespace of our own (a slave of the host's: nothing we mount
   leaks back) with the rootfs bound on STATE_DIR/criu-root, for CRIU; we
   go back to the original namespace once CRIU is done, and the private one
   goes away with CRIU.  */
static int
prepare_criu_root (struct restore_run *r, holo_error_t *err)
{
  cleanup_free char *state_root = realpath (r->ctx->root, NULL);
  if (state_root == NULL)
    return holo_make_error (err, errno, "state root `%s`", r->ctx->root);
  cleanup_free char *dir = holo_xasprintf ("%s/%s/%s", state_root, r->state->id, CRIU_ROOT_DIR);

  if (mkdirat (r->dir_fd, CRIU_ROOT_DIR, 0700) < 0)
    return holo_make_error (err, errno, "create `%s`", dir);
  r->orig_mnt_ns = open ("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (r->orig_mnt_ns < 0)
    return holo_make_error (err, errno, "open our mount namespace");
  if (unshare (CLONE_NEWNS) < 0)
    return holo_make_error (err, errno, "unshare the mount namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return holo_make_error (err, errno, "make `/` a slave mount");
  if (mount (r->state->rootfs, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
    return holo_make_error (err, errno, "bind mount `%s` on `%s`", r->state->rootfs, dir);
  r->criu_root = steal_pointer (&dir);
  return 0;
}

static void
release_criu_root (struct restore_run *r)
{
  if (r->orig_mnt_ns >= 0)
    {
      if (setns (r->orig_mnt_ns, CLONE_NEWNS) < 0)
        holo_log_warning ("cannot return to the original mount namespace: %s", strerror (errno));
      close (r->orig_mnt_ns);
      r->orig_mnt_ns = -1;
    }
  unlinkat (r->dir_fd, CRIU_ROOT_DIR, AT_REMOVEDIR);
  free (r->criu_root);
  r->criu_root = NULL;
}

/* ---- the request ---- */

static int
open_image_dirs (const struct holo_criu_flags *f, int *images_fd, int *work_fd, holo_error_t *err)
{
  const char *images = f->image_path ? f->image_path : "checkpoint";
  *images_fd = holo_criu_open_dir (images, false, err);
  if (*images_fd < 0)
    return holo_error_prefix (err, "image path");
  *work_fd = f->work_path ? holo_criu_open_dir (f->work_path, true, err) : dup (*images_fd);
  if (*work_fd < 0)
    return f->work_path ? holo_error_prefix (err, "work path") : holo_make_error (err, errno, "dup");
  return 0;
}

static int
build_restore_opts (struct restore_run *r, int images_fd, int work_fd, holo_error_t *err)
{
  CriuOpts *opts = &r->opts;
  const struct holo_state *s = r->state;
  cleanup_free char *cgroup_dir = s->cgroup_path ? holo_cgroup_controller_dir (s->cgroup_path, "") : NULL;

  opts->images_dir_fd = images_fd;
  opts->has_work_dir_fd = true;
  opts->work_dir_fd = work_fd;
  holo_criu_set_string (&opts->log_file, HOLO_CRIU_RESTORE_LOG);
  holo_criu_set_string (&opts->root, r->criu_root);
  opts->has_rst_sibling = true;
  opts->rst_sibling = true;
  opts->has_notify_scripts = true;
  opts->notify_scripts = true;
  if (r->spec->process.terminal)
    {
      opts->has_orphan_pts_master = true;
      opts->orphan_pts_master = true;
    }
  /* The image's cgroup, whatever its path was, becomes ours.  */
  if (s->cgroup_path)
    holo_criu_add_cg_root (opts, NULL, s->cgroup_path);
  if (holo_criu_restore_mounts (opts, r->spec, s->bundle, cgroup_dir, err) < 0)
    return -1;
  if (holo_criu_restore_namespaces (opts, r->spec, &r->ns_fds, &r->n_ns_fds, err) < 0)
    return -1;
  return holo_criu_restore_stdio (opts, images_fd, err);
}

static int
criu_spawned (pid_t criu_pid, void *data, holo_error_t *err)
{
  struct restore_run *r = data;
  if (!holo_container_has_cgroup (r->state))
    return 0;
  /* As in create: a failed systemd start leaves nothing to undo.  */
  r->cgroup_entered = r->state->systemd_unit == NULL;
  /* With systemd, the scope starts with CRIU in it; the restored tree
     stays in it when CRIU leaves.  */
  if (holo_container_cgroup_enter (r->state, r->spec, criu_pid, err) < 0)
    return -1;
  r->cgroup_entered = true;
  return 0;
}

/* prestart and createRuntime, once the namespaces exist, as runc runs them
   on restore.  */
static int
run_restore_hooks (struct restore_run *r, pid_t pid, holo_error_t *err)
{
  r->state->pid = pid;
  cleanup_free char *json = holo_state_to_json (r->state, HOLO_STATUS_CREATING, false);
  if (holo_hooks_run (&r->spec->hooks.prestart, "prestart", json, err) < 0)
    return -1;
  return holo_hooks_run (&r->spec->hooks.create_runtime, "createRuntime", json, err);
}

static int
criu_notify (const struct holo_criu_notify *n, void *data, holo_error_t *err)
{
  struct restore_run *r = data;

  if (strcmp (n->script, "setup-namespaces") == 0)
    return run_restore_hooks (r, n->pid, err);
  if (strcmp (n->script, "orphan-pts-master") == 0)
    {
      if (n->fd < 0)
        return holo_make_error (err, 0, "criu sent no pty master");
      if (r->console_sock < 0)
        return holo_make_error (err, 0, "the container has a terminal but no --console-socket was given");
      return holo_send_fd (r->console_sock, n->fd, err);
    }
  return 0;
}

static int
run_criu (struct restore_run *r, pid_t *pid, holo_error_t *err)
{
  const struct holo_criu_flags *f = &r->o->criu;
  cleanup_close int images_fd = -1;
  cleanup_close int work_fd = -1;
  const char *work = f->work_path ? f->work_path : f->image_path ? f->image_path : "checkpoint";
  cleanup_free char *log_path = holo_xasprintf ("%s/%s", work, HOLO_CRIU_RESTORE_LOG);

  /* The directories are opened inside our mount namespace: CRIU mounts
     its cgroup yard in the work directory, which must belong to the
     namespace it runs in.  */
  if (prepare_criu_root (r, err) < 0)
    return -1;
  if (open_image_dirs (f, &images_fd, &work_fd, err) < 0)
    return -1;
  if (build_restore_opts (r, images_fd, work_fd, err) < 0)
    return -1;
  struct holo_criu_call call = {
    .type = CRIU_REQ_TYPE__RESTORE,
    .opts = &r->opts,
    .pass_fds = r->ns_fds,
    .n_pass_fds = r->n_ns_fds,
    .spawned = criu_spawned,
    .notify = criu_notify,
    .data = r,
    .log_path = log_path,
  };
  return holo_criu_run (&call, pid, err);
}

/* ---- the whole operation ---- */

static int
restore_in_store (struct restore_run *r, const char *config_raw, size_t config_len, struct holo_created *out,
                  holo_error_t *err)
{
  struct holo_state *s = r->state;
  pid_t pid = -1;

  if (holo_write_file_at (r->dir_fd, HOLO_CONFIG_COPY, config_raw, config_len, err) < 0)
    return -1;
  if (holo_state_write (r->dir_fd, s, err) < 0)
    return -1;
  if (r->o->console_socket)
    {
      r->console_sock = holo_terminal_connect_socket (r->o->console_socket, err);
      if (r->console_sock < 0)
        return -1;
    }
  if (run_criu (r, &pid, err) < 0)
    return -1;
  s->pid = pid;
  if (holo_proc_stat (pid, &s->pid_starttime, NULL) < 0)
    return holo_make_error (err, 0, "the restored process %d exited at once", (int) pid);
  /* Limits go on once CRIU has left the cgroup: a device filter or a pids
     limit must not stop CRIU itself.  */
  if (s->cgroup_path && holo_cgroup_apply_spec (s->cgroup_path, r->spec, err) < 0)
    return -1;
  s->creating = false;
  if (holo_state_write (r->dir_fd, s, err) < 0)
    return -1;
  if (r->o->pid_file && holo_write_pid_file (r->o->pid_file, pid, err) < 0)
    return -1;
  out->pid = pid;
  return 0;
}

static void
undo_restore (struct restore_run *r)
{
  cleanup_error holo_error_t ignored = NULL;
  const struct holo_state *s = r->state;

  if (s->cgroup_path && r->cgroup_entered)
    {
      holo_cgroup_kill_all (s->cgroup_path, SIGKILL, &ignored);
      holo_error_release (&ignored);
      holo_container_cgroup_remove (s, &ignored);
      holo_error_release (&ignored);
    }
  else if (s->pid > 0 && holo_state_process_alive (s))
    kill (s->pid, SIGKILL);
  holo_extension_delete (r->ctx, s);
  holo_store_remove (r->root_fd, s->id, &ignored);
}

static void
release_run (struct restore_run *r)
{
  release_criu_root (r);
  holo_criu_opts_release (&r->opts);
  for (size_t i = 0; i < r->n_ns_fds; i++)
    close (r->ns_fds[i]);
  free (r->ns_fds);
  if (r->console_sock >= 0)
    close (r->console_sock);
}

/* The extension's check (as for create), then the state directory,
   locked.  CRIU mounts the root itself, from the path: the check is bound
   to the tree at the path when restore starts, not to the mount.  */
static int
create_record (struct holo_context *ctx, const struct holo_spec *spec, struct holo_state *state, int *root_fd,
               int *dir_fd, holo_error_t *err)
{
  cleanup_close int rootfs_fd = holo_rootfs_open_dir (state->rootfs, err);
  if (rootfs_fd < 0 || holo_extension_create (ctx, spec, state, rootfs_fd, err) < 0)
    return -1;
  *root_fd = holo_store_open_root (ctx->root, err);
  *dir_fd = *root_fd < 0 ? -1 : holo_store_create (*root_fd, state->id, err);
  if (*dir_fd < 0)
    {
      holo_extension_delete (ctx, state);
      return -1;
    }
  return 0;
}

static int
restore (struct holo_context *ctx, const struct holo_restore_options *o, struct holo_spec *spec, const char *bundle,
         const char *config_raw, size_t config_len, CriuOpts *opts, struct holo_created *out, holo_error_t *err)
{
  cleanup_state struct holo_state *state = new_state (ctx, spec, o->id, bundle, err);
  cleanup_close int root_fd = -1;
  cleanup_close int dir_fd = -1;

  if (state == NULL || create_record (ctx, spec, state, &root_fd, &dir_fd, err) < 0)
    return -1;
  struct restore_run r = {
    .ctx = ctx,
    .o = o,
    .spec = spec,
    .state = state,
    .root_fd = root_fd,
    .dir_fd = dir_fd,
    .console_sock = -1,
    .orig_mnt_ns = -1,
    .opts = *opts,
  };
  /* R owns the options now.  */
  holo_criu_opts_init (opts);
  int ret = restore_in_store (&r, config_raw, config_len, out, err);
  release_run (&r);
  if (ret < 0)
    undo_restore (&r);
  return ret;
}

int
holo_container_restore (struct holo_context *ctx, const struct holo_restore_options *o, struct holo_created *out,
                        holo_error_t *err)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_free char *criu = NULL;
  size_t config_len = 0;
  CriuOpts opts;

  out->pid = -1;
  out->console_master = -1;
  if (holo_validate_id (o->id, err) < 0 || holo_criu_find (&criu, err) < 0)
    return -1;
  cleanup_free char *bundle = realpath (o->bundle ? o->bundle : ".", NULL);
  if (bundle == NULL)
    return holo_make_error (err, errno, "bundle `%s`", o->bundle ? o->bundle : ".");
  cleanup_free char *config_raw = read_bundle_config (bundle, &config_len, err);
  if (config_raw == NULL || holo_spec_parse (config_raw, config_len, &spec, err) < 0)
    return -1;
  if (validate_for_restore (spec, o, err) < 0)
    return -1;
  /* The flags are checked before anything exists.  */
  holo_criu_opts_init (&opts);
  int ret = holo_criu_apply_flags (&opts, &o->criu, spec, err);
  if (ret == 0)
    ret = restore (ctx, o, spec, bundle, config_raw, config_len, &opts, out, err);
  holo_criu_opts_release (&opts);
  return ret;
}
