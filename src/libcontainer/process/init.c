/* The container init, top to bottom: everything between clone and execve. */
#define _GNU_SOURCE
#include "init.h"
#include "setup.h"
#include "sync.h"
#include "../hooks.h"
#include "../namespaces.h"
#include "../rootfs/rootfs.h"
#include "../security/capabilities.h"
#include "../security/lsm.h"
#include "../security/seccomp.h"
#include "../terminal.h"
#include "../trace.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

bool
holo_init_wants_hooks (const struct holo_spec *spec)
{
  const struct holo_hooks *h = &spec->hooks;
  /* The seccomp listener gets the state JSON along with the notify fd.  */
  return h->prestart.n || h->create_runtime.n || h->create_container.n || h->start_container.n
         || holo_seccomp_spec_uses_listener (spec);
}

/* Inside a new user namespace we start as the overflow ids: become root of
   the namespace so created files and mounts are owned by it.  The IPC
   namespace is created in between, as runc does, so its /dev/mqueue is
   owned by uid 0 and the overflow gid under both runtimes.  */
static int
become_userns_root (const struct holo_init_config *cfg, holo_error_t *err)
{
  if (setresuid (0, 0, 0) < 0)
    holo_log_debug ("uid 0 is not mapped in the user namespace");
  if (!cfg->exec_mode && holo_ns_ipc_after_userns (cfg->spec) && unshare (CLONE_NEWIPC) < 0)
    return holo_make_error (err, errno, "create ipc namespace");
  if (setresgid (0, 0, 0) < 0)
    holo_log_debug ("gid 0 is not mapped in the user namespace");
  return 0;
}

/* A new network namespace starts with "lo" down; runc brings it up.  */
static int
bring_up_loopback (holo_error_t *err)
{
  cleanup_close int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return holo_make_error (err, errno, "socket for the loopback interface");
  struct ifreq ifr;
  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    return holo_make_error (err, errno, "get the flags of lo");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    return holo_make_error (err, errno, "bring up lo");
  return 0;
}

static int
set_hostname (const struct holo_spec *spec, holo_error_t *err)
{
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return holo_make_error (err, errno, "sethostname `%s`", spec->hostname);
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return holo_make_error (err, errno, "setdomainname `%s`", spec->domainname);
  return 0;
}

/* Asks holo to run the hooks that run in the runtime namespace and gets
   back two state JSONs ("creating", then "created") in one buffer for the
   hooks we run ourselves: *CREATING owns it, *CREATED points into it.  */
static int
sync_runtime_hooks (int sync_fd, char **creating, const char **created, holo_error_t *err)
{
  if (holo_sync_send (sync_fd, HOLO_SYNC_HOOKS, NULL, 0, err) < 0)
    return -1;
  if (holo_sync_expect (sync_fd, HOLO_SYNC_HOOKS_DONE, creating, err) < 0)
    return -1;
  *created = *creating + strlen (*creating) + 1;
  return 0;
}

static int
join_session_keyring (const char *id)
{
  cleanup_free char *name = holo_xasprintf ("_ses.%s", id);
  /* Not fatal: keyrings may be unavailable (ENOSYS) or restricted.  */
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0)
    holo_log_debug ("join session keyring: %s", strerror (errno));
  return 0;
}

/* Second line of defence for CVE-2024-21626: a cwd that resolved outside
   the container's root (e.g. through a leaked fd) has no path from it.  */
static int
check_cwd_inside (const char *cwd, holo_error_t *err)
{
  char buf[4096];
  if (getcwd (buf, sizeof buf) == NULL && errno == ENOENT)
    return holo_make_error (err, 0, "cwd `%s` is outside the container's root", cwd);
  if (getcwd (buf, sizeof buf) != NULL && buf[0] != '/')
    return holo_make_error (err, 0, "cwd `%s` is outside the container's root", cwd);
  return 0;
}

/* A missing cwd is created for the container's init (as runc does), not
   for `exec`.  */
static int
enter_cwd (const struct holo_process *p, bool create, holo_error_t *err)
{
  const char *cwd = p->cwd ? p->cwd : "/";
  if (chdir (cwd) == 0)
    return check_cwd_inside (cwd, err);
  if (create && errno == ENOENT && holo_mkdir_p (cwd, 0755, NULL) == 0 && chdir (cwd) == 0)
    return 0;
  return holo_make_error (err, errno, "chdir to cwd `%s` set in config.json", cwd);
}

/* setgroups(2) is denied in a user namespace whose setgroups file says so. */
static bool
setgroups_allowed (void)
{
  cleanup_free char *buf = NULL;
  if (holo_read_file ("/proc/self/setgroups", &buf, NULL, NULL) < 0)
    return true;
  return strncmp (buf, "deny", 4) != 0;
}

