/* holo-check: a static helper that runs INSIDE a test container and prints
   exactly one fact per subcommand, in a stable format the integration tests
   (the .bats files in tests/integration/) assert on.  It must not depend on anything in
   the rootfs: it is linked with -static and uses only syscalls and /proc.

   Usage: holo-check SUBCOMMAND [ARGS...]    (run "holo-check help")

   Exit status: 0 on success, 1 when the fact is "no" (e.g. a write failed,
   a variable is unset), 2 on a usage error.  Errors are printed on stdout
   as "ERRNO_NAME: text" so a test sees them in $output with the result.  */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define USAGE_ERROR 2

static int
fail_errno (const char *what)
{
  int e = errno;
  const char *name = strerrorname_np (e);
  printf ("%s: %s: %s\n", name ? name : "E?", what, strerror (e));
  return 1;
}

/* Prints the whole of a small file (for /proc entries).  */
static int
print_file (const char *path)
{
  char buf[4096];
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail_errno (path);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    fwrite (buf, 1, n, stdout);
  close (fd);
  return n < 0 ? fail_errno (path) : 0;
}

/* Reads the first line of a small file into BUF, without the newline.  */
static int
read_line (const char *path, char *buf, size_t size)
{
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, size - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return 0;
}

/* The value of FIELD ("CapEff", "NoNewPrivs", ...) in /proc/self/status.  */
static int
status_field (const char *field, char *out, size_t size)
{
  char *line = NULL;
  size_t n = 0, len = strlen (field);
  FILE *f = fopen ("/proc/self/status", "re");
  if (f == NULL)
    return -1;
  while (getline (&line, &n, f) > 0)
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        char *v = line + len + 1;
        v += strspn (v, " \t");
        v[strcspn (v, "\n")] = '\0';
        snprintf (out, size, "%s", v);
        free (line);
        fclose (f);
        return 0;
      }
  free (line);
  fclose (f);
  errno = ENOENT;
  return -1;
}

static int
cmd_ids (void)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);
  if (n < 0)
    return fail_errno ("getgroups");
  printf ("uid=%u gid=%u euid=%u egid=%u groups=", getuid (), getgid (), geteuid (), getegid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", groups[i]);
  printf ("\n");
  return 0;
}

static int
cmd_caps (void)
{
  static const char *const sets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    {
      char v[64];
      if (status_field (sets[i], v, sizeof v) < 0)
        return fail_errno (sets[i]);
      printf ("%s: %s\n", sets[i], v);
    }
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },           { "CORE", RLIMIT_CORE },         { "CPU", RLIMIT_CPU },
  { "DATA", RLIMIT_DATA },       { "FSIZE", RLIMIT_FSIZE },       { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
  { "NOFILE", RLIMIT_NOFILE },   { "NPROC", RLIMIT_NPROC },       { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO },   { "RTTIME", RLIMIT_RTTIME },     { "SIGPENDING", RLIMIT_SIGPENDING },
  { "STACK", RLIMIT_STACK },
};

static void
print_limit (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long) v);
}

static int
print_rlimit (const char *name, int resource, int with_name)
{
  struct rlimit rl;
  if (getrlimit (resource, &rl) < 0)
    return fail_errno ("getrlimit");
  if (with_name)
    printf ("RLIMIT_%s ", name);
  print_limit (rl.rlim_cur);
  printf (" ");
  print_limit (rl.rlim_max);
  printf ("\n");
  return 0;
}

/* "rlimit NOFILE" or "rlimit RLIMIT_NOFILE" prints "SOFT HARD";
   "rlimits" prints every limit as "RLIMIT_X SOFT HARD".  */
static int
cmd_rlimit (const char *name)
{
  if (strncmp (name, "RLIMIT_", 7) == 0)
    name += 7;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcasecmp (name, rlimits[i].name) == 0)
      return print_rlimit (rlimits[i].name, rlimits[i].resource, 0);
  fprintf (stderr, "holo-check: unknown rlimit %s\n", name);
  return USAGE_ERROR;
}

