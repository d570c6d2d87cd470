/* `exec`: a new process in an existing container.  It joins every namespace
   the container's init has (born inside all of them: holo joins them around
   the clone, or a stage1 child does when a user namespace is among them;
   see process/chain.h), its cgroup, and applies the process attributes; no
   rootfs work happens.  */
#define _GNU_SOURCE
#include "container.h"
#include "../process/chain.h"
#include "../process/sync.h"
#include "../security/capabilities.h"
#include "../security/lsm.h"
#include "../security/seccomp.h"
#include "../terminal.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* Owned pieces of the exec'd process; the rest is borrowed from the config. */
struct exec_process
{
  struct holo_process proc;
  struct holo_process *parsed; /* --process */
  yajl_val parsed_tree;
  char **env;
  char **args;
};

static void
exec_process_release (struct exec_process *e)
{
  if (e->parsed)
    holo_process_free (e->parsed);
  yajl_tree_free (e->parsed_tree);
  holo_strv_free (e->env);
  holo_strv_free (e->args);
}

static int
check_status (enum holo_status st, bool ignore_paused, holo_error_t *err)
{
  switch (st)
    {
    case HOLO_STATUS_CREATED:
    case HOLO_STATUS_RUNNING:
      return 0;
    case HOLO_STATUS_PAUSED:
      if (ignore_paused)
        return 0;
      return holo_make_error (err, 0, "cannot exec in a paused container (use --ignore-paused to override)");
    case HOLO_STATUS_CREATING:
    case HOLO_STATUS_STOPPED:
    default:
      return holo_make_error (err, 0, "cannot exec in a stopped container");
    }
}

/* --env overrides variables of the same name; new ones are appended.  */
static char **
merge_env (char **base, char **extra)
{
  size_t nb = holo_strv_len (base), ne = holo_strv_len (extra), n = 0;
  char **out = holo_xmalloc ((nb + ne + 1) * sizeof (char *));
  for (size_t i = 0; i < nb; i++)
    out[n++] = holo_xstrdup (base[i]);
  for (size_t i = 0; i < ne; i++)
    {
      const char *eq = strchr (extra[i], '=');
      size_t klen = eq ? (size_t) (eq - extra[i]) : strlen (extra[i]);
      size_t j;
      for (j = 0; j < n; j++)
        if (strncmp (out[j], extra[i], klen) == 0 && out[j][klen] == '=')
          break;
      if (j < n)
        {
          free (out[j]);
          out[j] = holo_xstrdup (extra[i]);
        }
      else
        out[n++] = holo_xstrdup (extra[i]);
    }
  return out;
}

static int
parse_user (const char *user, uid_t *uid, gid_t *gid, holo_error_t *err)
{
  char *end;
  errno = 0;
  unsigned long u = strtoul (user, &end, 10);
  if (errno || end == user || (*end && *end != ':') || u > 0xfffffffeUL)
    return holo_make_error (err, 0, "invalid --user `%s`: expected uid[:gid]", user);
  *uid = (uid_t) u;
  if (*end == ':')
    {
      const char *g = end + 1;
      unsigned long v = strtoul (g, &end, 10);
      if (*g == '\0' || *end || v > 0xfffffffeUL)
        return holo_make_error (err, 0, "invalid --user `%s`: expected uid[:gid]", user);
      *gid = (gid_t) v;
    }
  return 0;
}

/* --cap names this kernel does not know are skipped with one warning, as
   runc does (engines pass lists made for newer kernels).  */
static void
warn_unknown_caps (char **names)
{
  cleanup_free char *unknown = NULL;
  for (char **n = names; n && *n; n++)
    if (holo_cap_from_name (*n) < 0)
      {
        char *longer = unknown ? holo_xasprintf ("%s %s", unknown, *n) : holo_xstrdup (*n);
        free (unknown);
        unknown = longer;
      }
  if (unknown)
    holo_log_warning ("ignoring unknown or unavailable capabilities: [%s]", unknown);
}

static void
add_caps (struct holo_capabilities *caps, char **names)
{
  warn_unknown_caps (names);
  for (char **n = names; n && *n; n++)
    {
      int c = holo_cap_from_name (*n);
      if (c < 0)
        continue;
      uint64_t bit = 1ULL << c;
      caps->bounding |= bit;
      caps->effective |= bit;
      caps->permitted |= bit;
      /* Ambient needs the cap inheritable; --cap does not add that.  */
      if (caps->inheritable & bit)
        caps->ambient |= bit;
    }
  caps->present = true;
}

