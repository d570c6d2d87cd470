#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>

int
holo_cmd_start (struct holo_global *g, int argc, char **argv)
{
  const char *id;
  int r = holo_cmd_parse_id_only ("start", argc, argv, &id);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_cmd_use_hologram (g);
  holo_error_t err = NULL;
  if (holo_container_start (&g->ctx, id, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
