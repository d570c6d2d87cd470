/* `create`: from a bundle to a container in the "created" state, whose init
   is blocked on the exec fifo.  Read top to bottom; every step after the
   state directory exists is undone by undo_create() on failure.  */
#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/resources.h"
#include "../hooks.h"
#include "../namespaces.h"
#include "../notify.h"
#include "../process/chain.h"
#include "../process/init.h"
#include "../process/sync.h"
#include "../rootfs/rootfs.h"
#include "../sysctl.h"
#include "../security/lsm.h"
#include "../security/seccomp.h"
#include "../terminal.h"
#include "../trace.h"
#include "../userns.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Without a mount namespace (runc and crun allow it) the mounts are made
   in the runtime's own mount namespace, under the rootfs, and the process
   is chrooted there; what would need a namespace of its own to be safe is
   refused, as runc does.  */
static int
validate_without_mount_ns (const struct holo_spec *spec, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;
  if (l->namespaces[HOLO_NS_MOUNT].present)
    return 0;
  if ((l->masked_paths && l->masked_paths[0]) || (l->readonly_paths && l->readonly_paths[0]))
    return holo_make_error (err, 0, "config.json: linux.%s: masking or making paths read-only needs a mount namespace",
                            l->masked_paths && l->masked_paths[0] ? "maskedPaths" : "readonlyPaths");
  if (spec->root_readonly)
    return holo_make_error (err, 0, "config.json: root.readonly: a read-only rootfs needs a mount namespace");
  if (l->rootfs_propagation)
    return holo_make_error (err, 0, "config.json: linux.rootfsPropagation: needs a mount namespace");
  return 0;
}

/* Checks that need the whole config and the command line, before anything
   is created.  */
