/* OOM notification for `events`.
   - v1: an eventfd registered through cgroup.event_control on
     memory.oom_control counts OOM situations; it is also signalled when the
     cgroup is removed, which the missing directory tells apart.
   - v2: memory.events carries an "oom" counter and is modified (inotify
     IN_MODIFY) when it moves.  */
#define _GNU_SOURCE
#include "resources.h"
#include "cgroups.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

struct holo_oom_watch
{
  int fd;    /* eventfd (v1) or inotify fd (v2) */
  char *dir; /* the memory cgroup directory */
  bool v2;
  uint64_t count; /* v2: last "oom" value seen */
};

void
holo_cgroup_oom_free (struct holo_oom_watch *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  free (w->dir);
  free (w);
}

int
holo_cgroup_oom_fd (const struct holo_oom_watch *w)
{
  return w->fd;
}

static int
watch_v1 (struct holo_oom_watch *w, holo_error_t *err)
{
  cleanup_free char *control = holo_xasprintf ("%s/memory.oom_control", w->dir);
  cleanup_close int control_fd = open (control, O_RDONLY | O_CLOEXEC);
  if (control_fd < 0)
    return holo_make_error (err, errno, "open `%s`", control);
  w->fd = eventfd (0, EFD_CLOEXEC);
  if (w->fd < 0)
    return holo_make_error (err, errno, "eventfd");
  return holo_cg_writef (w->dir, "cgroup.event_control", err, "%d %d", w->fd, control_fd);
}

static int
watch_v2 (struct holo_oom_watch *w, holo_error_t *err)
{
  cleanup_free char *events = holo_xasprintf ("%s/memory.events", w->dir);
  w->fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (w->fd < 0)
    return holo_make_error (err, errno, "inotify_init1");
  if (inotify_add_watch (w->fd, events, IN_MODIFY) < 0)
    return holo_make_error (err, errno, "watch `%s`", events);
  holo_cg_read_keyed (w->dir, "memory.events", "oom", &w->count);
  return 0;
}

int
holo_cgroup_oom_watch (const char *path, struct holo_oom_watch **out, holo_error_t *err)
{
  struct holo_oom_watch *w = holo_xmalloc (sizeof *w);
  w->fd = -1;
  w->v2 = holo_cgroup_mode () == HOLO_CGROUP_UNIFIED;
  w->dir = holo_cgroup_controller_dir (path, w->v2 ? "" : "memory");
  int ret = w->dir ? (w->v2 ? watch_v2 (w, err) : watch_v1 (w, err))
                   : holo_make_error (err, 0, "no memory cgroup for `%s`", path);
  if (ret < 0)
    {
      holo_cgroup_oom_free (w);
      return -1;
    }
  *out = w;
  return 0;
}

int
holo_cgroup_oom_read (struct holo_oom_watch *w)
{
  if (!w->v2)
    {
      uint64_t n = 0;
      if (read (w->fd, &n, sizeof n) != sizeof n)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
      if (!holo_cg_exists (w->dir, "cgroup.event_control"))
        return -1;
      return n > 0 ? (int) n : 0;
    }
  char buf[4096];
  while (read (w->fd, buf, sizeof buf) > 0)
    ; /* drain: the counter says how many */
  uint64_t now;
  if (holo_cg_read_keyed (w->dir, "memory.events", "oom", &now) < 0)
    return -1;
  uint64_t delta = now > w->count ? now - w->count : 0;
  w->count = now;
  return (int) delta;
}

int64_t
holo_cgroup_oom_kills (const char *path)
{
  bool v2 = holo_cgroup_mode () == HOLO_CGROUP_UNIFIED;
  cleanup_free char *dir = path ? holo_cgroup_controller_dir (path, v2 ? "" : "memory") : NULL;
  uint64_t n;
  if (dir == NULL || holo_cg_read_keyed (dir, v2 ? "memory.events" : "memory.oom_control", "oom_kill", &n) < 0)
    return -1;
  return (int64_t) n;
}
