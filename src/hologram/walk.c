/* What the walk (uor.c) and the content hashing (hash.c) both use:
   opening beneath the root without following symlinks, and the
   verification deadline.  */
#define _GNU_SOURCE
#include "uor_walk.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int
holo_uor_open_beneath (int root_fd, const char *rel, int flags)
{
  if (*rel == '\0')
    return openat (root_fd, ".", flags | O_CLOEXEC);
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int) syscall (SYS_openat2, root_fd, rel, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
    return fd;
  /* No openat2 (or a seccomp filter refusing it): one component at a time. */
  cleanup_free char *copy = holo_xstrdup (rel);
  int cur = -1;
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      bool last = save == NULL || *save == '\0';
      int next = openat (cur < 0 ? root_fd : cur, c,
                         last ? flags | O_CLOEXEC | O_NOFOLLOW : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;
      if (cur >= 0)
        close (cur);
      if (next < 0)
        {
          errno = saved;
          return -1;
        }
      cur = next;
    }
  return cur;
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool
holo_uor_late (const struct uor_walk *w)
{
  return w->deadline_ns > 0 && now_ns () > w->deadline_ns;
}

int
holo_uor_deadline_error (const struct uor_walk *w, const char *where, holo_error_t *err)
{
  return holo_make_error (err, ETIMEDOUT,
                          "the verification deadline passed after %zu entries and %llu bytes read (at `./%s`)",
                          w->n_entries, (unsigned long long) w->stats.bytes_read, where);
}

int64_t
holo_uor_deadline_ns (long ms)
{
  return now_ns () + (int64_t) ms * 1000000LL;
}