static int
validate_for_create (const struct holo_spec *spec, const struct holo_create_options *o, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;
  if (!spec->has_process)
    return holo_make_error (err, 0, "config.json: process: must be set to create a container");
  if (spec->process.terminal && o->console_socket == NULL && !o->want_console_master)
    return holo_make_error (err, 0, "cannot allocate tty if holo will detach without setting console socket");
  if (!spec->process.terminal && o->console_socket != NULL)
    return holo_make_error (err, 0, "cannot use console socket if holo will not detach or allocate tty");
  /* A joined uts namespace is the container's too (runc): the name is set
     there.  */
  if ((spec->hostname || spec->domainname) && !l->namespaces[HOLO_NS_UTS].present)
    return holo_make_error (err, 0, "config.json: %s: setting it requires a uts namespace",
                            spec->hostname ? "hostname" : "domainname");
  if (validate_without_mount_ns (spec, err) < 0)
    return -1;
  if (holo_ns_is_new (spec, HOLO_NS_USER) && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
    return holo_make_error (err, 0, "config.json: linux.uidMappings: a new user namespace needs uid and gid mappings");
  /* With a joined user namespace they must be its own (checked later).  */
  if (!l->namespaces[HOLO_NS_USER].present && (l->n_uid_mappings || l->n_gid_mappings))
    return holo_make_error (err, 0, "config.json: linux.uidMappings: mappings need a user namespace");
  if ((l->time_monotonic.present || l->time_boottime.present) && !holo_ns_is_new (spec, HOLO_NS_TIME))
    return holo_make_error (err, 0, "config.json: linux.timeOffsets: needs a new time namespace");
  if (holo_sysctl_validate (spec, err) < 0)
    return -1;
  if (holo_lsm_validate (spec, err) < 0)
    return -1;
  if (holo_resources_validate_spec (spec, err) < 0)
    return -1;
  if (geteuid () != 0 && holo_userns_check_rootless (spec, err) < 0)
    return -1;
  return 0;
}

static char *
absolute_bundle (const char *bundle, holo_error_t *err)
{
  char *r = realpath (bundle ? bundle : ".", NULL);
  if (r == NULL)
    holo_make_error (err, errno, "bundle `%s`", bundle ? bundle : ".");
  return r;
}

static char *
resolve_rootfs (const struct holo_spec *spec, const char *bundle, holo_error_t *err)
{
  cleanup_free char *joined
      = spec->root_path[0] == '/' ? holo_xstrdup (spec->root_path) : holo_xasprintf ("%s/%s", bundle, spec->root_path);
  char *r = realpath (joined, NULL);
  if (r == NULL)
    {
      holo_make_error (err, errno, "config.json: root.path: rootfs `%s`", joined);
      return NULL;
    }
  struct stat st;
  if (stat (r, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      holo_make_error (err, ENOTDIR, "config.json: root.path: rootfs `%s`", r);
      free (r);
      return NULL;
    }
  return r;
}

static void
copy_annotations (struct holo_state *s, const struct holo_spec *spec)
{
  s->annotations = holo_xmalloc ((spec->n_annotations + 1) * sizeof *s->annotations);
  for (size_t i = 0; i < spec->n_annotations; i++)
    {
      s->annotations[i].key = holo_xstrdup (spec->annotations[i].key);
      s->annotations[i].value = holo_xstrdup (spec->annotations[i].value);
    }
  s->n_annotations = spec->n_annotations;
}

/* LISTEN_FDS (socket activation) passes through as runc does: the fds are
   preserved and the process sees LISTEN_FDS=N, LISTEN_PID=1.  */
static int
listen_fds (char ***extra_env)
{
  const char *v = getenv ("LISTEN_FDS");
  int n = v ? atoi (v) : 0;
  if (n <= 0)
    return 0;
  char **env = holo_xmalloc (3 * sizeof (char *));
  env[0] = holo_xasprintf ("LISTEN_FDS=%d", n);
  env[1] = holo_xstrdup ("LISTEN_PID=1");
  *extra_env = env;
  return n;
}

/* The container's init as its own pid namespace sees it (NSpid's last
   field): what the hooks of the container namespace get as "pid".  */
static pid_t
pid_in_container (pid_t pid)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/status", (int) pid);
  cleanup_free char *status = NULL;
  if (holo_read_file (path, &status, NULL, NULL) < 0)
    return pid;
  const char *line = strstr (status, "\nNSpid:");
  if (line == NULL)
    return pid;
  line += strlen ("\nNSpid:");
  pid_t inner = pid;
  for (char *end; *line && *line != '\n'; line = end)
    {
      long v = strtol (line, &end, 10);
      if (end == line)
        break;
      inner = (pid_t) v;
    }
  return inner;
}

/* Runs prestart + createRuntime in the runtime namespace while the init
   waits, then hands it the state for the hooks of the container namespace
   (and for a seccomp listener).  The runtime-spec's lifecycle runs all of
   them after the runtime environment is created (its step 2): the state
   they get is "created", with the pid as seen where the hook runs.  */
static int
run_runtime_hooks (const struct holo_spec *spec, struct holo_state *s, int sync_fd, bool wants_listener_state,
                   holo_error_t *err)
{
  if (holo_sync_wait_hooks_request (sync_fd, err) < 0)
    return -1;
  cleanup_free char *state = holo_state_to_json (s, HOLO_STATUS_CREATED, false);
  if (holo_hooks_run (&spec->hooks.prestart, "prestart", state, err) < 0)
    return -1;
  if (holo_hooks_run (&spec->hooks.create_runtime, "createRuntime", state, err) < 0)
    return -1;
  pid_t host_pid = s->pid;
  s->pid = pid_in_container (host_pid);
  cleanup_free char *container_state = holo_state_to_json (s, HOLO_STATUS_CREATED, false);
  s->pid = host_pid;
  return holo_sync_send_states (sync_fd, container_state, wants_listener_state ? state : NULL, err);
}

struct create_run
{
  struct holo_context *ctx;
  const struct holo_create_options *o;
  struct holo_spec *spec;
  struct holo_state *state;
  int root_fd;
  int dir_fd;
  int rootfs_fd; /* root.path, opened once (rootfs/tree.c) */
  struct holo_launch launch;
  bool cgroup_entered;
  struct holo_seccomp *seccomp;
  /* No mount namespace: what was mounted under the rootfs before the init
     started (the init mounts into our namespace).  */
  bool in_runtime_mount_ns;
  struct holo_mount_snapshot host_mounts;
  int64_t oom_kills_before; /* of the container's cgroup, before GO */
  bool launched;            /* the init was spawned: the container exists */
};

/* The container's root is mounted from the descriptor create opened: a
   clone of its mount, which the init attaches; without the privilege to
   clone (rootless), the init checks and clones the directory itself.  */
static int
root_for_init (struct create_run *r, int *tree, holo_error_t *err)
{
  *tree = -1;
  if (!r->spec->linux_.namespaces[HOLO_NS_MOUNT].present)
    return 0; /* chroot into the opened directory */
  *tree = holo_rootfs_clone (r->rootfs_fd, true);
  if (*tree < 0 && errno != EPERM)
    return holo_make_error (err, errno, "clone the mount of the rootfs `%s`", r->state->rootfs);
  return 0;
}

static int
start_init (struct create_run *r, int fifo_fd, int console_sock, holo_error_t *err)
{
  struct holo_ns_join joins;
  cleanup_strv char **extra_env = NULL;
  int preserve = r->o->preserve_fds + listen_fds (&extra_env);
  cleanup_close int tree = -1;
  if (root_for_init (r, &tree, err) < 0)
    return -1;
  struct holo_init_config cfg = {
    .spec = r->spec,
    .process = &r->spec->process,
    .id = r->o->id,
    .bundle = r->state->bundle,
    .rootfs = r->state->rootfs,
    .rootfs_fd = tree >= 0 ? tree : r->rootfs_fd,
    .rootfs_is_tree = tree >= 0,
    .fifo_fd = fifo_fd,
    .extra_env = extra_env,
    .console_sock = console_sock,
    .preserve_fds = preserve,
    .close_in_child = r->dir_fd,
    .no_pivot = r->o->no_pivot,
    .no_new_keyring = r->o->no_new_keyring,
    .seccomp = r->seccomp,
    .cgroup_fd = -1,
  };
  /* cgroup2: the init is born in its cgroup (and undo_create removes it);
     not when stage1 joins a cgroup namespace first (see exec.c).  */
  const struct holo_namespace *cgns = &r->spec->linux_.namespaces[HOLO_NS_CGROUP];
  cleanup_close int cgroup_fd
      = r->state->cgroup_path && !(cgns->present && cgns->path) ? holo_cgroup_clone_target (r->state->cgroup_path) : -1;
  if (cgroup_fd >= 0)
    {
      r->cgroup_entered = true;
      cfg.cgroup_fd = cgroup_fd;
    }
  /* listenerPath names a host path: connect from here.  */
  if (holo_seccomp_connect_listener (r->seccomp, err) < 0)
    return -1;
  /* Only we can make idmapped mounts (see rootfs/idmap.c); the init
     inherits them.  */
  int *idmap_fds = NULL;
  if (holo_idmap_prepare_mounts (r->spec, r->state->bundle, &idmap_fds, err) < 0)
    return -1;
  cfg.idmap_fds = idmap_fds;
  if (holo_ns_open_joins (r->spec, &joins, err) < 0)
    {
      holo_idmap_close_mounts (idmap_fds, r->spec->n_mounts);
      return -1;
    }
  int ret = holo_launch_spawn (&cfg, &joins, &r->launch, err);
  holo_ns_close_joins (&joins);
  holo_idmap_close_mounts (idmap_fds, r->spec->n_mounts);
  if (ret < 0 && geteuid () != 0 && holo_ns_is_new (r->spec, HOLO_NS_USER) && *err
      && ((*err)->status == EPERM || (*err)->status == ENOSPC || (*err)->status == EUSERS))
    return holo_error_prefix (err, "rootless container requires user namespaces");
  return ret;
}

static bool
is_permission_error (const holo_error_t *err)
{
  int status = (*err)->status;
  return status == EACCES || status == EPERM || status == EROFS;
}

/* Rootless: the cgroup is ours only when it was delegated to us.  As with
   runc, no write access means running without one (and without
   linux.resources), and a delegated one may still refuse some controller
   files (v1 devices needs CAP_SYS_ADMIN): both are warnings, not errors.  */
static int
enter_cgroup (struct create_run *r, holo_error_t *err)
{
  struct holo_state *s = r->state;
  /* A failed cgroupfs enter may leave directories; a failed systemd start
     leaves nothing of ours (the unit may be someone else's: "already
     exists"), so there is nothing to undo.  */
  r->cgroup_entered = s->systemd_unit == NULL;
  if (holo_container_cgroup_enter (s, r->spec, s->pid, err) == 0)
    {
      r->cgroup_entered = true;
      r->oom_kills_before = holo_cgroup_oom_kills (s->cgroup_path);
      /* systemd's cgroup for the unit, for a delete after a crash.  */
      if (s->systemd_unit && holo_state_write (r->dir_fd, s, err) < 0)
        return -1;
      /* Limits and device rules hold before the init runs anything.  */
      if (holo_cgroup_apply_spec (s->cgroup_path, r->spec, err) == 0)
        return 0;
      if (!r->ctx->rootless || !is_permission_error (err))
        return -1;
      holo_log_warning ("rootless: %s; linux.resources not fully applied", (*err)->msg);
      holo_error_release (err);
      return 0;
    }
  /* The systemd driver has no fallback: systemd said no.  */
  if (!r->ctx->rootless || s->systemd_unit || !is_permission_error (err))
    return -1;
  /* Device rules are all an engine sets for a rootless container on a
     cgroup v1 host (Podman): going without them is routine, as with runc,
     and must not reach the container's stderr.  Limits that go unapplied
     are worth a warning.  */
  if (holo_resources_json_sets_limits (r->spec->linux_.resources))
    holo_log_warning ("rootless: %s; running without a cgroup, linux.resources not applied", (*err)->msg);
  else
    holo_log_debug ("rootless: %s; running without a cgroup", (*err)->msg);
  holo_error_release (err);
  cleanup_error holo_error_t ignored = NULL;
  holo_cgroup_destroy (s->cgroup_path, &ignored);
  r->cgroup_entered = false;
  free (s->cgroup_path);
  s->cgroup_path = NULL;
  return 0;
}

/* From a spawned init to READY: cgroup, id maps, hooks.  */
static int
drive_init (struct create_run *r, holo_error_t *err)
{
  struct holo_state *s = r->state;
  s->pid = r->launch.pid;
  if (holo_proc_stat (s->pid, &s->pid_starttime, NULL) < 0)
    return holo_make_error (err, 0, "the container init exited during setup");
  if (holo_state_write (r->dir_fd, s, err) < 0)
    return -1;
  holo_trace ("create: state with pid written");
  if (holo_container_has_cgroup (s) && enter_cgroup (r, err) < 0)
    return -1;
  holo_trace ("create: cgroup entered");
  if (holo_ns_is_new (r->spec, HOLO_NS_USER) && holo_ns_write_id_maps (r->spec, s->pid, err) < 0)
    return -1;
  if (!holo_ns_is_new (r->spec, HOLO_NS_USER) && holo_userns_check_joined (r->spec, s->pid, err) < 0)
    return -1;
  if (holo_launch_go (&r->launch, err) < 0)
    return -1;
  if (holo_init_wants_hooks (r->spec)
      && run_runtime_hooks (r->spec, s, r->launch.sync_fd, holo_seccomp_listener_fd (r->seccomp) >= 0, err) < 0)
    return -1;
  int ret = holo_sync_wait_ready (r->launch.sync_fd, err);
  holo_trace ("create: init ready");
  return ret;
}

/* The init closed the channel without a word: it died.  Say how, and
   whether it was the OOM killer (linux.resources.memory too small for the
   setup itself, e.g. with a large state to read).  */
static int
explain_init_exit (struct create_run *r, holo_error_t *err)
{
  int status;
  if (!holo_launch_wait_exit (&r->launch, &status))
    return holo_error_prefix (err, "the container init exited during setup");
  holo_error_release (err);
  int64_t oom_kills = r->cgroup_entered ? holo_cgroup_oom_kills (r->state->cgroup_path) : -1;
  if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL && oom_kills > r->oom_kills_before)
    return holo_make_error (err, 0,
                            "the container init was killed by the OOM killer during setup "
                            "(linux.resources.memory.limit is too low)");
  if (WIFSIGNALED (status))
    return holo_make_error (err, 0, "the container init was killed by signal %d (%s) during setup", WTERMSIG (status),
                            strsignal (WTERMSIG (status)));
  return holo_make_error (err, 0, "the container init exited with status %d during setup", WEXITSTATUS (status));
}

