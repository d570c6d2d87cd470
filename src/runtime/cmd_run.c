/* `run`: create + start, and in the foreground wait for the init, forward
   signals to it, proxy its terminal, then delete the container.  */
#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>

int
holo_cmd_run (struct holo_global *g, int argc, char **argv)
{
  struct holo_create_flags f;
  int r = holo_cmd_parse_create_flags ("run", true, argc, argv, &f);
  if (r != 0)
    return r < 0 ? 0 : r;
  holo_cmd_use_hologram (g);
  holo_error_t err = NULL;
  struct holo_created created;

  if (!f.detach)
    {
      holo_foreground_prepare ();
      f.opts.want_console_master = f.opts.console_socket == NULL;
    }
  if (holo_container_create (&g->ctx, &f.opts, &created, &err) < 0)
    return holo_cmd_fail (&err);
  /* The container starts with our window size, not 0x0.  */
  if (created.console_master >= 0)
    holo_terminal_copy_window_size (created.console_master);
  if (holo_container_start (&g->ctx, f.opts.id, &err) < 0)
    {
      holo_cmd_fail (&err);
      holo_container_delete (&g->ctx, f.opts.id, true, &err);
      holo_error_release (&err);
      return 1;
    }
  if (f.detach)
    return 0;

  int status = holo_foreground_wait (created.pid, created.console_master);
  if (!f.keep && holo_container_delete (&g->ctx, f.opts.id, true, &err) < 0)
    holo_log_release_error (&err);
  return status;
}