/* The process from the config with the command line's overrides.  */
static int
process_from_flags (const struct holo_spec *spec, const struct holo_exec_options *o, struct exec_process *e,
                    holo_error_t *err)
{
  if (o->args == NULL || o->args[0] == NULL)
    return holo_make_error (err, 0, "exec: no command given (and no --process)");
  e->proc = spec->process;
  e->args = holo_strv_dup (o->args);
  e->proc.args = e->args;
  e->env = merge_env (spec->process.env, o->env);
  e->proc.env = e->env;
  e->proc.terminal = o->tty;
  e->proc.has_console_size = false;
  if (o->cwd)
    e->proc.cwd = (char *) o->cwd;
  if (o->user && parse_user (o->user, &e->proc.uid, &e->proc.gid, err) < 0)
    return -1;
  if (o->n_additional_gids)
    {
      e->proc.additional_gids = o->additional_gids;
      e->proc.n_additional_gids = o->n_additional_gids;
    }
  if (o->no_new_privs)
    e->proc.no_new_privileges = true;
  if (o->process_label)
    e->proc.selinux_label = (char *) o->process_label;
  if (o->apparmor)
    e->proc.apparmor_profile = (char *) o->apparmor;
  add_caps (&e->proc.caps, o->caps);
  return 0;
}

static int
process_from_file (const char *path, struct exec_process *e, holo_error_t *err)
{
  cleanup_free char *raw = NULL;
  size_t len;
  if (holo_read_file (path, &raw, &len, err) < 0)
    return -1;
  if (holo_spec_parse_process (raw, len, &e->parsed, &e->parsed_tree, err) < 0)
    return -1;
  e->proc = *e->parsed;
  return 0;
}

/* The config, with every namespace of the container turned into a join of
   the init's.  */
static void
join_init_namespaces (struct holo_spec *copy, pid_t pid, char paths[HOLO_NS_COUNT][64])
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      struct holo_namespace *ns = &copy->linux_.namespaces[k];
      if (!ns->present)
        continue;
      snprintf (paths[k], 64, "/proc/%d/ns/%s", pid, holo_ns_proc_name (k));
      ns->path = paths[k];
    }
}