static int
cmd_rlimits (void)
{
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (print_rlimit (rlimits[i].name, rlimits[i].resource, 1) != 0)
      return 1;
  return 0;
}

static int
cmd_uname (int domain)
{
  struct utsname u;
  if (uname (&u) < 0)
    return fail_errno ("uname");
  printf ("%s\n", domain ? u.domainname : u.nodename);
  return 0;
}

static int
cmd_cwd (void)
{
  char buf[PATH_MAX];
  if (getcwd (buf, sizeof buf) == NULL)
    return fail_errno ("getcwd");
  printf ("%s\n", buf);
  return 0;
}

static int
cmd_env (const char *name)
{
  const char *v = getenv (name);
  if (v == NULL)
    {
      printf ("%s: unset\n", name);
      return 1;
    }
  printf ("%s\n", v);
  return 0;
}

static int
cmd_umask (void)
{
  mode_t m = umask (0);
  umask (m);
  printf ("%04o\n", (unsigned) m);
  return 0;
}

static int
cmd_nnp (void)
{
  int r = prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (r < 0)
    return fail_errno ("PR_GET_NO_NEW_PRIVS");
  printf ("%d\n", r);
  return 0;
}

static int
cmd_status (const char *field)
{
  char v[512];
  if (status_field (field, v, sizeof v) < 0)
    return fail_errno (field);
  printf ("%s\n", v);
  return 0;
}

/* Undoes mountinfo's octal escapes (\040 for a space, ...) in place.  */
static void
unescape (char *s)
{
  char *w = s;
  for (char *r = s; *r; r++)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7')
        {
          *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
          r += 3;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
}

struct mount_line
{
  char *dest;
  char *opts; /* per-mount options: rw,nosuid,... */
  char *fstype;
  char *source;
  char *super; /* superblock options */
};

/* Splits one /proc/self/mountinfo line in place.  Format:
   ID PARENT MAJ:MIN ROOT DEST OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER  */
static int
parse_mount_line (char *line, struct mount_line *m)
{
  char *fields[64];
  int n = 0, dash = -1;
  char *save = NULL;
  line[strcspn (line, "\n")] = '\0';
  for (char *tok = strtok_r (line, " ", &save); tok && n < 64; tok = strtok_r (NULL, " ", &save))
    {
      if (dash < 0 && n >= 6 && strcmp (tok, "-") == 0)
        dash = n;
      fields[n++] = tok;
    }
  if (dash < 0 || n < dash + 4)
    return -1;
  m->dest = fields[4];
  m->opts = fields[5];
  m->fstype = fields[dash + 1];
  m->source = fields[dash + 2];
  m->super = fields[dash + 3];
  unescape (m->dest);
  unescape (m->source);
  return 0;
}

/* "mountinfo DEST": the topmost mount on DEST as
   "fstype=T opts=O super=S source=SRC"; exit 1 if nothing is mounted there.
   "mountinfo": every mount as "DEST FSTYPE OPTS", in mount order (used to
   compare two runtimes, so it leaves out sources and sizes).  */
static int
cmd_mountinfo (const char *dest)
{
  char *line = NULL, found[8192] = "";
  size_t n = 0;
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return fail_errno ("/proc/self/mountinfo");
  /* getline: lines (overlay's lowerdir lists) can be long.  */
  while (getline (&line, &n, f) > 0)
    {
      struct mount_line m;
      if (parse_mount_line (line, &m) < 0)
        continue;
      if (dest == NULL)
        printf ("%s %s %s\n", m.dest, m.fstype, m.opts);
      else if (strcmp (m.dest, dest) == 0)
        snprintf (found, sizeof found, "fstype=%s opts=%s super=%s source=%s", m.fstype, m.opts, m.super, m.source);
    }
  free (line);
  fclose (f);
  if (dest == NULL)
    return 0;
  if (found[0] == '\0')
    {
      printf ("%s: not a mount point\n", dest);
      return 1;
    }
  printf ("%s\n", found);
  return 0;
}

static char
file_type (mode_t m)
{
  switch (m & S_IFMT)
    {
    case S_IFREG:
      return 'f';
    case S_IFDIR:
      return 'd';
    case S_IFLNK:
      return 'l';
    case S_IFCHR:
      return 'c';
    case S_IFBLK:
      return 'b';
    case S_IFIFO:
      return 'p';
    case S_IFSOCK:
      return 's';
    default:
      return '?';
    }
}

/* "stat PATH" (lstat): "type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0".  */
static int
cmd_stat (const char *path)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return fail_errno (path);
  printf ("type=%c mode=%04o uid=%u gid=%u major=%u minor=%u size=%lld\n", file_type (st.st_mode),
          (unsigned) (st.st_mode & 07777), st.st_uid, st.st_gid, major (st.st_rdev), minor (st.st_rdev),
          (long long) st.st_size);
  return 0;
}

