#define _GNU_SOURCE
#include "chain.h"
#include "init.h"
#include "setup.h"
#include "sync.h"
#include "../libcontainer.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* struct clone_args from <linux/sched.h>, which clashes with <sched.h>.  */
struct holo_clone_args
{
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup; /* CLONE_INTO_CGROUP (Linux 5.7) */
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* fork()-like: the child continues on a copy of our stack.  clone3 first;
   where it fails with ENOSYS (kernels before 5.3, or a seccomp profile
   that answers it so, as Docker's and holo's own default ones do, for
   glibc to fall back) the same with clone.  The flags never include
   CLONE_NEWTIME, which only clone3 can pass (stage1 unshares it).  */
static pid_t
clone_with_flags (unsigned long flags)
{
  struct holo_clone_args args;
  memset (&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  fflush (NULL);
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, offsetof (struct holo_clone_args, set_tid));
  if (pid >= 0 || errno != ENOSYS)
    return pid;
  /* x86_64, arm64, ...: clone (flags, stack, parent_tid, child_tid, tls);
     a NULL stack means the caller's, copied.  */
  return (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

/* The container's process: into its cgroup2 directory when CGROUP_FD is
   one.  Refused (a kernel before 5.7, a cgroup that takes no process:
   EBUSY, EOPNOTSUPP...), the plain clone; holo_cgroup_enter then moves
   the process as before.  */
static pid_t
clone_process (unsigned long flags, int cgroup_fd)
{
  if (cgroup_fd >= 0)
    {
      struct holo_clone_args args;
      memset (&args, 0, sizeof args);
      args.flags = flags | CLONE_INTO_CGROUP;
      args.exit_signal = SIGCHLD;
      args.cgroup = (uint64_t) cgroup_fd;
      fflush (NULL);
      pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0)
        return pid;
      holo_log_debug ("clone3 with CLONE_INTO_CGROUP: %s; moving the process instead", strerror (errno));
    }
  return clone_with_flags (flags);
}

static _Noreturn void
child_fail (int sync_fd, holo_error_t *err)
{
  holo_sync_send_error (sync_fd, err);
  _exit (1);
}

/* A process that joins a container's namespaces is born into its pid
   namespace (exec's process, an init that joins a pod's): the container's
   processes see it from then until its execve, while it still holds
   holo's memory and descriptors, and with no more capabilities than
   theirs once it has dropped the others.  Non-dumpable, it cannot be
   ptraced and its /proc/PID/{fd,exe,root,mem} cannot be opened by them
   (CVE-2016-9962's class); execve makes the program dumpable again.  As
   runc does for a process that joins namespaces.  Not with a new user
   namespace: holo writes the init's id maps, which the /proc files of a
   non-dumpable process (owned by the host's root) would deny a rootless
   holo.  oom_score_adj is written first, for the same reason: in a joined
   user namespace, the process could no longer write its own.  */
static int
become_undumpable (const struct holo_init_config *cfg, holo_error_t *err)
{
  if (holo_ns_new_flags (cfg->spec) & CLONE_NEWUSER)
    return 0;
  if (holo_process_apply_oom_score_adj (cfg->process, err) < 0)
    return -1;
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "make the process non-dumpable");
  return 0;
}

/* stage1: joins namespaces, then creates the init.  */
static _Noreturn void
stage1_main (const struct holo_init_config *cfg, struct holo_ns_join *joins, int sync_fd)
{
  holo_error_t err = NULL;
  holo_sync_forward_logs (sync_fd);
  if (holo_ns_has_joins (joins) && become_undumpable (cfg, &err) < 0)
    child_fail (sync_fd, &err);
  if (holo_ns_enter_joins (joins, &err) < 0)
    child_fail (sync_fd, &err);
  if (holo_ns_is_new (cfg->spec, HOLO_NS_TIME) && holo_ns_setup_time (cfg->spec, &err) < 0)
    child_fail (sync_fd, &err);

  pid_t pid = clone_process (holo_ns_new_flags (cfg->spec), cfg->cgroup_fd);
  if (pid < 0)
    {
      holo_make_error (&err, errno, "clone the container init");
      child_fail (sync_fd, &err);
    }
  if (pid == 0)
    holo_init_main (cfg, sync_fd);
  holo_sync_send_pid (sync_fd, pid);
  _exit (0);
}

static bool
needs_stage1 (const struct holo_init_config *cfg, const struct holo_ns_join *joins)
{
  return holo_ns_has_joins (joins) || holo_ns_is_new (cfg->spec, HOLO_NS_TIME);
}

/* Joining around the clone: holo itself joins the namespaces, clones the
   process (born inside every one of them, as stage1's child is) and goes
   back to its own; no stage1 to fork, run and reap.  Only where holo can
   go back: nothing but namespaces to join (exec), no user namespace
   among them (it cannot be left), no time namespace, and holo in the
   initial user namespace.  Run inside one (rootless Podman runs its
   runtime so), holo may join the container's namespaces, which that user
   namespace owns, but not come back to its own, which belong to the host's
   (setns says EPERM).  */
struct ns_return
{
  int own[HOLO_NS_COUNT]; /* holo's namespaces, for each one joined */
  int root_fd;            /* holo's root and cwd: setns(mnt) resets them */
  int cwd_fd;
};

static bool
can_join_around_clone (const struct holo_init_config *cfg, const struct holo_ns_join *joins)
{
  return holo_ns_has_joins (joins) && joins->fds[HOLO_NS_USER] < 0 && joins->fds[HOLO_NS_TIME] < 0
         && holo_ns_new_flags (cfg->spec) == 0 && !holo_ns_is_new (cfg->spec, HOLO_NS_TIME)
         && !holo_ns_is_new (cfg->spec, HOLO_NS_CGROUP) && !holo_running_in_userns ();
}

static void
ns_return_close (struct ns_return *r)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (r->own[k] >= 0)
      close (r->own[k]);
  if (r->root_fd >= 0)
    close (r->root_fd);
  if (r->cwd_fd >= 0)
    close (r->cwd_fd);
}

