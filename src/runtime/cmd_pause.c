/* holo pause ID / holo resume ID.  */
#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>

int
holo_cmd_pause (struct holo_global *g, int argc, char **argv)
{
  const char *id;
  int r = holo_cmd_parse_id_only ("pause", argc, argv, &id);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_error_t err = NULL;
  if (holo_container_pause (&g->ctx, id, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}

int
holo_cmd_resume (struct holo_global *g, int argc, char **argv)
{
  const char *id;
  int r = holo_cmd_parse_id_only ("resume", argc, argv, &id);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_error_t err = NULL;
  if (holo_container_resume (&g->ctx, id, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
