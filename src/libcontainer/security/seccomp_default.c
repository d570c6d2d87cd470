/* The seccomp profile `holo spec` writes: an allow-list, everything else
   fails with EPERM, in the spirit of the profile container engines ship
   (moby's default.json), written for holo's template.

   Simplifications, because `holo spec` writes one static document for the
   template's capability set (CAP_AUDIT_WRITE, CAP_KILL,
   CAP_NET_BIND_SERVICE) where engines rebuild the profile per container:
   - the capability-conditional parts are resolved for that set: nothing
     that needs CAP_SYS_ADMIN, CAP_SYS_TIME, CAP_SYS_MODULE, CAP_SYS_BOOT,
     CAP_SYS_RAWIO, CAP_SYS_PACCT, CAP_SYS_NICE (mbind...), CAP_SYSLOG,
     CAP_BPF or CAP_PERFMON is allowed: no mount, unshare, setns, chroot,
     reboot, bpf, perf_event_open, *_module, acct, iopl, settimeofday;
     clone is allowed only without namespace flags, and clone3 (whose flags
     seccomp cannot see) fails with ENOSYS so libc falls back to clone;
   - ptrace and process_vm_* are allowed (kernels >= 4.8 check seccomp
     after ptrace, which made them safe; holo needs a newer kernel anyway);
   - io_uring is not allowed (it bypasses seccomp for the I/O it queues);
   - socket(2) is allowed for every address family except AF_ALG and
     AF_VSOCK (kernel crypto API, host/guest sockets);
   - personality(2) only for the values libc and `setarch` use.
   Names unknown to the running libseccomp are skipped at create time, so
   the list can name syscalls of newer kernels.  Someone who gives the
   container more capabilities should widen the profile accordingly.  */
#define _GNU_SOURCE
#include "seccomp.h"
#include "../json.h"
#include "../utils.h"

#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

/* Grouped by what they are for, several to a line.  */
/* clang-format off */
static const char *const allowed_syscalls[] = {
  /* files and directories */
  "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod", "fchmodat", "fchmodat2",
  "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32", "creat", "open", "openat", "openat2",
  "close", "close_range", "dup", "dup2", "dup3", "fcntl", "fcntl64", "flock", "link", "linkat", "symlink",
  "symlinkat", "readlink", "readlinkat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat",
  "mknod", "mknodat", "rmdir", "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat",
  "statx", "statfs", "statfs64", "fstatfs", "fstatfs64", "getdents", "getdents64", "truncate", "truncate64",
  "ftruncate", "ftruncate64", "fallocate", "fadvise64", "fadvise64_64", "umask", "utime", "utimes", "utimensat",
  "utimensat_time64", "futimesat", "name_to_handle_at", "sync", "syncfs", "fsync", "fdatasync", "sync_file_range",
  "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
  /* extended attributes */
  "getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
  "listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr", "lremovexattr", "fremovexattr",
  "removexattrat",
  /* reading, writing, waiting on fds */
  "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2", "lseek",
  "_llseek", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "readahead", "cachestat",
  "ioctl", "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
  "io_pgetevents_time64", "pipe", "pipe2", "eventfd", "eventfd2", "select", "_newselect", "pselect6",
  "pselect6_time64", "poll", "ppoll", "ppoll_time64", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
  "epoll_wait", "epoll_wait_old", "epoll_pwait", "epoll_pwait2", "signalfd", "signalfd4", "timerfd_create",
  "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "memfd_create",
  /* memory */
  "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock", "mlock2",
  "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect",
  "map_shadow_stack", "mseal", "memfd_secret",
  /* processes and threads */
  "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid", "getpid", "getppid",
  "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "getpriority", "setpriority", "prctl",
  "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall", "sched_yield",
  "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr", "sched_getparam", "sched_setparam",
  "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
  "sched_rr_get_interval", "sched_rr_get_interval_time64", "getrlimit", "setrlimit", "prlimit64", "ugetrlimit",
  "getrusage", "times", "getcpu", "ioprio_get", "ioprio_set", "pidfd_open", "pidfd_send_signal", "process_mrelease",
  "capget", "capset", "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "ptrace",
  "process_vm_readv", "process_vm_writev", "get_thread_area", "set_thread_area",
  /* user and group ids */
  "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32", "getresuid",
  "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid", "setuid32", "setgid", "setgid32",
  "setreuid", "setreuid32", "setregid", "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32",
  "setgroups", "setgroups32", "setfsuid", "setfsuid32", "setfsgid", "setfsgid32",
  /* signals and timers */
  "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
  "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "sigreturn",
  "sigprocmask", "pause", "alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_settime",
  "timer_settime64", "timer_gettime", "timer_gettime64", "timer_getoverrun",
  /* clocks (reading; adjtimex without CAP_SYS_TIME can only read) */
  "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64", "clock_nanosleep",
  "clock_nanosleep_time64", "nanosleep", "gettimeofday", "time", "adjtimex", "clock_adjtime", "clock_adjtime64",
  /* futexes */
  "futex", "futex_time64", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue",
  /* System V and POSIX IPC */
  "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semtimedop_time64", "semctl",
  "shmget", "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64",
  "mq_timedreceive", "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
  /* sockets (socket(2) itself is below) */
  "socketpair", "socketcall", "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
  "getsockopt", "setsockopt", "send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg",
  "recvmmsg_time64", "shutdown",
  /* the system */
  "uname", "sysinfo", "getrandom",
  NULL,
};
/* clang-format on */

