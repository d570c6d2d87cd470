#define _GNU_SOURCE
#include "chain.h"
#include "init.h"
#include "sync.h"
#include "../utils.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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

/* fork()-like clone3: the child continues on a copy of our stack.  */
static pid_t
clone_with_flags (unsigned long flags)
{
  struct holo_clone_args args;
  memset (&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  fflush (NULL);
  return (pid_t) syscall (SYS_clone3, &args, offsetof (struct holo_clone_args, set_tid));
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
  const char *msg = (err && *err) ? (*err)->msg : "unknown error";
  holo_sync_send (sync_fd, HOLO_SYNC_ERROR, msg, strlen (msg), NULL);
  _exit (1);
}

/* stage1: joins namespaces, then creates the init.  */
static _Noreturn void
stage1_main (const struct holo_init_config *cfg, struct holo_ns_join *joins, int sync_fd)
{
  holo_error_t err = NULL;
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
  int32_t p = pid;
  holo_sync_send (sync_fd, HOLO_SYNC_PID, &p, sizeof p, NULL);
  _exit (0);
}

static bool
needs_stage1 (const struct holo_init_config *cfg, const struct holo_ns_join *joins)
{
  return holo_ns_has_joins (joins) || holo_ns_is_new (cfg->spec, HOLO_NS_TIME);
}

static int
spawn_via_stage1 (const struct holo_init_config *cfg, struct holo_ns_join *joins, int child_end,
                  struct holo_launch *out, holo_error_t *err)
{
  pid_t stage1 = clone_with_flags (0);
  if (stage1 < 0)
    return holo_make_error (err, errno, "fork");
  if (stage1 == 0)
    {
      close (out->sync_fd);
      stage1_main (cfg, joins, child_end);
    }
  close (child_end);

  cleanup_free char *payload = NULL;
  int ret = holo_sync_expect (out->sync_fd, HOLO_SYNC_PID, &payload, err);
  int status;
  while (waitpid (stage1, &status, 0) < 0 && errno == EINTR)
    ;
  if (ret < 0)
    return -1;
  int32_t p;
  memcpy (&p, payload, sizeof p);
  out->pid = p;
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
  return holo_sync_send (l->sync_fd, HOLO_SYNC_GO, NULL, 0, err);
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
