#define _GNU_SOURCE
#include "container.h"
#include "../utils.h"

#include <fcntl.h>
#include <sys/file.h>

int
holo_container_load (struct holo_context *ctx, const char *id, struct holo_state **state, enum holo_status *status,
                     holo_error_t *err)
{
  if (holo_validate_id (id, err) < 0)
    return -1;
  cleanup_close int root_fd = open (ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, 0, "container does not exist");
  /* No lock: state.json is replaced atomically, and `state` must answer
     even while a create holds the lock.  */
  cleanup_close int dir_fd = holo_store_open (root_fd, id, 0, err);
  if (dir_fd < 0)
    return -1;
  if (holo_state_read (dir_fd, state, err) < 0)
    return -1;
  *status = holo_state_status (dir_fd, *state);
  return 0;
}

int
holo_container_state (struct holo_context *ctx, const char *id, char **json, holo_error_t *err)
{
  cleanup_state struct holo_state *s = NULL;
  enum holo_status st;
  if (holo_container_load (ctx, id, &s, &st, err) < 0)
    return -1;
  *json = holo_state_to_json (s, st, true);
  return 0;
}