static int
cmd_readlink (const char *path)
{
  char buf[PATH_MAX];
  ssize_t n = readlink (path, buf, sizeof buf - 1);
  if (n < 0)
    return fail_errno (path);
  buf[n] = '\0';
  printf ("%s\n", buf);
  return 0;
}

/* "write PATH [DATA]": opens PATH for writing (creating it 0644 if absent,
   never truncating) and writes DATA if given.  Prints "ok" or the error.  */
static int
cmd_write (const char *path, const char *data)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail_errno (path);
  if (data && write (fd, data, strlen (data)) < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return fail_errno (path);
    }
  if (close (fd) < 0)
    return fail_errno (path);
  printf ("ok\n");
  return 0;
}

/* "read PATH": exit 0 and print the size read if PATH can be read.  */
static int
cmd_read (const char *path)
{
  char buf[4096];
  long long total = 0;
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return fail_errno (path);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    total += n;
  close (fd);
  if (n < 0)
    return fail_errno (path);
  printf ("read %lld bytes\n", total);
  return 0;
}

/* "fds": every open descriptor other than 0, 1, 2 (and the directory handle
   used to list them) as "N -> TARGET"; prints nothing when there are none.  */
static int
cmd_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  if (d == NULL)
    return fail_errno ("/proc/self/fd");
  while ((de = readdir (d)))
    {
      char path[64], target[PATH_MAX];
      ssize_t n;
      int fd;
      if (de->d_name[0] == '.')
        continue;
      fd = atoi (de->d_name);
      if (fd <= 2 || fd == dirfd (d))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      n = readlink (path, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      printf ("%d -> %s\n", fd, target);
    }
  closedir (d);
  return 0;
}

static int
cmd_ns (const char *type)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/ns/%s", type);
  return cmd_readlink (path);
}

static int
cmd_personality (void)
{
  struct utsname u;
  int p = personality (0xffffffff);
  if (p < 0)
    return fail_errno ("personality");
  if (uname (&u) < 0)
    return fail_errno ("uname");
  printf ("personality=0x%x machine=%s\n", (unsigned) p, u.machine);
  return 0;
}

/* ioprio_get(IOPRIO_WHO_PROCESS, 0): "class=IOPRIO_CLASS_BE priority=4".  */
static int
cmd_ioprio (void)
{
  static const char *const classes[]
      = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
  long r = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  int cls;
  if (r < 0)
    return fail_errno ("ioprio_get");
  cls = (int) (r >> 13);
  printf ("class=%s priority=%ld\n", cls < 4 ? classes[cls] : "?", r & 0x1fff);
  return 0;
}

