#define _GNU_SOURCE
#include "container.h"
#include "../utils.h"

int
holo_container_state (struct holo_context *ctx, const char *id, char **json, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, 0, &c, err) < 0)
    return -1;
  *json = holo_state_to_json (c.state, c.status, true);
  return 0;
}
