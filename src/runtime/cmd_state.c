#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>

int
holo_cmd_state (struct holo_global *g, int argc, char **argv)
{
  const char *id;
  int r = holo_cmd_parse_id_only ("state", argc, argv, &id);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_error_t err = NULL;
  char *json = NULL;
  if (holo_container_state (&g->ctx, id, &json, &err) < 0)
    return holo_cmd_fail (&err);
  printf ("%s\n", json);
  free (json);
  return 0;
}