/* The kernel's struct sched_attr (glibc 2.36 has no wrapper).  */
struct holo_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static int
cmd_sched (void)
{
  static const char *const policies[]
      = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };
  struct holo_sched_attr a;
  memset (&a, 0, sizeof a);
  if (syscall (SYS_sched_getattr, 0, &a, sizeof a, 0) < 0)
    return fail_errno ("sched_getattr");
  printf ("policy=%s nice=%d priority=%u flags=0x%llx runtime=%llu deadline=%llu period=%llu\n",
          a.sched_policy < 7 ? policies[a.sched_policy] : "?", a.sched_nice, a.sched_priority,
          (unsigned long long) a.sched_flags, (unsigned long long) a.sched_runtime,
          (unsigned long long) a.sched_deadline, (unsigned long long) a.sched_period);
  return 0;
}

static int
cmd_sysctl (const char *key)
{
  char path[PATH_MAX], value[4096];
  snprintf (path, sizeof path, "/proc/sys/%s", key);
  for (char *p = path + strlen ("/proc/sys/"); *p; p++)
    if (*p == '.')
      *p = '/';
  if (read_line (path, value, sizeof value) < 0)
    return fail_errno (path);
  printf ("%s\n", value);
  return 0;
}

/* "tty": "N: TTYNAME" or "N: not a tty" for fds 0, 1, 2.  */
static int
cmd_tty (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      const char *name = isatty (fd) ? ttyname (fd) : NULL;
      if (name)
        printf ("%d: %s\n", fd, name);
      else if (isatty (fd))
        printf ("%d: tty (no name)\n", fd);
      else
        printf ("%d: not a tty\n", fd);
    }
  return 0;
}

/* "clock": CLOCK_MONOTONIC and CLOCK_BOOTTIME in whole seconds (what a
   time namespace offsets).  */
static int
cmd_clock (void)
{
  struct timespec mono, boot;
  if (clock_gettime (CLOCK_MONOTONIC, &mono) < 0 || clock_gettime (CLOCK_BOOTTIME, &boot) < 0)
    return fail_errno ("clock_gettime");
  printf ("monotonic=%lld boottime=%lld\n", (long long) mono.tv_sec, (long long) boot.tv_sec);
  return 0;
}

static int
cmd_pid (void)
{
  printf ("%d\n", (int) getpid ());
  return 0;
}

/* "signal-exit [SIGNUM]": dies by a signal.  Without SIGNUM (or with 11)
   it takes a real SIGSEGV from a bad memory access: a fault is delivered
   even to the init of a pid namespace, which ignores signals it sends
   itself (kill(getpid(), SIGKILL) as pid 1 does nothing).  With another
   SIGNUM it kills itself, which only works when it is not a pid-ns init;
   if it survives it says so and exits 125 so a test cannot mistake it.  */
static int
cmd_signal_exit (const char *num)
{
  int sig = num ? atoi (num) : SIGSEGV;
  if (sig <= 0 || sig >= 65)
    {
      fprintf (stderr, "holo-check: signal-exit takes a signal number\n");
      return USAGE_ERROR;
    }
  fflush (stdout);
  signal (sig, SIG_DFL);
  if (sig == SIGSEGV)
    {
      /* An address the compiler cannot see is NULL, so it emits a real load.  */
      volatile int *bad = (volatile int *) (uintptr_t) strtoul ("0", NULL, 10);
      return *bad;
    }
  kill (getpid (), sig);
  printf ("holo-check: still alive after signal %d (pid %d)\n", sig, (int) getpid ());
  return 125;
}

static int
cmd_sleep (const char *secs)
{
  struct timespec ts = { atoi (secs), 0 };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return 0;
}

/* "reopen-exe PID": the CVE-2019-5736 attack on a runtime process visible
   in the container (a created container's init, a runtime exec helper):
   keep /proc/PID/exe open while PID still runs the runtime, wait (up to
   30 s) until PID has exec'd something else, then reopen the kept file for
   writing and write back its first byte (so a successful attack changes no
   content).  Prints "held", then "ok" when the runtime's binary took the
   write (the attack worked) or the error.  */
