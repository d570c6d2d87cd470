/* Opening a container of the state root: the one way every operation gets
   at a container's directory, record, live status and saved config.  */
#define _GNU_SOURCE
#include "container.h"
#include "../utils.h"

#include <fcntl.h>
#include <sys/file.h>

void
holo_container_close (struct holo_container *c)
{
  if (c->dir_fd >= 0)
    close (c->dir_fd);
  if (c->root_fd >= 0)
    close (c->root_fd);
  holo_state_free (c->state);
  *c = (struct holo_container) HOLO_CONTAINER_INIT;
}

int
holo_container_open (struct holo_context *ctx, const char *id, int lock, struct holo_container *c, holo_error_t *err)
{
  if (holo_validate_id (id, err) < 0)
    return -1;
  c->root_fd = open (ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->root_fd < 0)
    return holo_make_error (err, 0, "container does not exist");
  c->dir_fd = holo_store_open (c->root_fd, id, lock, err);
  if (c->dir_fd < 0)
    return -1;
  if (holo_state_read (c->dir_fd, &c->state, err) < 0)
    return -1;
  c->status = holo_state_status (c->dir_fd, c->state);
  return 0;
}

int
holo_container_read_config (const struct holo_container *c, struct holo_spec **spec, holo_error_t *err)
{
  cleanup_free char *raw = NULL;
  size_t len;
  if (holo_read_file_at (c->dir_fd, HOLO_CONFIG_COPY, &raw, &len, err) < 0)
    return -1;
  return holo_spec_parse (raw, len, spec, err);
}
