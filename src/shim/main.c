/* holo shim — containerd-shim-holo-v2: containerd's shim v2 for the holo
   runtime.  Flags as containerd passes them (Go flag syntax: -flag value,
   -flag=value, --flag), then the action: start, delete, or none to serve
   (not used by containerd: start forks the server itself).  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>

static void
usage (FILE *out)
{
  fprintf (out, "Usage: containerd-shim-holo-v2 [-namespace NS] [-address ADDR] [-publish-binary BIN] [-id ID]\n"
                "                               [-bundle DIR] [-debug] [-v] start|delete\n");
}

static const char *flag_names[] = { "namespace", "address", "publish-binary", "id", "bundle", "socket", NULL };

/* Parses one flag at argv[*i]; 1 when consumed, 0 when not a flag, -1 on
   error.  */
static int
parse_flag (struct shim *shim, int argc, char **argv, int *i, char **values)
{
  const char *a = argv[*i];
  cleanup_free char *name = NULL;
  const char *eq;

  if (a[0] != '-' || a[1] == '\0')
    return 0;
  a += a[1] == '-' ? 2 : 1;
  eq = strchr (a, '=');
  name = eq ? holo_xstrndup (a, eq - a) : holo_xstrdup (a);
  if (strcmp (name, "debug") == 0)
    {
      shim->debug = eq == NULL || strcmp (eq + 1, "true") == 0 || strcmp (eq + 1, "1") == 0;
      return 1;
    }
  if (strcmp (name, "v") == 0 || strcmp (name, "version") == 0)
    {
      printf ("containerd-shim-holo-v2:\n  Version:  %s\n  Runtime:  holo\n", SHIM_VERSION);
      exit (0);
    }
  if (strcmp (name, "h") == 0 || strcmp (name, "help") == 0)
    {
      usage (stdout);
      exit (0);
    }
  for (int k = 0; flag_names[k]; k++)
    if (strcmp (name, flag_names[k]) == 0)
      {
        if (eq)
          values[k] = (char *) eq + 1;
        else if (*i + 1 < argc)
          values[k] = argv[++*i];
        else
          return -1;
        return 1;
      }
  return -1;
}

int
main (int argc, char **argv)
{
  cleanup_error holo_error_t err = NULL;
  struct shim shim = { 0 };
  char *values[7] = { 0 };
  const char *action = NULL;
  int ret = 0;

  for (int i = 1; i < argc; i++)
    {
      int r = parse_flag (&shim, argc, argv, &i, values);
      if (r < 0)
        {
          fprintf (stderr, "containerd-shim-holo-v2: bad flag %s\n", argv[i]);
          usage (stderr);
          return 2;
        }
      if (r == 0 && action == NULL)
        action = argv[i];
    }
  holo_log_init (-1, HOLO_LOG_TEXT, shim.debug);
  shim.namespace = values[0] ? values[0] : getenv ("NAMESPACE");
  shim.containerd_address = values[1] ? values[1] : (char *) "";
  shim.id = values[3];
  shim.ttrpc_address = getenv ("TTRPC_ADDRESS");
  if (shim.namespace == NULL || *shim.namespace == '\0')
    shim.namespace = (char *) "default";
  if (values[4])
    shim.bundle = holo_xstrdup (values[4]);
  else
    shim.bundle = getcwd (NULL, 0);
  if (shim.id == NULL || *shim.id == '\0')
    {
      fprintf (stderr, "containerd-shim-holo-v2: -id is required\n");
      return 2;
    }

  if (action && strcmp (action, "start") == 0)
    ret = shim_cmd_start (&shim, &err);
  else if (action && strcmp (action, "delete") == 0)
    ret = shim_cmd_delete (&shim, &err);
  else
    {
      fprintf (stderr, "containerd-shim-holo-v2: unknown action %s\n", action ? action : "(none)");
      return 2;
    }
  if (ret < 0)
    {
      fprintf (stderr, "containerd-shim-holo-v2: %s\n", err->msg);
      return 1;
    }
  free (shim.bundle);
  shim_options_free (&shim.opts);
  return 0;
}