/* Opens everything holo needs to come back: false when it cannot (then
   stage1 does the joining).  */
static bool
ns_return_open (const struct holo_ns_join *joins, struct ns_return *r)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    r->own[k] = -1;
  r->root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  r->cwd_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  bool ok = r->root_fd >= 0 && r->cwd_fd >= 0;
  for (int k = 0; ok && k < HOLO_NS_COUNT; k++)
    if (joins->fds[k] >= 0)
      {
        /* The pid namespace holo's children are born in (its own).  */
        cleanup_free char *path
            = holo_xasprintf ("/proc/self/ns/%s%s", holo_ns_proc_name (k), k == HOLO_NS_PID ? "_for_children" : "");
        r->own[k] = open (path, O_RDONLY | O_CLOEXEC);
        ok = r->own[k] >= 0;
      }
  if (!ok)
    ns_return_close (r);
  return ok;
}

/* Back into holo's own namespaces, root and cwd.  holo cannot go on in
   the container's (its next paths would be the container's to choose):
   when it cannot come back, it kills CHILD and exits.  */
static void
ns_return_go_back (struct ns_return *r, pid_t child)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (r->own[k] >= 0 && setns (r->own[k], holo_ns_clone_flag (k)) < 0)
      {
        holo_log_error ("cannot go back to holo's %s namespace: %s", holo_ns_proc_name (k), strerror (errno));
        if (child > 0)
          kill (child, SIGKILL);
        _exit (255);
      }
  bool moved = r->own[HOLO_NS_MOUNT] >= 0;
  if (moved && (fchdir (r->root_fd) < 0 || chroot (".") < 0 || fchdir (r->cwd_fd) < 0))
    {
      holo_log_error ("cannot go back to holo's root and directory: %s", strerror (errno));
      if (child > 0)
        kill (child, SIGKILL);
      _exit (255);
    }
  ns_return_close (r);
}

/* Joins, clones, comes back.  1: done; 0: holo may not join (the error is
   left to stage1, which tries the same from a child); -1: *ERR.  */
