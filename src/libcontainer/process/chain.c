#define _GNU_SOURCE
#include "chain.h"
#include "init.h"
#include "sync.h"
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

/* stage1: joins namespaces, then creates the init.  */
static _Noreturn void
stage1_main (const struct holo_init_config *cfg, struct holo_ns_join *joins, int sync_fd)
{
  holo_error_t err = NULL;
  holo_sync_forward_logs (sync_fd);
  /* In a cgroup namespace, the kernel refuses a clone into a cgroup from
     outside it (ENOENT, as holo's cgroup is): the process is moved.  */
  int cgroup_fd = joins->fds[HOLO_NS_CGROUP] >= 0 ? -1 : cfg->cgroup_fd;
  if (holo_ns_enter_joins (joins, &err) < 0)
    child_fail (sync_fd, &err);
  if (holo_ns_is_new (cfg->spec, HOLO_NS_TIME) && holo_ns_setup_time (cfg->spec, &err) < 0)
    child_fail (sync_fd, &err);

  pid_t pid = clone_process (holo_ns_new_flags (cfg->spec), cgroup_fd);
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

/* Whether the init can be cloned by holo itself, joining the namespaces
   it must join once it runs.  Not with a new time namespace (unshared
   before the first process enters it).  Nor when the clone creates
   namespaces that must belong to a joined user namespace, or a new user
   namespace that leaves the child no capability over the host's
   namespaces it must join: there stage1 joins first, then clones.  */
static bool
can_clone_directly (const struct holo_init_config *cfg, const struct holo_ns_join *joins)
{
  if (holo_ns_is_new (cfg->spec, HOLO_NS_TIME))
    return false;
  if (!holo_ns_has_joins (joins))
    return true;
  unsigned long new_flags = holo_ns_new_flags (cfg->spec);
  bool user_involved = joins->fds[HOLO_NS_USER] >= 0 || (new_flags & CLONE_NEWUSER);
  return !(user_involved && new_flags != 0);
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

/* A pid namespace is one a process can only be born into.  setns() on one
   changes where our children are born, not our own: holo joins the
   container's for the one clone and goes back to the namespace its
   children were born in (a later fork of holo's, as foreground's proxy,
   must not land in the container).  Returns the fd to go back with, -2
   when there is no pid namespace to join, -1 when holo may not join it
   (rootless: no CAP_SYS_ADMIN in our own user namespace; stage1 joins the
   user namespace first, and then may).  */
static int
join_pid_ns_for_children (struct holo_ns_join *joins)
{
  if (joins->fds[HOLO_NS_PID] < 0)
    return -2;
  int own = open ("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
  if (own < 0)
    return -1;
  if (setns (joins->fds[HOLO_NS_PID], CLONE_NEWPID) < 0)
    {
      holo_log_debug ("join pid namespace `%s` for the clone: %s; through stage1", joins->paths[HOLO_NS_PID],
                      strerror (errno));
      close (own);
      return -1;
    }
  return own;
}

static int
leave_pid_ns_for_children (int own, holo_error_t *err)
{
  if (own < 0)
    return 0;
  int ret = setns (own, CLONE_NEWPID);
  int saved = errno;
  close (own);
  if (ret < 0)
    return holo_make_error (err, saved, "go back to holo's pid namespace");
  return 0;
}

/* The init (or exec's process) in the namespaces it joins: born in the
   pid one, it joins the others before anything else, user first.  */
static _Noreturn void
direct_child_main (const struct holo_init_config *cfg, struct holo_ns_join *joins, int sync_fd)
{
  holo_error_t err = NULL;
  holo_sync_forward_logs (sync_fd);
  if (joins->fds[HOLO_NS_PID] >= 0)
    {
      close (joins->fds[HOLO_NS_PID]);
      joins->fds[HOLO_NS_PID] = -1;
    }
  if (holo_ns_enter_joins (joins, &err) < 0)
    child_fail (sync_fd, &err);
  holo_init_main (cfg, sync_fd);
}

static int
spawn_directly (const struct holo_init_config *cfg, struct holo_ns_join *joins, int own_pid_ns, int child_end,
                struct holo_launch *out, holo_error_t *err)
{
  pid_t pid = clone_process (holo_ns_new_flags (cfg->spec), cfg->cgroup_fd);
  int saved = errno;
  if (pid == 0)
    {
      if (own_pid_ns >= 0)
        close (own_pid_ns);
      close (out->sync_fd);
      direct_child_main (cfg, joins, child_end);
    }
  close (child_end);
  if (pid > 0)
    out->pid = pid;
  if (leave_pid_ns_for_children (own_pid_ns, err) < 0)
    return -1;
  if (pid < 0)
    return holo_make_error (err, saved, "clone the container init");
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

  int own_pid_ns = -2;
  if (can_clone_directly (cfg, joins) && (own_pid_ns = join_pid_ns_for_children (joins)) != -1)
    return spawn_directly (cfg, joins, own_pid_ns, sv[1], out, err);
  return spawn_via_stage1 (cfg, joins, sv[1], out, err);
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
