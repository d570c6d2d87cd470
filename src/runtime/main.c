/* holo: a runc-compatible OCI runtime.  Global options, then one command. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

static const struct holo_command commands[] = {
  { "create", "create a container", holo_cmd_create },
  { "start", "execute the user defined process in a created container", holo_cmd_start },
  { "run", "create and run a container", holo_cmd_run },
  { "exec", "execute new process inside the container", holo_cmd_exec },
  { "state", "output the state of a container", holo_cmd_state },
  { "kill", "kill sends the specified signal (default: SIGTERM) to the container's init process", holo_cmd_kill },
  { "delete", "delete any resources held by the container often used with detached container", holo_cmd_delete },
  { "list", "lists containers started by holo with the given root", holo_cmd_list },
  { "pause", "pause suspends all processes inside the container", holo_cmd_pause },
  { "resume", "resumes all processes that have been previously paused", holo_cmd_resume },
  { "ps", "ps displays the processes running inside a container", holo_cmd_ps },
  { "events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    holo_cmd_events },
  { "update", "update container resource constraints", holo_cmd_update },
  { "checkpoint", "checkpoint a running container (CRIU)", holo_cmd_checkpoint },
  { "restore", "restore a container from a previous checkpoint (CRIU)", holo_cmd_restore },
  { "spec", "create a new specification file", holo_cmd_spec },
  { "features", "show the enabled features", holo_cmd_features },
  { "hologram", "Hologram: UOR-ID, witnesses, sealing (id, sign, verify, seal, unseal)", holo_cmd_hologram },
};

#ifdef HAVE_SELINUX
#define HOLO_HAS_SELINUX 1
#else
#define HOLO_HAS_SELINUX 0
#endif
#ifdef HAVE_APPARMOR
#define HOLO_HAS_APPARMOR 1
#else
#define HOLO_HAS_APPARMOR 0
#endif
#ifdef HAVE_SYSTEMD
#define HOLO_HAS_SYSTEMD 1
#else
#define HOLO_HAS_SYSTEMD 0
#endif

static void
print_version (void)
{
  const struct scmp_version *v = seccomp_version ();
  printf ("holo version %s\n", PACKAGE_VERSION);
  printf ("spec: %s\n", OCI_SPEC_VERSION);
  printf ("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
  /* Features as crun prints them: only what is implemented gets a '+'.  */
  printf ("+CAP +YAJL +SECCOMP %cSELINUX %cAPPARMOR %cSYSTEMD +CRIU +HOLOGRAM\n", HOLO_HAS_SELINUX ? '+' : '-',
          HOLO_HAS_APPARMOR ? '+' : '-', HOLO_HAS_SYSTEMD ? '+' : '-');
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: holo [global options] COMMAND [command options] [arguments...]\n\n"
                "holo is a runc-compatible OCI runtime.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nGlobal options:\n"
                "  --root PATH             state directory (default /run/holo; not root, or root of a user\n"
                "                          namespace: $XDG_RUNTIME_DIR/holo, as runc)\n"
                "  --log PATH              also write log lines to PATH\n"
                "  --log-format FORMAT     text or json\n"
                "  --debug                 debug logging\n"
                "  --systemd-cgroup        a systemd scope per container (cgroupsPath slice:prefix:name)\n"
                "  --cgroup-manager NAME   cgroupfs, systemd or disabled\n"
                "  --rootless VALUE        true, false or auto (default: auto, rootless when not root)\n"
                "  -v, --version           print the version\n"
                "  -h, --help              show this help\n");
}

static bool
is_own_directory (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == geteuid ();
}

/* runc's rule (shouldHonorXDGRuntimeDir): $XDG_RUNTIME_DIR counts unless we
   are the real root.  uid 0 of a user namespace is not (rootless Podman
   runs the runtime so, with XDG_RUNTIME_DIR set), except when $USER says
   "root".  */
static bool
honor_xdg_runtime_dir (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  if (xdg == NULL || *xdg == '\0')
    return false;
  if (geteuid () != 0)
    return true;
  if (!holo_running_in_userns ())
    return false;
  const char *user = getenv ("USER");
  return user == NULL || strcmp (user, "root") != 0;
}

/* $XDG_RUNTIME_DIR/holo as runc (see above); else root: /run/holo; else the
   login's runtime directory /run/user/UID, or /tmp/holo-UID.  */
static char *
default_root (void)
{
  if (honor_xdg_runtime_dir ())
    return holo_xasprintf ("%s/holo", getenv ("XDG_RUNTIME_DIR"));
  if (geteuid () == 0)
    return holo_xstrdup ("/run/holo");
  cleanup_free char *run_user = holo_xasprintf ("/run/user/%d", (int) geteuid ());
  if (is_own_directory (run_user))
    return holo_xasprintf ("%s/holo", run_user);
  return holo_xasprintf ("/tmp/holo-%d", (int) geteuid ());
}

/* A state root someone else made in /tmp would let them see and tamper
   with our containers.  */
static int
check_tmp_root (const char *root)
{
  struct stat st;
  if (strncmp (root, "/tmp/holo-", 10) != 0 || lstat (root, &st) < 0)
    return 0;
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid ())
    return holo_cmd_usage_error (NULL, "state root `%s` is not a directory of yours: use --root", root);
  return 0;
}

/* --rootless auto (the default), as runc: rootless when not root, or when
   root of a user namespace (whose cgroups are likely not ours).  */