static int
spawn_joining_around_clone (const struct holo_init_config *cfg, struct holo_ns_join *joins, int child_end,
                            struct holo_launch *out, holo_error_t *err)
{
  struct ns_return r;
  if (!ns_return_open (joins, &r))
    return 0;
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (joins->fds[k] >= 0 && setns (joins->fds[k], holo_ns_clone_flag (k)) < 0)
      {
        holo_log_debug ("join %s namespace `%s` around the clone: %s; through stage1", holo_ns_proc_name (k),
                        joins->paths[k], strerror (errno));
        ns_return_go_back (&r, -1);
        return 0;
      }
  /* Born non-dumpable (see become_undumpable); holo itself only for the
     clone.  */
  int dumpable = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  pid_t pid = clone_process (0, cfg->cgroup_fd);
  int saved = errno;
  if (pid == 0)
    {
      ns_return_close (&r);
      close (out->sync_fd);
      holo_init_main (cfg, child_end);
    }
  if (dumpable > 0)
    prctl (PR_SET_DUMPABLE, dumpable, 0, 0, 0);
  ns_return_go_back (&r, pid);
  close (child_end);
  if (pid < 0)
    return holo_make_error (err, saved, "clone the container process");
  out->pid = pid;
  return 1;
}

static int
spawn_via_stage1 (const struct holo_init_config *cfg, struct holo_ns_join *joins, int child_end,
                  struct holo_launch *out, holo_error_t *err)
{
  /* Once stage1 exits, the init is reparented to us rather than to some
     other ancestor: holo_launch_wait_exit can then tell how it ended.  */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  pid_t stage1 = clone_with_flags (0);
  if (stage1 < 0)
    return holo_make_error (err, errno, "fork");
  if (stage1 == 0)
    {
      close (out->sync_fd);
      stage1_main (cfg, joins, child_end);
    }
  close (child_end);

  pid_t pid = -1;
  int ret = holo_sync_recv_pid (out->sync_fd, &pid, err);
  int status;
  while (waitpid (stage1, &status, 0) < 0 && errno == EINTR)
    ;
  if (ret < 0)
    return -1;
  out->pid = pid;
  return 0;
}

int
holo_launch_spawn (const struct holo_init_config *cfg, struct holo_ns_join *joins, struct holo_launch *out,
                   holo_error_t *err)
{
  int sv[2];
  out->pid = -1;
  out->sync_fd = -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return holo_make_error (err, errno, "socketpair");
  out->sync_fd = sv[0];

  if (can_join_around_clone (cfg, joins))
    {
      int done = spawn_joining_around_clone (cfg, joins, sv[1], out, err);
      if (done != 0)
        return done < 0 ? -1 : 0;
    }
  if (needs_stage1 (cfg, joins))
    return spawn_via_stage1 (cfg, joins, sv[1], out, err);

  pid_t pid = clone_process (holo_ns_new_flags (cfg->spec), cfg->cgroup_fd);
  if (pid < 0)
    {
      int saved = errno;
      close (sv[1]);
      return holo_make_error (err, saved, "clone the container init");
    }
  if (pid == 0)
    {
      close (sv[0]);
      holo_init_main (cfg, sv[1]);
    }
  close (sv[1]);
  out->pid = pid;
  return 0;
}

int
holo_launch_go (struct holo_launch *l, holo_error_t *err)
{
  return holo_sync_send_go (l->sync_fd, err);
}

void
holo_launch_abort (struct holo_launch *l)
{
  if (l->pid > 0)
    {
      kill (l->pid, SIGKILL);
      /* Reaps it when it is our child (fast path); otherwise init does.  */
      while (waitpid (l->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      l->pid = -1;
    }
  if (l->sync_fd >= 0)
    {
      close (l->sync_fd);
      l->sync_fd = -1;
    }
}

bool
holo_launch_wait_exit (struct holo_launch *l, int *status)
{
  /* The channel closes as the init's files go, a moment before it becomes
     a zombie: give it a second.  */
  for (int i = 0; i < 100 && l->pid > 0; i++)
    {
      pid_t w = waitpid (l->pid, status, WNOHANG);
      if (w == l->pid)
        {
          l->pid = -1;
          return true;
        }
      if (w < 0 && errno != EINTR)
        return false;
      usleep (10000);
    }
  return false;
}
