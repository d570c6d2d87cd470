#define _GNU_SOURCE
#include "commands.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int
holo_cmd_delete (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool force = false;
  int c;
  while ((c = getopt_long (argc, argv, "fh", options, NULL)) != -1)
    {
      if (c == 'f')
        force = true;
      else if (c == 'h')
        {
          printf ("Usage: holo delete [--force] <container-id>\n");
          return 0;
        }
      else
        return holo_cmd_usage_error ("delete", "invalid option");
    }
  const char *id;
  if (holo_cmd_require_id ("delete", argc, argv, optind, &id) != 0)
    return 1;
  holo_cmd_use_hologram (g);
  holo_error_t err = NULL;
  if (holo_container_delete (&g->ctx, id, force, &err) < 0)
    {
      /* As runc: --force on a container that is already gone succeeds.  */
      if (force && strcmp (err->msg, "container does not exist") == 0)
        {
          holo_error_release (&err);
          return 0;
        }
      return holo_cmd_fail (&err);
    }
  return 0;
}
