#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>

int
holo_cmd_features (struct holo_global *g, int argc, char **argv)
{
  if (argc > 1)
    {
      printf ("Usage: holo features\n\nPrints the runtime-spec features document as JSON.\n");
      return argv[1][0] == '-' && argv[1][1] == 'h' ? 0 : 1;
    }
  char *json = holo_features_json ();
  printf ("%s\n", json);
  free (json);
  return 0;
}
