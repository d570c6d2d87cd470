#define _GNU_SOURCE
#include "commands.h"

#include <stdarg.h>
#include <string.h>

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

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
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
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  memset (f, 0, sizeof *f);
  while ((c = getopt_long (argc, argv, is_run ? "b:dh" : "b:h", options, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
          f->opts.bundle = optarg;
          break;
        case OPT_CONSOLE_SOCKET:
          f->opts.console_socket = optarg;
          break;
        case OPT_PID_FILE:
          f->opts.pid_file = optarg;
          break;
        case OPT_NO_PIVOT:
          f->opts.no_pivot = true;
          break;
        case OPT_NO_NEW_KEYRING:
          f->opts.no_new_keyring = true;
          break;
        case OPT_PRESERVE_FDS:
          {
            char *end;
            long n = strtol (optarg, &end, 10);
            if (*end || n < 0 || n > 65535)
              return holo_cmd_usage_error (cmd, "invalid --preserve-fds `%s`", optarg);
            f->opts.preserve_fds = (int) n;
            break;
          }
        case 'd':
          if (!is_run)
            return holo_cmd_usage_error (cmd, "flag provided but not defined: -detach");
          f->detach = true;
          break;
        case OPT_KEEP:
          if (!is_run)
            return holo_cmd_usage_error (cmd, "flag provided but not defined: -keep");
          f->keep = true;
          break;
        case OPT_NO_SUBREAPER:
          break; /* accepted for runc compatibility; holo decides itself */
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
  f->opts.id = id;
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
