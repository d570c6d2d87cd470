/* `pause` and `resume`: freeze and thaw every process of the container
   through its cgroup.  The state then reads "paused" (store.c asks the
   freezer).  Like runc, a created container can be paused too.  */
#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/resources.h"
#include "../utils.h"

#include <fcntl.h>
#include <sys/file.h>

static int
freeze (struct holo_context *ctx, const char *id, bool pause, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, LOCK_EX, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  enum holo_status st = c.status;
  if (pause && st != HOLO_STATUS_RUNNING && st != HOLO_STATUS_CREATED)
    return holo_make_error (err, 0, "container not running");
  if (!pause && st != HOLO_STATUS_PAUSED)
    return holo_make_error (err, 0, "container not paused");
  if (s->cgroup_path == NULL)
    return holo_make_error (err, 0, "cannot %s a container without a cgroup (--cgroup-manager disabled)",
                            pause ? "pause" : "resume");
  return holo_cgroup_freeze (s->cgroup_path, pause, err);
}

int
holo_container_pause (struct holo_context *ctx, const char *id, holo_error_t *err)
{
  return freeze (ctx, id, true, err);
}

int
holo_container_resume (struct holo_context *ctx, const char *id, holo_error_t *err)
{
  return freeze (ctx, id, false, err);
}