/* The runtime-spec's lifecycle: a create that fails once the container
   exists (a failing prestart, createRuntime or createContainer hook, or any
   later step) destroys it and runs the poststop hooks, as runc does.  */
static void
run_poststop_after_failure (struct create_run *r)
{
  if (!r->launched || r->spec->hooks.poststop.n == 0)
    return;
  cleanup_free char *state = holo_state_to_json (r->state, HOLO_STATUS_STOPPED, false);
  holo_hooks_run_warn (&r->spec->hooks.poststop, "poststop", state);
}

static void
undo_create (struct create_run *r)
{
  cleanup_error holo_error_t ignored = NULL;
  holo_launch_abort (&r->launch);
  if (r->in_runtime_mount_ns)
    holo_rootfs_detach_new_mounts (r->state->rootfs, &r->host_mounts);
  holo_extension_delete (r->ctx, r->state);
  if (r->cgroup_entered)
    holo_container_cgroup_remove (r->state, &ignored);
  holo_error_release (&ignored);
  run_poststop_after_failure (r);
  holo_store_remove (r->root_fd, r->o->id, &ignored);
}

static struct holo_state *
initial_state (struct holo_context *ctx, const struct holo_create_options *o, const struct holo_spec *spec,
               char *bundle, char *rootfs, holo_error_t *err)
{
  struct holo_state *s = holo_xmalloc (sizeof *s);
  s->id = holo_xstrdup (o->id);
  s->bundle = bundle;
  s->rootfs = rootfs;
  s->created = holo_now_rfc3339 ();
  /* Empty, as in runc's state; `list` names the state directory's owner.
     (A getpwuid here was an NSS lookup on every start.)  */
  s->owner = holo_xstrdup ("");
  s->creating = true;
  s->late_hooks_known = true;
  s->has_poststart = spec->hooks.poststart.n > 0;
  s->has_poststop = spec->hooks.poststop.n > 0;
  copy_annotations (s, spec);
  if (holo_container_cgroup_plan (ctx, spec, o->id, s, err) < 0)
    {
      holo_state_free (s);
      return NULL;
    }
  return s;
}