/* HOME from the container's /etc/passwd (parsed by hand: NSS would load
   libraries from the container image into this privileged process).  */
static char *
home_for_uid (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (f && getline (&line, &cap, f) > 0)
    {
      char *fields[7] = { 0 };
      char *save = NULL, *s = line;
      int i = 0;
      for (char *tok; i < 7 && (tok = strsep (&s, ":")); i++)
        fields[i] = tok;
      (void) save;
      if (i < 6 || fields[2] == NULL || (uid_t) strtoul (fields[2], NULL, 10) != uid)
        continue;
      return holo_xstrdup (fields[5]);
    }
  return holo_xstrdup ("/");
}

static bool
env_has (char **env, const char *name)
{
  size_t n = strlen (name);
  for (char **e = env; e && *e; e++)
    if (strncmp (*e, name, n) == 0 && (*e)[n] == '=')
      return true;
  return false;
}

static char **
build_environment (const struct holo_init_config *cfg)
{
  const struct holo_process *p = cfg->process;
  size_t n = holo_strv_len (p->env), extra = holo_strv_len (cfg->extra_env);
  char **env = holo_xmalloc ((n + extra + 2) * sizeof (char *));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    env[k++] = holo_xstrdup (p->env[i]);
  for (size_t i = 0; i < extra; i++)
    env[k++] = holo_xstrdup (cfg->extra_env[i]);
  if (!env_has (env, "HOME"))
    {
      cleanup_free char *home = home_for_uid (p->uid);
      env[k++] = holo_xasprintf ("HOME=%s", home);
    }
  return env;
}

static int
apply_process_attributes (const struct holo_process *p, const struct holo_spec *spec, holo_error_t *err)
{
  if (p->has_oom_score_adj && holo_process_apply_oom_score_adj (p, err) < 0)
    return -1;
  if (holo_process_apply_rlimits (p, err) < 0)
    return -1;
  if (spec->linux_.has_personality && holo_process_apply_personality (&spec->linux_, err) < 0)
    return -1;
  if (p->has_io_priority && holo_process_apply_io_priority (p, err) < 0)
    return -1;
  if (p->has_scheduler && holo_process_apply_scheduler (p, err) < 0)
    return -1;
  return 0;
}

/* Last privileged steps: bounding set, user, capabilities, umask, NNP.  */
static int
drop_privileges (const struct holo_process *p, holo_error_t *err)
{
  bool groups_allowed = setgroups_allowed ();
  if (holo_caps_drop_bounding (&p->caps, err) < 0)
    return -1;
  if (!groups_allowed && p->n_additional_gids > 0)
    return holo_make_error (err, 0,
                            "process.user.additionalGids: setgroups is denied in this user namespace "
                            "(rootless with only your own gid mapped)");
  if (holo_process_apply_user (p, groups_allowed, err) < 0)
    return -1;
  if (holo_caps_apply (&p->caps, err) < 0)
    return -1;
  umask (p->has_umask ? p->umask : 0022);
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "set no_new_privs");
  return 0;
}

/* Blocks until `holo start` writes to the fifo.  The fifo was opened
   O_RDWR (which never blocks), so the read below waits for that byte.  */
static int
wait_for_start (int fifo_fd, holo_error_t *err)
{
  char c;
  ssize_t r;
  do
    r = read (fifo_fd, &c, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1)
    return holo_make_error (err, r < 0 ? errno : 0, "wait for start on the exec fifo");
  return 0;
}

/* Tells `start` the process is being exec'd (startContainer hooks passed):
   a byte left in the fifo, which start reads once our close-on-exec end
   goes away.  No byte there means the init died before the exec.  */
static void
ack_start (int fifo_fd)
{
  if (fifo_fd >= 0)
    holo_write_all (fifo_fd, "1", 1);
}

static int
pass_preserved_fds (int n, holo_error_t *err)
{
  for (int fd = 3; fd < 3 + n; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags < 0)
        continue; /* runc tolerates holes in the preserved range */
      if (fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        return holo_make_error (err, errno, "preserve fd %d", fd);
    }
  return 0;
}

struct init_result
{
  char *executable;
  char **env;
  int fifo_fd;
  char *creating_json;    /* owns both strings */
  const char *state_json; /* "created": startContainer, seccomp listener */
};

/* A missing process.cwd is created (as runc does) before the root can
   turn read-only; resolved inside the rootfs like every other path.  */
