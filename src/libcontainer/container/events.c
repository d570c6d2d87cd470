/* `events`: the container's cgroup statistics every interval and its OOM
   notifications, as JSON lines like runc's:
     {"type":"stats","id":"ID","data":{"cpu":...,"memory":...,"pids":...}}
     {"type":"oom","id":"ID"}
   With STATS_ONCE, one stats line and done.  The stream ends (status 0)
   when the container stops.  */
#define _GNU_SOURCE
#include "container.h"
#include "../json.h"
#include "../cgroups/resources.h"
#include "../utils.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

/* ID as a JSON string literal.  */
static char *
json_string (const char *s)
{
  yajl_gen g = holo_json_new (NULL);
  holo_json_str (g, s);
  return holo_json_finish (g, NULL);
}

static int
emit_stats (FILE *out, const char *json_id, const char *cgroup_path, holo_error_t *err)
{
  cleanup_free char *data = NULL;
  if (holo_cgroup_stats_json (cgroup_path, &data, err) < 0)
    return -1;
  fprintf (out, "{\"type\":\"stats\",\"id\":%s,\"data\":%s}\n", json_id, data);
  fflush (out);
  return 0;
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
still_running (struct holo_context *ctx, const char *id)
{
  cleanup_state struct holo_state *s = NULL;
  cleanup_error holo_error_t ignored = NULL;
  enum holo_status st;
  return holo_container_load (ctx, id, &s, &st, &ignored) == 0 && st != HOLO_STATUS_STOPPED;
}

int
holo_container_events (struct holo_context *ctx, const char *id, unsigned interval_ms, bool stats_once, FILE *out,
                       holo_error_t *err)
{
  cleanup_state struct holo_state *s = NULL;
  enum holo_status st;
  if (holo_container_load (ctx, id, &s, &st, err) < 0)
    return -1;
  if (st == HOLO_STATUS_STOPPED)
    return holo_make_error (err, 0, "container with id %s is not running", id);
  if (s->cgroup_path == NULL)
    return holo_make_error (err, 0, "container %s has no cgroup (--cgroup-manager disabled)", id);
  cleanup_free char *json_id = json_string (id);
  if (stats_once)
    return emit_stats (out, json_id, s->cgroup_path, err);

  struct holo_oom_watch *oom = NULL;
  cleanup_error holo_error_t oom_err = NULL;
  if (holo_cgroup_oom_watch (s->cgroup_path, &oom, &oom_err) < 0)
    holo_log_warning ("no OOM notifications: %s", oom_err->msg);
  long long next = now_ms () + (interval_ms ? interval_ms : 5000);
  int ret = 0;
  for (;;)
    {
      long long wait = next - now_ms ();
      struct pollfd pfd = { .fd = oom ? holo_cgroup_oom_fd (oom) : -1, .events = POLLIN };
      if (wait > 0 && poll (&pfd, 1, (int) wait) < 0 && errno != EINTR)
        {
          ret = holo_make_error (err, errno, "poll");
          break;
        }
      if (oom && (pfd.revents & POLLIN))
        {
          int n = holo_cgroup_oom_read (oom);
          if (n < 0)
            break; /* the cgroup is gone: the container stopped */
          if (n > 0)
            {
              fprintf (out, "{\"type\":\"oom\",\"id\":%s}\n", json_id);
              fflush (out);
            }
        }
      if (now_ms () < next)
        continue;
      next += interval_ms ? interval_ms : 5000;
      if (!still_running (ctx, id))
        break;
      cleanup_error holo_error_t stats_err = NULL;
      if (emit_stats (out, json_id, s->cgroup_path, &stats_err) < 0)
        holo_log_warning ("%s", stats_err->msg);
    }
  holo_cgroup_oom_free (oom);
  return ret;
}