static int
open_console (const struct holo_create_options *o, bool terminal, int *sock, int *master_end, holo_error_t *err)
{
  *sock = *master_end = -1;
  if (o->console_socket)
    {
      *sock = holo_terminal_connect_socket (o->console_socket, err);
      return *sock < 0 ? -1 : 0;
    }
  if (!o->want_console_master || !terminal)
    return 0;
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return holo_make_error (err, errno, "socketpair for the console");
  *master_end = sv[0];
  *sock = sv[1];
  return 0;
}

static int
create_in_store (struct create_run *r, const char *config_raw, size_t config_len, struct holo_created *out,
                 holo_error_t *err)
{
  cleanup_close int fifo_fd = -1;
  cleanup_close int console_sock = -1;
  cleanup_close int master_end = -1;

  if (holo_write_file_at (r->dir_fd, HOLO_CONFIG_COPY, config_raw, config_len, err) < 0)
    return -1;
  if (holo_state_write (r->dir_fd, r->state, err) < 0)
    return -1;
  if (mkfifoat (r->dir_fd, HOLO_EXEC_FIFO, 0600) < 0)
    return holo_make_error (err, errno, "create exec fifo");
  fifo_fd = openat (r->dir_fd, HOLO_EXEC_FIFO, O_RDWR | O_CLOEXEC);
  if (fifo_fd < 0)
    return holo_make_error (err, errno, "open exec fifo");
  if (open_console (r->o, r->spec->process.terminal, &console_sock, &master_end, err) < 0)
    return -1;
  if (r->ctx->notify_socket && holo_notify_prepare (r->dir_fd, r->spec, err) < 0)
    return -1;
  holo_trace ("create: store written");
  if (!r->spec->linux_.namespaces[HOLO_NS_MOUNT].present)
    {
      if (holo_rootfs_snapshot_mounts (r->state->rootfs, &r->host_mounts, err) < 0)
        return -1;
      r->in_runtime_mount_ns = true;
    }
  if (start_init (r, fifo_fd, console_sock, err) < 0)
    return -1;
  r->launched = true;
  holo_trace ("create: init cloned");
  /* The init holds its own copies now.  */
  close (steal_fd (&fifo_fd));
  close (steal_fd (&console_sock));
  if (drive_init (r, err) < 0)
    return holo_sync_is_closed (err) ? explain_init_exit (r, err) : -1;
  if (r->in_runtime_mount_ns)
    {
      cleanup_free char *record = holo_rootfs_record_new_mounts (r->state->rootfs, &r->host_mounts);
      if (holo_write_file_at (r->dir_fd, HOLO_HOST_MOUNTS, record, strlen (record), err) < 0)
        return -1;
    }
  if (master_end >= 0)
    {
      out->console_master = holo_recv_fd (master_end, err);
      if (out->console_master < 0)
        return -1;
    }
  r->state->creating = false;
  if (holo_state_write (r->dir_fd, r->state, err) < 0)
    return -1;
  if (r->o->pid_file && holo_write_pid_file (r->o->pid_file, r->state->pid, err) < 0)
    return -1;
  holo_trace ("create: created");
  out->pid = r->state->pid;
  return 0;
}