static int
create_cwd (const struct holo_init_config *cfg, int root_fd, holo_error_t *err)
{
  const char *cwd = cfg->process->cwd;
  if (cwd == NULL || strcmp (cwd, "/") == 0)
    return 0;
  cleanup_close int dir_fd = holo_mkdir_in_root (root_fd, cwd, err);
  if (dir_fd < 0)
    return holo_error_prefix (err, "create cwd `%s` set in config.json", cwd);
  return 0;
}

/* Builds the container's root: mounts, hostname, the hooks around
   pivot_root, masked/readonly paths.  `exec` joins an existing one instead. */
static int
prepare_root (const struct holo_init_config *cfg, int sync_fd, const struct holo_rootfs_options *ro,
              struct init_result *res, holo_error_t *err)
{
  const struct holo_spec *spec = cfg->spec;
  if (chdir (cfg->bundle) < 0)
    return holo_make_error (err, errno, "chdir to bundle `%s`", cfg->bundle);
  if (holo_rootfs_prepare (spec, ro, err) < 0)
    return -1;
  holo_trace ("init: mounts done");
  if (set_hostname (spec, err) < 0)
    return -1;
  if (holo_ns_is_new (spec, HOLO_NS_NETWORK) && bring_up_loopback (err) < 0)
    return -1;
  if (holo_init_wants_hooks (spec) && sync_runtime_hooks (sync_fd, &res->creating_json, &res->state_json, err) < 0)
    return -1;
  if (holo_hooks_run (&spec->hooks.create_container, "createContainer", res->creating_json, err) < 0)
    return -1;
  if (create_cwd (cfg, ro->root_fd, err) < 0)
    return -1;
  holo_trace ("init: before pivot_root");
  if (holo_rootfs_pivot (spec, ro, cfg->no_pivot, err) < 0)
    return -1;
  /* The root is "/" now: drop the descriptor (it may be the host's).  */
  close (ro->root_fd);
  /* sysctls first: readonlyPaths usually covers /proc/sys.  */
  if (holo_apply_sysctl (spec, err) < 0)
    return -1;
  return holo_rootfs_finalize (spec, ro, err);
}