static int
cmd_reopen_exe (const char *pid)
{
  char path[64], self[64];
  struct stat held, now;
  unsigned char first;
  snprintf (path, sizeof path, "/proc/%s/exe", pid);
  int fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &held) < 0)
    return fail_errno (path);
  printf ("held\n");
  fflush (stdout);
  for (int i = 0; i < 3000; i++)
    {
      if (stat (path, &now) < 0 || now.st_dev != held.st_dev || now.st_ino != held.st_ino)
        break;
      usleep (10000);
    }
  snprintf (self, sizeof self, "/proc/self/fd/%d", fd);
  int r = open (self, O_RDONLY | O_CLOEXEC);
  if (r < 0 || pread (r, &first, 1, 0) != 1)
    return fail_errno (self);
  close (r);
  int w = open (self, O_WRONLY | O_CLOEXEC);
  if (w < 0)
    return fail_errno (self);
  if (pwrite (w, &first, 1, 0) != 1)
    return fail_errno (self);
  close (w);
  printf ("ok\n");
  return 0;
}

static int
cmd_loop (void)
{
  for (;;)
    pause ();
  return 0;
}

/* "wait-file PATH [SECS]": waits until PATH exists (default 10 s).  */
static int
cmd_wait_file (const char *path, const char *secs)
{
  int tenths = (secs ? atoi (secs) : 10) * 10;
  for (int i = 0; i < tenths; i++)
    {
      if (access (path, F_OK) == 0)
        return 0;
      usleep (100000);
    }
  printf ("%s: timed out\n", path);
  return 1;
}

/* "watch-newborn PATH SECS [exe]": for SECS seconds, as fast as it can, looks
   at each process about to be born in this pid namespace (the pids after
   ns_last_pid) for what the container must not reach through it:
   - PATH under its root directory (/proc/PID/root): a root outside the
     container's, a host path the container cannot see otherwise;
   - with "exe", its executable (/proc/PID/exe) while it is not this
     program: the runtime before its execve, open to ptrace (its memory,
     its fds).  Not for a watcher with CAP_SYS_PTRACE, which may.
   Both need ptrace access; the tests exec this very program.  "PID: what"
   and exit 1 at the first; "clean (N checks)" and 0 when none.  */
static int
cmd_watch_newborn (const char *path, const char *secs, const char *mode)
{
  bool check_exe = mode != NULL && strcmp (mode, "exe") == 0;
  time_t end = time (NULL) + atoi (secs);
  char buf[32], probe[PATH_MAX], self[PATH_MAX], exe[PATH_MAX];
  long checks = 0;

  ssize_t len = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (len < 0)
    return fail_errno ("readlink /proc/self/exe");
  self[len] = '\0';
  while (time (NULL) < end)
    {
      int fd = open ("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return fail_errno ("/proc/sys/kernel/ns_last_pid");
      ssize_t n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n <= 0)
        return fail_errno ("read ns_last_pid");
      buf[n] = '\0';
      long last = atol (buf);
      for (long pid = last; pid <= last + 2; pid++)
        {
          checks++;
          snprintf (probe, sizeof probe, "/proc/%ld/root%s", pid, path);
          if (access (probe, F_OK) == 0)
            {
              printf ("%ld: root has %s\n", pid, path);
              return 1;
            }
          if (!check_exe)
            continue;
          snprintf (probe, sizeof probe, "/proc/%ld/exe", pid);
          ssize_t m = readlink (probe, exe, sizeof exe - 1);
          if (m >= 0)
            {
              exe[m] = '\0';
              if (strcmp (exe, self) != 0)
                {
                  printf ("%ld: exe %s readable\n", pid, exe);
                  return 1;
                }
            }
        }
    }
  printf ("clean (%ld checks)\n", checks);
  return 0;
}

