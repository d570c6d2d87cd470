/* `exec`: runc's flags; the exit status is the process's, or 255 when holo
   itself fails (as runc: the process's own statuses stay unambiguous).  */
#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>
#include <string.h>

#define EXEC_FAILED 255

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_CWD,
  OPT_PID_FILE,
  OPT_PROCESS_LABEL,
  OPT_APPARMOR,
  OPT_NO_NEW_PRIVS,
  OPT_PRESERVE_FDS,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
};

static void
exec_usage (void)
{
  printf ("Usage: holo exec [command options] <container-id> <command> [command options]  ||  -p process.json "
          "<container-id>\n\n"
          "Options:\n"
          "  --console-socket PATH    AF_UNIX socket that receives the pty master\n"
          "  --cwd PATH               current working directory in the container\n"
          "  -e, --env NAME=VALUE     set an environment variable (repeatable)\n"
          "  -t, --tty                allocate a pseudo-TTY\n"
          "  -u, --user UID[:GID]     user and group to run as\n"
          "  -g, --additional-gids N  additional gid (repeatable)\n"
          "  -p, --process PATH       process.json with the whole process (other flags are ignored)\n"
          "  -d, --detach             detach from the process\n"
          "  --pid-file PATH          write the process's pid to PATH\n"
          "  --process-label LABEL    SELinux label\n"
          "  --apparmor PROFILE       AppArmor profile\n"
          "  --no-new-privs           set no_new_privs\n"
          "  -c, --cap CAP            add a capability (repeatable)\n"
          "  --preserve-fds N         pass N additional fds\n"
          "  --cgroup PATH            run in this sub-cgroup of the container\n"
          "  --ignore-paused          exec even if the container is paused\n");
}

static void
strv_push (char ***v, const char *s)
{
  size_t n = holo_strv_len (*v);
  *v = holo_xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = holo_xstrdup (s);
  (*v)[n + 1] = NULL;
}

struct exec_flags
{
  struct holo_exec_options o;
  bool detach;
  char **env, **caps;
  gid_t *gids;
};

static int
parse_gid (struct exec_flags *f, const char *s)
{
  char *end;
  unsigned long v = strtoul (s, &end, 10);
  if (*s == '\0' || *end || v > 0xfffffffeUL)
    return holo_cmd_usage_error ("exec", "invalid --additional-gids `%s`", s);
  f->gids = holo_xrealloc (f->gids, (f->o.n_additional_gids + 1) * sizeof (gid_t));
  f->gids[f->o.n_additional_gids++] = (gid_t) v;
  f->o.additional_gids = f->gids;
  return 0;
}

/* 0 ok, -1 help shown, 1 usage error.  */
static int
parse_exec_flags (int argc, char **argv, struct exec_flags *f)
{
  static const struct option options[] = {
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "tty", no_argument, NULL, 't' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "process", required_argument, NULL, 'p' },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "cap", required_argument, NULL, 'c' },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  /* '+': options end at the container id; the rest is the command.  */
  while ((c = getopt_long (argc, argv, "+e:tu:g:p:dc:h", options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_CONSOLE_SOCKET:
          f->o.console_socket = optarg;
          break;
        case OPT_CWD:
          f->o.cwd = optarg;
          break;
        case 'e':
          strv_push (&f->env, optarg);
          break;
        case 't':
          f->o.tty = true;
          break;
        case 'u':
          f->o.user = optarg;
          break;
        case 'g':
          if (parse_gid (f, optarg) != 0)
            return 1;
          break;
        case 'p':
          f->o.process_file = optarg;
          break;
        case 'd':
          f->detach = true;
          break;
        case OPT_PID_FILE:
          f->o.pid_file = optarg;
          break;
        case OPT_PROCESS_LABEL:
          f->o.process_label = optarg;
          break;
        case OPT_APPARMOR:
          f->o.apparmor = optarg;
          break;
        case OPT_NO_NEW_PRIVS:
          f->o.no_new_privs = true;
          break;
        case 'c':
          strv_push (&f->caps, optarg);
          break;
        case OPT_PRESERVE_FDS:
          if (holo_cmd_parse_preserve_fds ("exec", optarg, &f->o.preserve_fds) != 0)
            return 1;
          break;
        case OPT_CGROUP:
          f->o.cgroup = optarg;
          break;
        case OPT_IGNORE_PAUSED:
          f->o.ignore_paused = true;
          break;
        case 'h':
          exec_usage ();
          return -1;
        default:
          return holo_cmd_usage_error ("exec", "invalid option");
        }
    }
  if (optind >= argc)
    return holo_cmd_usage_error ("exec", "\"exec\" requires a minimum of 1 argument(s)");
  f->o.id = argv[optind];
  f->o.args = argv + optind + 1;
  f->o.env = f->env;
  f->o.caps = f->caps;
  if (f->o.process_file == NULL && f->o.args[0] == NULL)
    return holo_cmd_usage_error ("exec", "\"exec\" requires a command (or --process)");
  return 0;
}

int
holo_cmd_exec (struct holo_global *g, int argc, char **argv)
{
  struct exec_flags f;
  memset (&f, 0, sizeof f);
  int r = parse_exec_flags (argc, argv, &f);
  if (r != 0)
    return r < 0 ? 0 : EXEC_FAILED;

  holo_error_t err = NULL;
  struct holo_created proc;
  if (!f.detach)
    {
      holo_foreground_prepare ();
      f.o.want_console_master = f.o.console_socket == NULL;
    }
  if (holo_container_exec (&g->ctx, &f.o, &proc, &err) < 0)
    {
      holo_error_prefix (&err, "exec failed");
      holo_cmd_fail (&err);
      return EXEC_FAILED;
    }
  if (f.detach)
    return 0;
  return holo_foreground_wait (proc.pid, proc.console_master);
}
