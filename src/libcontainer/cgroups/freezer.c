/* Freezing a cgroup (pause/resume, and kill --all on v1).  Both hierarchies
   freeze asynchronously: the write starts it, and the state file says when
   every task has stopped.
   - v1: freezer.state is THAWED, FREEZING or FROZEN.  A task stuck where the
     freezer cannot reach it (e.g. a vfork parent) can keep a cgroup in
     FREEZING; thawing and freezing again gets it past that.
   - v2: cgroup.freeze takes 1/0; cgroup.events says "frozen 1" once done
     and is pollable (POLLPRI) for the change.  */
#define _GNU_SOURCE
#include "resources.h"
#include "cgroups.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#define FREEZE_TIMEOUT_MS 10000
#define FREEZE_RETRY_MS 200

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

static bool
v1_state_is (const char *dir, const char *want)
{
  cleanup_free char *state = NULL;
  return holo_cg_read (dir, "freezer.state", &state, NULL) == 0 && strncmp (state, want, strlen (want)) == 0
         && (state[strlen (want)] == '\n' || state[strlen (want)] == '\0');
}

static int
v1_freeze (const char *dir, bool freeze, holo_error_t *err)
{
  const char *want = freeze ? "FROZEN" : "THAWED";
  long long start = now_ms (), last_write = start;
  long delay = 1;

  if (holo_cg_write (dir, "freezer.state", want, err) < 0)
    return -1;
  while (!v1_state_is (dir, want))
    {
      long long t = now_ms ();
      if (t - start > FREEZE_TIMEOUT_MS)
        {
          if (freeze)
            holo_cg_write (dir, "freezer.state", "THAWED", NULL);
          return holo_make_error (err, 0, "unable to %s the cgroup `%s`: still not %s after %d s",
                                  freeze ? "freeze" : "thaw", dir, want, FREEZE_TIMEOUT_MS / 1000);
        }
      if (freeze && t - last_write > FREEZE_RETRY_MS)
        {
          holo_cg_write (dir, "freezer.state", "THAWED", NULL);
          if (holo_cg_write (dir, "freezer.state", want, err) < 0)
            return -1;
          last_write = t;
        }
      sleep_ms (delay);
      if (delay < 16)
        delay *= 2;
    }
  return 0;
}

static int
v2_frozen (const char *dir)
{
  uint64_t v;
  if (holo_cg_read_keyed (dir, "cgroup.events", "frozen", &v) < 0)
    return -1;
  return v == 1;
}

static int
v2_freeze (const char *dir, bool freeze, holo_error_t *err)
{
  cleanup_free char *events = holo_xasprintf ("%s/cgroup.events", dir);
  cleanup_close int fd = open (events, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", events);
  if (holo_cg_write (dir, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
    return -1;
  long long start = now_ms ();
  for (;;)
    {
      int frozen = v2_frozen (dir);
      if (frozen < 0)
        return holo_make_error (err, errno, "read `%s`", events);
      if (frozen == (int) freeze)
        return 0;
      long long left = FREEZE_TIMEOUT_MS - (now_ms () - start);
      if (left <= 0)
        return holo_make_error (err, 0, "unable to %s the cgroup `%s`: cgroup.events still says frozen %d",
                                freeze ? "freeze" : "thaw", dir, !freeze);
      struct pollfd pfd = { .fd = fd, .events = POLLPRI };
      /* The short cap covers a change between the read and the poll.  */
      poll (&pfd, 1, left < 100 ? (int) left : 100);
    }
}

int
holo_cgroup_freeze (const char *path, bool freeze, holo_error_t *err)
{
  /* (On a unified host every controller name resolves to the cgroup2
     directory: ask for the mode first.)  */
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    {
      cleanup_free char *v2 = holo_cgroup_controller_dir (path, "");
      if (v2)
        return v2_freeze (v2, freeze, err);
    }
  else
    {
      cleanup_free char *v1 = holo_cgroup_controller_dir (path, "freezer");
      if (v1)
        return v1_freeze (v1, freeze, err);
    }
  return holo_make_error (err, 0, "cannot %s: no freezer cgroup controller is available", freeze ? "pause" : "resume");
}

bool
holo_cgroup_is_frozen (const char *path)
{
  cleanup_free char *buf = NULL;
  /* On a unified host "freezer" would resolve to the cgroup2 directory.  */
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    {
      cleanup_free char *v2 = holo_cgroup_controller_dir (path, "");
      cleanup_free char *f = v2 ? holo_xasprintf ("%s/cgroup.freeze", v2) : NULL;
      return f && holo_read_file (f, &buf, NULL, NULL) == 0 && buf[0] == '1';
    }
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "freezer");
  cleanup_free char *f = dir ? holo_xasprintf ("%s/freezer.state", dir) : NULL;
  return f && holo_read_file (f, &buf, NULL, NULL) == 0 && strncmp (buf, "FROZEN", 6) == 0;
}
