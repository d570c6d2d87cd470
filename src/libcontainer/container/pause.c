/* `pause` and `resume`: freeze and thaw every process of the container
   through its cgroup.  The state then reads "paused" (store.c asks the
   freezer).  Like runc, a created container can be paused too.  */
#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/resources.h"
#include "../utils.h"

#include <fcntl.h>
#include <sys/file.h>

int
holo_container_load_locked (struct holo_context *ctx, const char *id, int *dir_fd, struct holo_state **state,
                            enum holo_status *status, holo_error_t *err)
{
  if (holo_validate_id (id, err) < 0)
    return -1;
  cleanup_close int root_fd = open (ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, 0, "container does not exist");
  cleanup_close int fd = holo_store_open (root_fd, id, LOCK_EX, err);
  if (fd < 0)
    return -1;
  if (holo_state_read (fd, state, err) < 0)
    return -1;
  *status = holo_state_status (fd, *state);
  *dir_fd = steal_fd (&fd);
  return 0;
}

static int
freeze (struct holo_context *ctx, const char *id, bool pause, holo_error_t *err)
{
  cleanup_state struct holo_state *s = NULL;
  cleanup_close int dir_fd = -1;
  enum holo_status st;
  if (holo_container_load_locked (ctx, id, &dir_fd, &s, &st, err) < 0)
    return -1;
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