/* "all": the facts two runtimes given the same bundle must agree on, for
   compare.bats.  Left out on purpose: anything with inode numbers or pids
   of the host (ns, fds, cgroup), and mount sources/sizes.  */
static int
cmd_all (void)
{
  int r = 0;
  printf ("[ids] ");
  r |= cmd_ids ();
  printf ("[hostname] ");
  r |= cmd_uname (0);
  printf ("[domainname] ");
  r |= cmd_uname (1);
  printf ("[cwd] ");
  r |= cmd_cwd ();
  printf ("[umask] ");
  r |= cmd_umask ();
  printf ("[nnp] ");
  r |= cmd_nnp ();
  printf ("[pid] ");
  r |= cmd_pid ();
  printf ("[personality] ");
  r |= cmd_personality ();
  printf ("[oom_score_adj] ");
  r |= print_file ("/proc/self/oom_score_adj");
  printf ("[Seccomp] ");
  r |= cmd_status ("Seccomp");
  printf ("[caps]\n");
  r |= cmd_caps ();
  printf ("[rlimits]\n");
  r |= cmd_rlimits ();
  printf ("[tty]\n");
  r |= cmd_tty ();
  printf ("[fds]\n");
  r |= cmd_fds ();
  printf ("[mounts]\n");
  r |= cmd_mountinfo (NULL);
  return r ? 1 : 0;
}

/* sd_notify(3) by hand: MESSAGE as one datagram to $NOTIFY_SOCKET (a path,
   or "@name" in the abstract namespace).  */
static int
cmd_notify (const char *message)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  if (path == NULL || *path == '\0')
    {
      fprintf (stderr, "holo-check: NOTIFY_SOCKET is not set\n");
      return 1;
    }
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t len = strlen (path);
  if (len >= sizeof sa.sun_path)
    {
      fprintf (stderr, "holo-check: NOTIFY_SOCKET is too long\n");
      return 1;
    }
  memcpy (sa.sun_path, path, len);
  if (path[0] == '@')
    sa.sun_path[0] = '\0';
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0
      || sendto (fd, message, strlen (message), 0, (struct sockaddr *) &sa,
                 (socklen_t) (offsetof (struct sockaddr_un, sun_path) + len))
             < 0)
    {
      fprintf (stderr, "holo-check: notify %s: %s\n", path, strerror (errno));
      return 1;
    }
  close (fd);
  printf ("sent\n");
  return 0;
}

static void
usage (FILE *out)
{
  fprintf (out, "usage: holo-check SUBCOMMAND [ARGS]\n"
                "  ids | caps | rlimit NAME | rlimits | hostname | domainname | cwd | env NAME\n"
                "  umask | nnp | oom | status FIELD | mountinfo [DEST] | stat PATH | readlink PATH\n"
                "  write PATH [DATA] | read PATH | cat PATH | fds | pid | ppid | ns TYPE | personality\n"
                "  ioprio | sched | sysctl KEY | tty | clock | cgroup | exe | reopen-exe PID | all\n"
                "  exit N | sleep N | loop | signal-exit [SIGNUM] | wait-file PATH [SECS]\n"
                "  watch-newborn PATH SECS [exe]\n"
                "  notify MESSAGE | help\n");
}

