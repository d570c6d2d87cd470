#define _GNU_SOURCE
#include "commands.h"

#include <stdarg.h>
#include <string.h>

void
holo_cmd_use_hologram (struct holo_global *g)
{
  holo_hologram_options_load (&g->hologram);
  g->hologram.state_root = g->ctx.root;
  holo_hologram_extension (&g->hologram, &g->hologram_ext);
  g->ctx.extension = &g->hologram_ext;
}

int
holo_cmd_fail (holo_error_t *err)
{
  holo_log_release_error (err);
  return 1;
}

int
holo_cmd_usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  holo_log_error ("%s", msg);
  if (cmd)
    fprintf (stderr, "See 'holo %s --help'.\n", cmd);
  return 1;
}

int
holo_cmd_require_id (const char *cmd, int argc, char **argv, int optind_, const char **id)
{
  if (optind_ >= argc)
    return holo_cmd_usage_error (cmd, "\"%s\" requires exactly 1 argument(s)", cmd);
  if (argc - optind_ > 1)
    return holo_cmd_usage_error (cmd, "\"%s\" requires exactly 1 argument(s)", cmd);
  *id = argv[optind_];
  return 0;
}

int
holo_cmd_parse_preserve_fds (const char *cmd, const char *arg, int *out)
{
  char *end;
  long n = strtol (arg, &end, 10);
  if (*arg == '\0' || *end || n < 0 || n > 65535)
    return holo_cmd_usage_error (cmd, "invalid --preserve-fds `%s`", arg);
  *out = (int) n;
  return 0;
}

int
holo_cmd_container_flag (const char *cmd, int c, const char *arg, struct holo_container_flags *f)
{
  switch (c)
    {
    case 'b':
      f->bundle = arg;
      return 1;
    case 'd':
      f->detach = true;
      return 1;
    case HOLO_OPT_CONSOLE_SOCKET:
      f->console_socket = arg;
      return 1;
    case HOLO_OPT_PID_FILE:
      f->pid_file = arg;
      return 1;
    case HOLO_OPT_NO_PIVOT:
      f->no_pivot = true;
      return 1;
    case HOLO_OPT_NO_NEW_KEYRING:
      f->no_new_keyring = true;
      return 1;
    case HOLO_OPT_NO_SUBREAPER:
      return 1; /* accepted for runc compatibility; holo decides itself */
    case HOLO_OPT_PRESERVE_FDS:
      return holo_cmd_parse_preserve_fds (cmd, arg, &f->preserve_fds) == 0 ? 1 : -1;
    default:
      return 0;
    }
}

enum
{
  OPT_KEEP = HOLO_OPT_CONTAINER_LAST,
};

static void
create_usage (const char *cmd, bool is_run)
{
  printf ("Usage: holo %s [command options] <container-id>\n\n"
          "Options:\n"
          "  -b, --bundle PATH        path to the root of the bundle directory (default: current directory)\n"
          "  --console-socket PATH    AF_UNIX socket that receives the pty master of a terminal container\n"
          "  --pid-file PATH          file to write the container init's pid to\n"
          "  --no-pivot               do not use pivot_root (for ramdisk roots)\n"
          "  --no-new-keyring         do not create a new session keyring\n"
          "  --preserve-fds N         pass N additional fds (after stdio) to the container\n",
          cmd);
  if (is_run)
    printf ("  -d, --detach             detach from the container's process\n"
            "  --keep                   do not delete the container after it exits\n");
}

int
holo_cmd_parse_create_flags (const char *cmd, bool is_run, int argc, char **argv, struct holo_create_flags *f)
{
  static const struct option options[] = {
    HOLO_CONTAINER_LONG_OPTIONS,
    { "preserve-fds", required_argument, NULL, HOLO_OPT_PRESERVE_FDS },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct holo_container_flags cf = { 0 };
  int c;
  memset (f, 0, sizeof *f);
  while ((c = getopt_long (argc, argv, is_run ? "b:dh" : "b:h", options, NULL)) != -1)
    {
      if (c == 'd' && !is_run)
        return holo_cmd_usage_error (cmd, "flag provided but not defined: -detach");
      int taken = holo_cmd_container_flag (cmd, c, optarg, &cf);
      if (taken < 0)
        return 1;
      if (taken)
        continue;
      switch (c)
        {
        case OPT_KEEP:
          if (!is_run)
            return holo_cmd_usage_error (cmd, "flag provided but not defined: -keep");
          f->keep = true;
          break;
        case 'h':
          create_usage (cmd, is_run);
          return -1;
        default:
          return holo_cmd_usage_error (cmd, "invalid option");
        }
    }
  const char *id = NULL;
  if (holo_cmd_require_id (cmd, argc, argv, optind, &id) != 0)
    return 1;
  f->opts = (struct holo_create_options){
    .id = id,
    .bundle = cf.bundle,
    .console_socket = cf.console_socket,
    .pid_file = cf.pid_file,
    .no_pivot = cf.no_pivot,
    .no_new_keyring = cf.no_new_keyring,
    .preserve_fds = cf.preserve_fds,
  };
  f->detach = cf.detach;
  return 0;
}

int
holo_cmd_parse_id_only (const char *cmd, int argc, char **argv, const char **id)
{
  static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;
  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      if (c == 'h')
        {
          printf ("Usage: holo %s <container-id>\n", cmd);
          return -1;
        }
      return holo_cmd_usage_error (cmd, "invalid option");
    }
  return holo_cmd_require_id (cmd, argc, argv, optind, id);
}