static int
parse_rootless (const char *value, bool *out)
{
  if (value == NULL || strcmp (value, "auto") == 0)
    *out = geteuid () != 0 || holo_running_in_userns ();
  else if (strcmp (value, "true") == 0 || strcmp (value, "false") == 0)
    *out = strcmp (value, "true") == 0;
  else
    return holo_cmd_usage_error (NULL, "invalid --rootless `%s`: must be true, false or auto", value);
  return 0;
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

struct global_raw
{
  const char *root;
  const char *log_path;
  const char *log_format;
  const char *cgroup_manager;
  const char *rootless;
  bool systemd_cgroup;
};

static int
apply_globals (struct holo_global *g, const struct global_raw *raw, char **root_storage)
{
  holo_error_t err = NULL;
  enum holo_log_format fmt = HOLO_LOG_TEXT;
  if (raw->log_format && strcmp (raw->log_format, "json") == 0)
    fmt = HOLO_LOG_JSON;
  else if (raw->log_format && strcmp (raw->log_format, "text") != 0)
    return holo_cmd_usage_error (NULL, "invalid --log-format `%s`: must be text or json", raw->log_format);
  int log_fd = -1;
  if (raw->log_path)
    {
      log_fd = open (raw->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (log_fd < 0)
        {
          holo_make_error (&err, errno, "open log file `%s`", raw->log_path);
          return holo_cmd_fail (&err);
        }
    }
  holo_log_init (log_fd, fmt, g->debug);
  g->log_path = raw->log_path;

  g->ctx.cgroup_manager = raw->systemd_cgroup ? HOLO_CGROUP_MANAGER_SYSTEMD : HOLO_CGROUP_MANAGER_CGROUPFS;
  if (raw->cgroup_manager)
    {
      if (strcmp (raw->cgroup_manager, "cgroupfs") == 0)
        g->ctx.cgroup_manager = HOLO_CGROUP_MANAGER_CGROUPFS;
      else if (strcmp (raw->cgroup_manager, "systemd") == 0)
        g->ctx.cgroup_manager = HOLO_CGROUP_MANAGER_SYSTEMD;
      else if (strcmp (raw->cgroup_manager, "disabled") == 0)
        g->ctx.cgroup_manager = HOLO_CGROUP_MANAGER_DISABLED;
      else
        return holo_cmd_usage_error (NULL, "invalid --cgroup-manager `%s`: must be cgroupfs, systemd or disabled",
                                     raw->cgroup_manager);
    }
  if (parse_rootless (raw->rootless, &g->ctx.rootless) != 0)
    return 1;
  /* sd_notify from the container (create, start, run), as runc.  */
  const char *notify = getenv ("NOTIFY_SOCKET");
  g->ctx.notify_socket = notify && *notify ? notify : NULL;
  *root_storage = raw->root ? holo_xstrdup (raw->root) : default_root ();
  g->ctx.root = *root_storage;
  return raw->root ? 0 : check_tmp_root (*root_storage);
}

static const struct holo_command *
find_command (const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  struct holo_global g = { 0 };
  struct global_raw raw = { 0 };
  int c;

  holo_trace_init ();
  holo_trace ("main");

  /* '+': stop at the command name; its options are parsed by the command. */
  while ((c = getopt_long (argc, argv, "+vh", global_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          raw.root = optarg;
          break;
        case OPT_LOG:
          raw.log_path = optarg;
          break;
        case OPT_LOG_FORMAT:
          raw.log_format = optarg;
          break;
        case OPT_DEBUG:
          g.debug = true;
          break;
        case OPT_SYSTEMD_CGROUP:
          raw.systemd_cgroup = true;
          break;
        case OPT_CGROUP_MANAGER:
          raw.cgroup_manager = optarg;
          break;
        case OPT_ROOTLESS:
          raw.rootless = optarg;
          break;
        case 'v':
          print_version ();
          return 0;
        case 'h':
          print_usage (stdout);
          return 0;
        default:
          print_usage (stderr);
          return 1;
        }
    }
  if (optind >= argc)
    {
      /* As runc: no command shows the help.  */
      print_usage (stdout);
      return 0;
    }
  const char *name = argv[optind];
  if (strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  const struct holo_command *cmd = find_command (name);
  cleanup_free char *root = NULL;
  int ret = apply_globals (&g, &raw, &root);
  if (ret != 0)
    return ret;
  if (cmd == NULL)
    return holo_cmd_usage_error (NULL, "No help topic for '%s'", name);

  /* Commands that start a container process run from a protected view or
     copy of the binary (holo_protect_runtime_binary).  */
  if (strcmp (name, "create") == 0 || strcmp (name, "run") == 0 || strcmp (name, "exec") == 0)
    {
      holo_error_t err = NULL;
      /* Before the protected re-exec, so that it overlaps it too.  */
      if (!holo_runtime_binary_protected ())
        holo_cgroup_warm_up (&g.ctx, strcmp (name, "exec") != 0);
      holo_trace ("exe-protect");
      if (holo_protect_runtime_binary (&g.ctx, argv, &err) < 0)
        return holo_cmd_fail (&err);
    }

  int sub_argc = argc - optind;
  char **sub_argv = argv + optind;
  optind = 0; /* glibc: reinitialise getopt for the command's options */
  holo_trace ("command");
  ret = cmd->run (&g, sub_argc, sub_argv);
  if (g.ctx.extension)
    holo_hologram_options_clear (&g.hologram);
  holo_trace ("exit");
  return ret;
}