/* Everything up to READY: any failure here is reported to holo.  */
static int
setup_container (const struct holo_init_config *cfg, int sync_fd, struct init_result *res, holo_error_t *err)
{
  const struct holo_spec *spec = cfg->spec;
  const struct holo_process *p = cfg->process;
  struct holo_rootfs_options ro = {
    .rootfs = cfg->rootfs,
    .root_fd = cfg->rootfs_fd,
    .root_is_tree = cfg->rootfs_is_tree,
    .in_new_userns = spec->linux_.namespaces[HOLO_NS_USER].present,
    .has_mount_ns = spec->linux_.namespaces[HOLO_NS_MOUNT].present,
    .idmap_fds = cfg->idmap_fds,
  };

  if (holo_cloexec_fds_from (3 + cfg->preserve_fds, err) < 0)
    return -1;
  if (holo_sync_expect (sync_fd, HOLO_SYNC_GO, NULL, err) < 0)
    return -1;
  holo_trace ("init: go");
  if (ro.in_new_userns && become_userns_root (cfg, err) < 0)
    return -1;
  /* Host paths, for a cgroup that has to be bind-mounted (rootfs).  */
  cleanup_free char *cgroup_file = NULL;
  if (holo_read_file ("/proc/self/cgroup", &cgroup_file, NULL, NULL) == 0)
    ro.cgroup_file = cgroup_file;
  /* holo has put us into the container's cgroup by now: it becomes the
     root of the new cgroup namespace (/proc/self/cgroup reads "0::/").  */
  if (!cfg->exec_mode && holo_ns_is_new (spec, HOLO_NS_CGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    return holo_make_error (err, errno, "create cgroup namespace");
  if (!cfg->exec_mode && prepare_root (cfg, sync_fd, &ro, res, err) < 0)
    return -1;
  if (p->terminal && cfg->console_sock >= 0
      && holo_terminal_setup_in_container (cfg->console_sock, p->has_console_size, p->console_height, p->console_width,
                                           !cfg->exec_mode, err)
             < 0)
    return -1;
  /* The terminal belongs to the process's user (the group stays devpts's
     "tty"), as with runc.  */
  if (p->terminal && cfg->console_sock >= 0 && fchown (STDIN_FILENO, p->uid, (gid_t) -1) < 0 && errno != EINVAL)
    return holo_make_error (err, errno, "chown the terminal to uid %u", (unsigned) p->uid);
  if (apply_process_attributes (p, spec, err) < 0)
    return -1;
  if (!cfg->exec_mode && !cfg->no_new_keyring)
    join_session_keyring (cfg->id);
  if (enter_cwd (p, !cfg->exec_mode, err) < 0)
    return -1;
  res->env = build_environment (cfg);
  if (holo_lsm_apply_exec_labels (p, err) < 0)
    return -1;
  /* The seccomp filter goes in as late as possible, so that the runtime's
     own syscalls need not be in the profile: right before execve.  Without
     no_new_privs, though, installing a filter needs CAP_SYS_ADMIN, which
     drop_privileges takes away: then it goes in here, the last moment the
     init still has it (runc does the same).  What the init does after
     this (setuid, capset, sending READY, reading the fifo, startContainer
     hooks, execve) must then be allowed by the profile.  */
  if (cfg->seccomp && !p->no_new_privileges && holo_seccomp_load (cfg->seccomp, res->state_json, err) < 0)
    return -1;
  if (drop_privileges (p, err) < 0)
    return -1;
  /* Resolve args[0] with the final credentials and the container's PATH, so
     a missing executable fails `create` as with runc.  */
  res->executable = holo_process_find_executable (p, err);
  if (res->executable == NULL)
    return -1;
  return 0;
}

/* CVE-2024-21626 class: until it execs, the init holds whatever holo held
   (state directory, log file, fds the caller leaked to holo).  Close-on-exec
   is not enough: a process joining the container could reach them through
   /proc/<init>/fd, and a cwd of /proc/self/fd/N would resolve to the host.
   Keep stdio, the preserved fds and the ones the setup needs; close the
   rest now.  */
static int
compare_fds (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

static void
close_unneeded_fds (const struct holo_init_config *cfg, int sync_fd)
{
  size_t n_mounts = cfg->idmap_fds ? cfg->spec->n_mounts : 0;
  size_t cap = 8 + n_mounts, n = 0;
  cleanup_free int *keep = holo_xmalloc (cap * sizeof (int));
  int candidates[]
      = { sync_fd, cfg->console_sock, cfg->fifo_fd, holo_seccomp_listener_fd (cfg->seccomp), cfg->rootfs_fd };
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
    if (candidates[i] >= 3 + cfg->preserve_fds)
      keep[n++] = candidates[i];
  for (size_t i = 0; i < n_mounts; i++)
    if (cfg->idmap_fds[i] >= 3 + cfg->preserve_fds)
      keep[n++] = cfg->idmap_fds[i];
  qsort (keep, n, sizeof (int), compare_fds);
  unsigned int from = 3 + (unsigned int) cfg->preserve_fds;
  for (size_t i = 0; i < n; i++)
    {
      if ((unsigned int) keep[i] > from)
        syscall (SYS_close_range, from, (unsigned int) keep[i] - 1, 0);
      from = (unsigned int) keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
  holo_log_detach_file ();
}

_Noreturn void
holo_init_main (const struct holo_init_config *cfg, int sync_fd)
{
  holo_error_t err = NULL;
  struct init_result res = { .fifo_fd = cfg->fifo_fd };

  holo_trace ("init: cloned");
  if (cfg->close_in_child >= 0)
    close (cfg->close_in_child);
  close_unneeded_fds (cfg, sync_fd);
  /* Dispositions and mask are inherited across execve: start clean.  */
  sigset_t all;
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  /* A session of its own, as with runc (the terminal code then only sets
     the controlling tty): CRIU cannot dump a process whose session leader
     is outside its pid namespace.  */
  setsid ();

  if (setup_container (cfg, sync_fd, &res, &err) < 0)
    {
      holo_sync_send (sync_fd, HOLO_SYNC_ERROR, err->msg, strlen (err->msg), NULL);
      _exit (1);
    }
  if (holo_sync_send (sync_fd, HOLO_SYNC_READY, NULL, 0, &err) < 0)
    _exit (1);
  close (sync_fd);

  /* From here on errors go to the container's stderr: holo has returned. */
  if (res.fifo_fd >= 0 && wait_for_start (res.fifo_fd, &err) < 0)
    goto fail;
  if (holo_hooks_run (&cfg->spec->hooks.start_container, "startContainer", res.state_json, &err) < 0)
    goto fail;
  if (pass_preserved_fds (cfg->preserve_fds, &err) < 0)
    goto fail;
  ack_start (res.fifo_fd);
  if (cfg->seccomp && cfg->process->no_new_privileges && holo_seccomp_load (cfg->seccomp, res.state_json, &err) < 0)
    goto fail;
  execve (res.executable, cfg->process->args, res.env);
  holo_make_error (&err, errno, "exec `%s`", res.executable);
fail:
  dprintf (STDERR_FILENO, "holo: %s\n", err->msg);
  _exit (127);
}
