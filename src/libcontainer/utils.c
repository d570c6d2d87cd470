#define _GNU_SOURCE
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <limits.h>
#include <linux/close_range.h>

int
holo_read_file_at (int dirfd, const char *path, char **out, size_t *len, holo_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", path);

  size_t cap = 4096, used = 0;
  cleanup_free char *buf = holo_xmalloc (cap);
  for (;;)
    {
      if (used + 1 >= cap)
        {
          cap *= 2;
          buf = holo_xrealloc (buf, cap);
        }
      ssize_t r = read (fd, buf + used, cap - used - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return holo_make_error (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      used += (size_t) r;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
holo_read_file (const char *path, char **out, size_t *len, holo_error_t *err)
{
  return holo_read_file_at (AT_FDCWD, path, out, len, err);
}

ssize_t
holo_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = write (fd, p + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      done += (size_t) r;
    }
  return (ssize_t) done;
}

ssize_t
holo_read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = read (fd, p + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += (size_t) r;
    }
  return (ssize_t) done;
}

int
holo_write_file_at (int dirfd, const char *path, const void *data, size_t len, holo_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s` for writing", path);
  if (holo_write_all (fd, data, len) < 0)
    return holo_make_error (err, errno, "write `%s`", path);
  return 0;
}

int
holo_write_file (const char *path, const void *data, size_t len, holo_error_t *err)
{
  return holo_write_file_at (AT_FDCWD, path, data, len, err);
}

int
holo_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, holo_error_t *err)
{
  cleanup_free char *tmp = holo_xasprintf (".%s.tmp", name);
  if (holo_write_file_at (dirfd, tmp, data, len, err) < 0)
    return -1;
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return holo_make_error (err, saved, "rename `%s`", name);
    }
  return 0;
}

int
holo_mkdir_p (const char *path, mode_t mode, holo_error_t *err)
{
  cleanup_free char *p = holo_xstrdup (path);
  for (char *s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return holo_make_error (err, errno, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s`", p);
  return 0;
}

int
holo_proc_stat (pid_t pid, unsigned long long *starttime, char *state)
{
  char path[64];
  cleanup_free char *buf = NULL;
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  if (holo_read_file (path, &buf, NULL, NULL) < 0)
    return -1;
  /* comm may contain spaces and ')': fields start after the last ')'.  */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  if (state)
    *state = *p;
  /* p now points at field 3 (state); starttime is field 22.  */
  for (int field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  if (starttime)
    *starttime = strtoull (p, NULL, 10);
  return 0;
}

int
holo_parse_signal (const char *s)
{
  static const struct
  {
    const char *name;
    int num;
  } names[] = {
    { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },     { "TRAP", SIGTRAP },
    { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },   { "FPE", SIGFPE },     { "KILL", SIGKILL },
    { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
    { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU },
    { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
    { "POLL", SIGPOLL }, { "PWR", SIGPWR },       { "SYS", SIGSYS },
  };
  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit ((unsigned char) *s))
    {
      char *end;
      errno = 0;
      long v = strtol (s, &end, 10);
      if (errno || *end || v <= 0 || v > SIGRTMAX)
        return -1;
      return (int) v;
    }
  const char *n = s;
  if (strncasecmp (n, "SIG", 3) == 0)
    n += 3;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp (n, names[i].name) == 0)
      return names[i].num;
  /* RTMIN, RTMIN+N, RTMAX-N */
  if (strncasecmp (n, "RTMIN", 5) == 0 || strncasecmp (n, "RTMAX", 5) == 0)
    {
      bool min = strncasecmp (n, "RTMIN", 5) == 0;
      int base = min ? SIGRTMIN : SIGRTMAX;
      const char *rest = n + 5;
      if (*rest == '\0')
        return base;
      if ((min && *rest != '+') || (!min && *rest != '-'))
        return -1;
      char *end;
      long off = strtol (rest + 1, &end, 10);
      if (*end || off < 0)
        return -1;
      int v = min ? base + (int) off : base - (int) off;
      return (v >= SIGRTMIN && v <= SIGRTMAX) ? v : -1;
    }
  return -1;
}

char *
holo_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return holo_xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}

int
holo_send_fd (int sock, int fd, holo_error_t *err)
{
  char data = 0;
  struct iovec iov = { .iov_base = &data, .iov_len = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  memset (&u, 0, sizeof u);
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  ssize_t r;
  do
    r = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "send fd over socket");
  return 0;
}

int
holo_recv_fd (int sock, holo_error_t *err)
{
  char data;
  struct iovec iov = { .iov_base = &data, .iov_len = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  do
    r = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "receive fd from socket");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (r == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    return holo_make_error (err, 0, "no fd received from socket");
  int fd;
  memcpy (&fd, CMSG_DATA (c), sizeof (int));
  return fd;
}

void
holo_close_fds_from (int first)
{
  if (syscall (SYS_close_range, first, ~0U, 0) == 0)
    return;
  for (int fd = first; fd < 65536; fd++)
    close (fd);
}

int
holo_cloexec_fds_from (int first, holo_error_t *err)
{
  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  cleanup_dir DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return holo_make_error (err, errno, "open /proc/self/fd");
  struct dirent *de;
  int self = dirfd (d);
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (de->d_name[0] == '.' || fd < first || fd == self)
        continue;
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && !(flags & FD_CLOEXEC))
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
  return 0;
}

/* The pid file is replaced atomically (engines poll for it).  */
int
holo_write_pid_file (const char *path, pid_t pid, holo_error_t *err)
{
  cleanup_free char *abs = path[0] == '/' ? holo_xstrdup (path) : NULL;
  if (abs == NULL)
    {
      char cwd[PATH_MAX];
      if (getcwd (cwd, sizeof cwd) == NULL)
        return holo_make_error (err, errno, "getcwd");
      abs = holo_xasprintf ("%s/%s", cwd, path);
    }
  cleanup_free char *dir = holo_xstrdup (abs);
  char *slash = strrchr (dir, '/');
  cleanup_free char *name = holo_xstrdup (slash + 1);
  *slash = '\0';
  cleanup_close int dfd = open (*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return holo_make_error (err, errno, "open directory of pid file `%s`", path);
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", pid);
  if (holo_write_file_atomic_at (dfd, name, buf, (size_t) len, err) < 0)
    return holo_error_prefix (err, "write pid file");
  return 0;
}

char *
holo_clean_path (const char *path)
{
  size_t len = strlen (path);
  char *out = holo_xmalloc (len + 2);
  size_t o = 0;
  const char *p = path;

  out[o++] = '/';
  while (*p)
    {
      const char *end;
      size_t n;

      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      end = strchrnul (p, '/');
      n = (size_t) (end - p);
      if (n == 1 && p[0] == '.')
        ;
      else if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          /* Drop the last component, never going above "/".  */
          while (o > 1 && out[o - 1] != '/')
            o--;
          if (o > 1)
            o--;
        }
      else
        {
          if (o > 1)
            out[o++] = '/';
          memcpy (out + o, p, n);
          o += n;
        }
      p = end;
    }
  out[o] = '\0';
  return out;
}