static const char *const x86_syscalls[] = { "arch_prctl", "modify_ldt", NULL };
static const char *const arm_syscalls[]
    = { "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls", NULL };

/* personality(2) values allowed: PER_LINUX, PER_LINUX32, UNAME26 with each,
   and the query 0xffffffff.  */
static const unsigned long long personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

#define NAMESPACE_CLONE_FLAGS                                                                                          \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* {"index": I, "value": V, "op": OP} */
static void
gen_arg (yajl_gen g, int index, unsigned long long value, const char *op)
{
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%llu", value);

  yajl_gen_map_open (g);
  holo_json_key_int (g, "index", index);
  holo_json_str (g, "value");
  yajl_gen_number (g, buf, (size_t) len);
  holo_json_key_str (g, "op", op);
  yajl_gen_map_close (g);
}

/* {"names": [NAME], "action": "SCMP_ACT_ALLOW", "args": [one condition]} */
static void
gen_allow_if (yajl_gen g, const char *name, int index, unsigned long long value, const char *op)
{
  yajl_gen_map_open (g);
  holo_json_str (g, "names");
  yajl_gen_array_open (g);
  holo_json_str (g, name);
  yajl_gen_array_close (g);
  holo_json_key_str (g, "action", "SCMP_ACT_ALLOW");
  holo_json_str (g, "args");
  yajl_gen_array_open (g);
  gen_arg (g, index, value, op);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

static void
gen_names (yajl_gen g, const char *const *v)
{
  for (; v && *v; v++)
    holo_json_str (g, *v);
}

static void
gen_architectures (yajl_gen g, uint32_t native)
{
  static const char *const x86_64[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
  static const char *const aarch64[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
  static const char *const s390x[] = { "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL };
  const char *const *v = native == SCMP_ARCH_X86_64    ? x86_64
                         : native == SCMP_ARCH_AARCH64 ? aarch64
                         : native == SCMP_ARCH_S390X   ? s390x
                                                       : NULL;

  /* Elsewhere only the native architecture, which every filter has.  */
  if (v == NULL)
    return;
  holo_json_str (g, "architectures");
  yajl_gen_array_open (g);
  gen_names (g, v);
  yajl_gen_array_close (g);
}

static void
gen_allow_list (yajl_gen g, uint32_t native)
{
  yajl_gen_map_open (g);
  holo_json_str (g, "names");
  yajl_gen_array_open (g);
  gen_names (g, allowed_syscalls);
  if (native == SCMP_ARCH_X86_64 || native == SCMP_ARCH_X86 || native == SCMP_ARCH_X32)
    gen_names (g, x86_syscalls);
  if (native == SCMP_ARCH_AARCH64 || native == SCMP_ARCH_ARM)
    gen_names (g, arm_syscalls);
  yajl_gen_array_close (g);
  holo_json_key_str (g, "action", "SCMP_ACT_ALLOW");
  yajl_gen_map_close (g);
}

static void
gen_conditional_rules (yajl_gen g, uint32_t native)
{
  /* s390 passes the clone flags as the second argument.  */
  int clone_flags_arg = (native == SCMP_ARCH_S390X || native == SCMP_ARCH_S390) ? 1 : 0;

  for (size_t i = 0; i < sizeof personalities / sizeof personalities[0]; i++)
    gen_allow_if (g, "personality", 0, personalities[i], "SCMP_CMP_EQ");
  /* One rule per range: two conditions on one argument would be ORed.  */
  gen_allow_if (g, "socket", 0, AF_ALG, "SCMP_CMP_LT");
  gen_allow_if (g, "socket", 0, AF_ALG + 1, "SCMP_CMP_EQ");
  gen_allow_if (g, "socket", 0, AF_VSOCK + 1, "SCMP_CMP_GE");
  /* clone without namespace flags: (flags & NAMESPACE_CLONE_FLAGS) == 0 */
  yajl_gen_map_open (g);
  holo_json_str (g, "names");
  yajl_gen_array_open (g);
  holo_json_str (g, "clone");
  yajl_gen_array_close (g);
  holo_json_key_str (g, "action", "SCMP_ACT_ALLOW");
  holo_json_str (g, "args");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  holo_json_key_int (g, "index", clone_flags_arg);
  holo_json_key_int (g, "value", NAMESPACE_CLONE_FLAGS);
  holo_json_key_int (g, "valueTwo", 0);
  holo_json_key_str (g, "op", "SCMP_CMP_MASKED_EQ");
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  /* clone3's flags are behind a pointer: make libc fall back to clone.  */
  yajl_gen_map_open (g);
  holo_json_str (g, "names");
  yajl_gen_array_open (g);
  holo_json_str (g, "clone3");
  yajl_gen_array_close (g);
  holo_json_key_str (g, "action", "SCMP_ACT_ERRNO");
  holo_json_key_int (g, "errnoRet", ENOSYS);
  yajl_gen_map_close (g);
}

void
holo_seccomp_gen_default_profile (yajl_gen g)
{
  uint32_t native = seccomp_arch_native ();

  yajl_gen_map_open (g);
  holo_json_key_str (g, "defaultAction", "SCMP_ACT_ERRNO");
  holo_json_key_int (g, "defaultErrnoRet", EPERM);
  gen_architectures (g, native);
  holo_json_str (g, "syscalls");
  yajl_gen_array_open (g);
  gen_allow_list (g, native);
  gen_conditional_rules (g, native);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}
