#define _GNU_SOURCE
#include "commands.h"

int
holo_cmd_create (struct holo_global *g, int argc, char **argv)
{
  struct holo_create_flags f;
  int r = holo_cmd_parse_create_flags ("create", false, argc, argv, &f);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_cmd_use_hologram (g);
  holo_error_t err = NULL;
  struct holo_created created;
  if (holo_container_create (&g->ctx, &f.opts, &created, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
