/* `checkpoint`: dump a running container with CRIU.  */
#define _GNU_SOURCE
#include "commands.h"
#include "criu_flags.h"

#include <stdio.h>

enum
{
  OPT_PARENT_PATH = 256,
  OPT_LEAVE_RUNNING,
  OPT_PRE_DUMP,
};

static void
usage (void)
{
  printf ("Usage: holo checkpoint [command options] <container-id>\n\n"
          "Checkpoints a running container with CRIU.  Unless --leave-running (or\n"
          "--pre-dump) is given, the container is stopped and deleted afterwards.\n\n"
          "Options:\n" HOLO_CRIU_USAGE "  --parent-path PATH       the previous pre-dump, relative to the image path\n"
          "  --leave-running          leave the container running after the checkpoint\n"
          "  --pre-dump               dump memory only, leaving the container running\n");
}

int
holo_cmd_checkpoint (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    HOLO_CRIU_LONG_OPTIONS,
    { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
    { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
    { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct holo_checkpoint_options o = { 0 };
  int c;

  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      if (holo_criu_flag_parse (c, optarg, &o.criu))
        continue;
      switch (c)
        {
        case OPT_PARENT_PATH:
          o.criu.parent_path = optarg;
          break;
        case OPT_LEAVE_RUNNING:
          o.criu.leave_running = true;
          break;
        case OPT_PRE_DUMP:
          o.criu.pre_dump = true;
          break;
        case 'h':
          usage ();
          return 0;
        default:
          return holo_cmd_usage_error ("checkpoint", "invalid option");
        }
    }
  if (holo_cmd_require_id ("checkpoint", argc, argv, optind, &o.id) != 0)
    return 1;
  holo_error_t err = NULL;
  if (holo_container_checkpoint (&g->ctx, &o, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