int
holo_container_create (struct holo_context *ctx, const struct holo_create_options *o, struct holo_created *out,
                       holo_error_t *err)
{
  cleanup_spec struct holo_spec *spec = NULL;
  cleanup_free char *config_raw = NULL;
  size_t config_len = 0;
  out->pid = -1;
  out->console_master = -1;

  if (holo_validate_id (o->id, err) < 0)
    return -1;
  if (holo_rootfs_check_openat2 (err) < 0)
    return -1;
  cleanup_free char *bundle = absolute_bundle (o->bundle, err);
  if (bundle == NULL)
    return -1;
  cleanup_free char *config_path = holo_xasprintf ("%s/config.json", bundle);
  if (holo_read_file (config_path, &config_raw, &config_len, err) < 0)
    return -1;
  if (holo_spec_parse (config_raw, config_len, &spec, err) < 0)
    return -1;
  if (validate_for_create (spec, o, err) < 0)
    return -1;
  holo_trace ("create: config parsed");
  /* Compiled now so a bad profile fails before anything exists; the init
     inherits the program and loads it.  */
  cleanup_seccomp struct holo_seccomp *seccomp = NULL;
  if (holo_seccomp_compile (spec, ctx->root, &seccomp, err) < 0)
    return -1;
  holo_trace ("create: seccomp compiled");
  char *rootfs = resolve_rootfs (spec, bundle, err);
  if (rootfs == NULL)
    return -1;
  /* Opened once: everything after, the extension's check and the mount,
     works on this descriptor, never on the path again.  */
  cleanup_close int rootfs_fd = holo_rootfs_open_dir (rootfs, err);
  if (rootfs_fd < 0)
    {
      free (rootfs);
      return -1;
    }

  cleanup_state struct holo_state *state = initial_state (ctx, o, spec, steal_pointer (&bundle), rootfs, err);
  if (state == NULL)
    return -1;
  holo_trace ("create: initial state");
  /* The extension's check (Hologram): before anything exists, so a refusal
     leaves nothing behind.  */
  if (holo_extension_create (ctx, spec, state, rootfs_fd, err) < 0)
    return -1;
  holo_trace ("create: extension");
  cleanup_close int root_fd = holo_store_open_root (ctx->root, err);
  cleanup_close int dir_fd = root_fd < 0 ? -1 : holo_store_create (root_fd, o->id, err);
  if (dir_fd < 0)
    {
      holo_extension_delete (ctx, state);
      return -1;
    }

  struct create_run r = {
    .ctx = ctx,
    .o = o,
    .spec = spec,
    .state = state,
    .root_fd = root_fd,
    .dir_fd = dir_fd,
    .rootfs_fd = rootfs_fd,
    .launch = { .pid = -1, .sync_fd = -1 },
    .seccomp = seccomp,
  };
  int ret = create_in_store (&r, config_raw, config_len, out, err);
  if (ret < 0)
    undo_create (&r);
  holo_mount_snapshot_release (&r.host_mounts);
  if (ret < 0)
    return -1;
  close (r.launch.sync_fd);
  return 0;
}
