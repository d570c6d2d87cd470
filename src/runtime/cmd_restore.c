/* `restore`: a container from a CRIU image.  With --detach holo returns
   once the container runs; otherwise, like `run`, it waits for the restored
   init, forwards signals to it, and deletes the container when it exits.  */
#define _GNU_SOURCE
#include "commands.h"
#include "criu_flags.h"

#include <stdio.h>

static void
usage (void)
{
  printf ("Usage: holo restore [command options] <container-id>\n\n"
          "Restores a container from a CRIU image, with the bundle's config.\n\n"
          "Options:\n"
          "  -b, --bundle PATH        path to the root of the bundle directory (default: current directory)\n"
          "  -d, --detach             detach from the container's process\n"
          "  --pid-file PATH          file to write the restored init's pid to\n"
          "  --console-socket PATH    AF_UNIX socket that receives the pty master of a terminal container\n"
          "  --no-pivot               accepted for compatibility (CRIU sets up the root)\n"
          "  --no-subreaper           accepted for compatibility\n"
          "  --no-new-keyring         accepted (the restored process keeps its keyring)\n" HOLO_CRIU_USAGE);
}

struct restore_flags
{
  struct holo_restore_options o;
  bool detach;
};

static int
parse (int argc, char **argv, struct restore_flags *f)
{
  static const struct option options[] = {
    HOLO_CRIU_LONG_OPTIONS,
    HOLO_CONTAINER_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct holo_container_flags cf = { 0 };
  int c;

  while ((c = getopt_long (argc, argv, "b:dh", options, NULL)) != -1)
    {
      if (holo_criu_flag_parse (c, optarg, &f->o.criu))
        continue;
      int taken = holo_cmd_container_flag ("restore", c, optarg, &cf);
      if (taken < 0)
        return 1;
      if (taken)
        continue;
      if (c == 'h')
        {
          usage ();
          return -1;
        }
      return holo_cmd_usage_error ("restore", "invalid option");
    }
  f->o.bundle = cf.bundle;
  f->o.console_socket = cf.console_socket;
  f->o.pid_file = cf.pid_file;
  f->o.no_pivot = cf.no_pivot;
  f->detach = cf.detach;
  return holo_cmd_require_id ("restore", argc, argv, optind, &f->o.id);
}

int
holo_cmd_restore (struct holo_global *g, int argc, char **argv)
{
  struct restore_flags f = { 0 };
  holo_cmd_use_hologram (g);
  holo_error_t err = NULL;
  struct holo_created created;
  int r = parse (argc, argv, &f);

  if (r != 0)
    return r < 0 ? 0 : r;
  /* In the foreground the restored init is our child (CRIU restores it as
     its sibling): set up the reaping and signal forwarding first.  */
  if (!f.detach)
    holo_foreground_prepare ();
  if (holo_container_restore (&g->ctx, &f.o, &created, &err) < 0)
    return holo_cmd_fail (&err);
  if (f.detach)
    return 0;
  int status = holo_foreground_wait (created.pid, -1);
  if (holo_container_delete (&g->ctx, f.o.id, true, &err) < 0)
    holo_log_release_error (&err);
  return status;
}