#define NEED(n)                                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      if (argc < 2 + (n))                                                                                              \
        {                                                                                                              \
          usage (stderr);                                                                                              \
          return USAGE_ERROR;                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static int
dispatch (int argc, char **argv)
{
  const char *c = argv[1];
  const char *a1 = argc > 2 ? argv[2] : NULL;
  const char *a2 = argc > 3 ? argv[3] : NULL;

  if (!strcmp (c, "ids"))
    return cmd_ids ();
  if (!strcmp (c, "caps"))
    return cmd_caps ();
  if (!strcmp (c, "rlimit"))
    {
      NEED (1);
      return cmd_rlimit (a1);
    }
  if (!strcmp (c, "rlimits"))
    return cmd_rlimits ();
  if (!strcmp (c, "hostname"))
    return cmd_uname (0);
  if (!strcmp (c, "domainname"))
    return cmd_uname (1);
  if (!strcmp (c, "cwd"))
    return cmd_cwd ();
  if (!strcmp (c, "env"))
    {
      NEED (1);
      return cmd_env (a1);
    }
  if (!strcmp (c, "umask"))
    return cmd_umask ();
  if (!strcmp (c, "nnp"))
    return cmd_nnp ();
  if (!strcmp (c, "oom"))
    return print_file ("/proc/self/oom_score_adj");
  if (!strcmp (c, "status"))
    {
      NEED (1);
      return cmd_status (a1);
    }
  if (!strcmp (c, "mountinfo"))
    return cmd_mountinfo (a1);
  if (!strcmp (c, "stat"))
    {
      NEED (1);
      return cmd_stat (a1);
    }
  if (!strcmp (c, "readlink"))
    {
      NEED (1);
      return cmd_readlink (a1);
    }
  if (!strcmp (c, "write"))
    {
      NEED (1);
      return cmd_write (a1, a2);
    }
  if (!strcmp (c, "read"))
    {
      NEED (1);
      return cmd_read (a1);
    }
  if (!strcmp (c, "cat"))
    {
      NEED (1);
      return print_file (a1);
    }
  if (!strcmp (c, "fds"))
    return cmd_fds ();
  if (!strcmp (c, "pid"))
    return cmd_pid ();
  if (!strcmp (c, "ppid"))
    {
      printf ("%d\n", (int) getppid ());
      return 0;
    }
  if (!strcmp (c, "ns"))
    {
      NEED (1);
      return cmd_ns (a1);
    }
  if (!strcmp (c, "personality"))
    return cmd_personality ();
  if (!strcmp (c, "ioprio"))
    return cmd_ioprio ();
  if (!strcmp (c, "sched"))
    return cmd_sched ();
  if (!strcmp (c, "sysctl"))
    {
      NEED (1);
      return cmd_sysctl (a1);
    }
  if (!strcmp (c, "tty"))
    return cmd_tty ();
  if (!strcmp (c, "clock"))
    return cmd_clock ();
  if (!strcmp (c, "cgroup"))
    return print_file ("/proc/self/cgroup");
  if (!strcmp (c, "exe"))
    return cmd_readlink ("/proc/self/exe");
  if (!strcmp (c, "all"))
    return cmd_all ();
  if (!strcmp (c, "exit"))
    {
      NEED (1);
      return atoi (a1);
    }
  if (!strcmp (c, "sleep"))
    {
      NEED (1);
      return cmd_sleep (a1);
    }
  if (!strcmp (c, "loop"))
    return cmd_loop ();
  if (!strcmp (c, "reopen-exe"))
    {
      NEED (1);
      return cmd_reopen_exe (a1);
    }
  if (!strcmp (c, "signal-exit"))
    return cmd_signal_exit (a1);
  if (!strcmp (c, "wait-file"))
    {
      NEED (1);
      return cmd_wait_file (a1, a2);
    }
  if (!strcmp (c, "watch-newborn"))
    {
      NEED (2);
      return cmd_watch_newborn (a1, a2, argc > 4 ? argv[4] : NULL);
    }
  if (!strcmp (c, "notify"))
    {
      NEED (1);
      return cmd_notify (a1);
    }
  if (!strcmp (c, "help"))
    {
      usage (stdout);
      return 0;
    }
  fprintf (stderr, "holo-check: unknown subcommand %s\n", c);
  usage (stderr);
  return USAGE_ERROR;
}

int
main (int argc, char **argv)
{
  int r;
  if (argc < 2)
    {
      usage (stderr);
      return USAGE_ERROR;
    }
  r = dispatch (argc, argv);
  fflush (stdout);
  return r;
}