static int
open_exec_console (const struct holo_exec_options *o, bool terminal, int *sock, int *master_end, holo_error_t *err)
{
  *sock = *master_end = -1;
  if (terminal && o->console_socket)
    {
      *sock = holo_terminal_connect_socket (o->console_socket, err);
      return *sock < 0 ? -1 : 0;
    }
  if (terminal && o->want_console_master)
    {
      int sv[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return holo_make_error (err, errno, "socketpair for the console");
      *master_end = sv[0];
      *sock = sv[1];
      return 0;
    }
  if (terminal)
    return holo_make_error (err, 0, "cannot allocate tty if holo will detach without setting console socket");
  if (o->console_socket)
    return holo_make_error (err, 0, "cannot use console socket if holo will not detach or allocate tty");
  return 0;
}

static char *
exec_cgroup (const struct holo_state *s, const struct holo_exec_options *o, holo_error_t *err)
{
  if (s->cgroup_path == NULL)
    return NULL;
  if (o->cgroup == NULL)
    return holo_xstrdup (s->cgroup_path);
  if (strstr (o->cgroup, "..") || o->cgroup[0] == '/')
    {
      holo_make_error (err, 0, "invalid --cgroup `%s`: must be a relative sub-cgroup", o->cgroup);
      return NULL;
    }
  return holo_xasprintf ("%s/%s", s->cgroup_path, o->cgroup);
}

/* Rootless, as runc: a cgroup we may not write to (cgroup v2 wants write
   access up to the common ancestor of where we are and the container's
   cgroup) leaves the process where it is.  */
static int
enter_exec_cgroup (const char *cgroup, pid_t pid, bool rootless, holo_error_t *err)
{
  if (holo_cgroup_enter (cgroup, pid, err) == 0)
    return 0;
  int status = (*err)->status;
  if (!rootless || (status != EACCES && status != EPERM && status != EROFS))
    return -1;
  holo_log_debug ("rootless: %s; the process stays out of the container's cgroup", (*err)->msg);
  holo_error_release (err);
  return 0;
}

static int
spawn_exec (struct holo_init_config *cfg, const char *cgroup, bool rootless, struct holo_launch *l, holo_error_t *err)
{
  struct holo_ns_join joins;
  if (holo_ns_open_joins (cfg->spec, &joins, err) < 0)
    return holo_error_prefix (err, "the container is not running");
  int ret = holo_launch_spawn (cfg, &joins, l, err);
  holo_ns_close_joins (&joins);
  if (ret < 0)
    return -1;
  holo_trace ("exec: process cloned");
  if (cgroup && enter_exec_cgroup (cgroup, l->pid, rootless, err) < 0)
    return -1;
  holo_trace ("exec: cgroup entered");
  if (holo_launch_go (l, err) < 0)
    return -1;
  if (holo_sync_wait_ready (l->sync_fd, err) == 0)
    {
      holo_trace ("exec: process ready");
      return 0;
    }
  int status;
  if (holo_sync_is_closed (err) && holo_launch_wait_exit (l, &status))
    {
      holo_error_release (err);
      if (WIFSIGNALED (status))
        return holo_make_error (err, 0, "the process was killed by signal %d (%s) during its setup", WTERMSIG (status),
                                strsignal (WTERMSIG (status)));
      return holo_make_error (err, 0, "the process exited with status %d during its setup", WEXITSTATUS (status));
    }
  return holo_sync_is_closed (err) ? holo_error_prefix (err, "the process exited during its setup") : -1;
}

int
holo_container_exec (struct holo_context *ctx, const struct holo_exec_options *o, struct holo_created *out,
                     holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  cleanup_spec struct holo_spec *spec = NULL;
  out->pid = -1;
  out->console_master = -1;
  if (holo_container_open (ctx, o->id, 0, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  if (check_status (c.status, o->ignore_paused, err) < 0)
    return -1;
  if (holo_container_read_config (&c, &spec, err) < 0)
    return -1;
  holo_trace ("exec: state and config loaded");

  struct exec_process e = { 0 };
  char ns_paths[HOLO_NS_COUNT][64];
  struct holo_spec joined = *spec;
  cleanup_free char *cgroup = NULL;
  cleanup_close int console_sock = -1;
  cleanup_close int master_end = -1;
  struct holo_launch l = { .pid = -1, .sync_fd = -1 };
  cleanup_seccomp struct holo_seccomp *seccomp = NULL;
  cleanup_close int cgroup_fd = -1;
  int ret = -1;

  if ((o->process_file ? process_from_file (o->process_file, &e, err) : process_from_flags (spec, o, &e, err)) < 0)
    goto out;
  if (holo_lsm_prepare (&e.proc, err) < 0)
    goto out;
  join_init_namespaces (&joined, s->pid, ns_paths);
  cgroup = exec_cgroup (s, o, err);
  if (s->cgroup_path && cgroup == NULL)
    goto out;
  if (open_exec_console (o, e.proc.terminal, &console_sock, &master_end, err) < 0)
    goto out;
  /* The container's seccomp profile applies to exec'd processes too.  */
  if (holo_seccomp_compile (spec, ctx->root, &seccomp, err) < 0)
    goto out;
  holo_trace ("exec: seccomp compiled");
  if (seccomp && holo_seccomp_uses_listener (seccomp))
    {
      cleanup_free char *json = holo_state_to_json (s, c.status, false);
      holo_seccomp_set_state_json (seccomp, json);
      if (holo_seccomp_connect_listener (seccomp, err) < 0)
        goto out;
    }

  struct holo_init_config cfg = {
    .spec = &joined,
    .process = &e.proc,
    .id = o->id,
    .bundle = s->bundle,
    .rootfs = s->rootfs,
    .rootfs_fd = -1,
    .fifo_fd = -1,
    .console_sock = console_sock,
    .preserve_fds = o->preserve_fds,
    .close_in_child = -1,
    .no_new_keyring = true,
    .exec_mode = true,
    .seccomp = seccomp,
    .cgroup_fd = -1,
  };
  /* cgroup2: the process is born in the container's cgroup, unless it
     joins a cgroup namespace: whoever clones it (holo or stage1) is in it
     by then, and the kernel refuses a clone into a cgroup from outside the
     namespace (ENOENT), so the process is moved as before.  */
  if (cgroup && !spec->linux_.namespaces[HOLO_NS_CGROUP].present)
    cgroup_fd = holo_cgroup_clone_target (cgroup);
  cfg.cgroup_fd = cgroup_fd;
  if (spawn_exec (&cfg, cgroup, ctx->rootless, &l, err) < 0)
    {
      holo_launch_abort (&l);
      goto out;
    }
  close (l.sync_fd);
  if (o->pid_file && holo_write_pid_file (o->pid_file, l.pid, err) < 0)
    goto out;
  if (master_end >= 0 && (out->console_master = holo_recv_fd (master_end, err)) < 0)
    goto out;
  out->pid = l.pid;
  ret = 0;
out:
  exec_process_release (&e);
  return ret;
}
