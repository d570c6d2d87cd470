#define _GNU_SOURCE
#include "commands.h"

#include <signal.h>
#include <stdio.h>

int
holo_cmd_kill (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool all = false;
  int c;
  while ((c = getopt_long (argc, argv, "ah", options, NULL)) != -1)
    {
      if (c == 'a')
        all = true;
      else if (c == 'h')
        {
          printf ("Usage: holo kill [--all] <container-id> [signal]\n\n"
                  "signal: a name (KILL, SIGKILL) or number; default SIGTERM\n");
          return 0;
        }
      else
        return holo_cmd_usage_error ("kill", "invalid option");
    }
  int nargs = argc - optind;
  if (nargs < 1 || nargs > 2)
    return holo_cmd_usage_error ("kill", "\"kill\" requires a minimum of 1 and a maximum of 2 arguments");
  const char *id = argv[optind];
  int sig = SIGTERM;
  if (nargs == 2)
    {
      sig = holo_parse_signal (argv[optind + 1]);
      if (sig < 0)
        return holo_cmd_usage_error (NULL, "unknown signal \"%s\"", argv[optind + 1]);
    }
  holo_error_t err = NULL;
  if (holo_container_kill (&g->ctx, id, sig, all, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
