#ifndef HOLO_COMMANDS_H
#define HOLO_COMMANDS_H

#include "hologram/hologram.h"
#include "libcontainer/libcontainer.h"
#include <getopt.h>

struct holo_global
{
  struct holo_context ctx;
  const char *log_path;
  bool debug;
  struct holo_hologram_options hologram; /* see holo_cmd_use_hologram */
  struct holo_extension hologram_ext;
};

struct holo_command
{
  const char *name;
  const char *summary;
  int (*run) (struct holo_global *g, int argc, char **argv);
};

/* Each returns the process exit status.  ARGV[0] is the command name.  */
int holo_cmd_create (struct holo_global *g, int argc, char **argv);
int holo_cmd_start (struct holo_global *g, int argc, char **argv);
int holo_cmd_run (struct holo_global *g, int argc, char **argv);
int holo_cmd_state (struct holo_global *g, int argc, char **argv);
int holo_cmd_kill (struct holo_global *g, int argc, char **argv);
int holo_cmd_delete (struct holo_global *g, int argc, char **argv);
int holo_cmd_list (struct holo_global *g, int argc, char **argv);
int holo_cmd_spec (struct holo_global *g, int argc, char **argv);
int holo_cmd_exec (struct holo_global *g, int argc, char **argv);
int holo_cmd_features (struct holo_global *g, int argc, char **argv);
int holo_cmd_update (struct holo_global *g, int argc, char **argv);
int holo_cmd_pause (struct holo_global *g, int argc, char **argv);
int holo_cmd_resume (struct holo_global *g, int argc, char **argv);
int holo_cmd_ps (struct holo_global *g, int argc, char **argv);
int holo_cmd_events (struct holo_global *g, int argc, char **argv);
int holo_cmd_hologram (struct holo_global *g, int argc, char **argv);
int holo_cmd_checkpoint (struct holo_global *g, int argc, char **argv);
int holo_cmd_restore (struct holo_global *g, int argc, char **argv);

/* Shared helpers for the command files.  */
/* Reads the Hologram options (environment, policy file) and hands the
   Hologram extension to libcontainer: for create, run, start, restore and
   delete.  Unconfigured, it computes, prints and contacts nothing.  */
void holo_cmd_use_hologram (struct holo_global *g);
/* Prints the error (stderr + --log) and returns exit status 1.  */
int holo_cmd_fail (holo_error_t *err);
/* Usage error: prints MSG and the command's usage hint; returns 1.  */
int holo_cmd_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Exactly one positional argument (the container id) at ARGV[OPTIND].  */
int holo_cmd_require_id (const char *cmd, int argc, char **argv, int optind_, const char **id);

/* Commands taking only --help and an id: 0 ok, -1 help shown, 1 error.  */
int holo_cmd_parse_id_only (const char *cmd, int argc, char **argv, const char **id);

/* --preserve-fds N (0..65535): 0, or 1 after a usage error.  */
int holo_cmd_parse_preserve_fds (const char *cmd, const char *arg, int *out);

/* The flags create, run and restore share, with runc's names: each command
   puts HOLO_CONTAINER_LONG_OPTIONS in its getopt table and passes every
   option to holo_cmd_container_flag first (1 taken, 0 not one of them, -1
   usage error printed).  */
enum
{
  HOLO_OPT_CONSOLE_SOCKET = 256,
  HOLO_OPT_PID_FILE,
  HOLO_OPT_NO_PIVOT,
  HOLO_OPT_NO_NEW_KEYRING,
  HOLO_OPT_NO_SUBREAPER,
  HOLO_OPT_PRESERVE_FDS,
  HOLO_OPT_CONTAINER_LAST /* a command's own options start here */
};
// clang-format off
#define HOLO_CONTAINER_LONG_OPTIONS \
  { "bundle", required_argument, NULL, 'b' }, \
  { "detach", no_argument, NULL, 'd' }, \
  { "console-socket", required_argument, NULL, HOLO_OPT_CONSOLE_SOCKET }, \
  { "pid-file", required_argument, NULL, HOLO_OPT_PID_FILE }, \
  { "no-pivot", no_argument, NULL, HOLO_OPT_NO_PIVOT }, \
  { "no-new-keyring", no_argument, NULL, HOLO_OPT_NO_NEW_KEYRING }, \
  { "no-subreaper", no_argument, NULL, HOLO_OPT_NO_SUBREAPER }
// clang-format on
struct holo_container_flags
{
  const char *bundle;
  const char *console_socket;
  const char *pid_file;
  bool detach;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
};
int holo_cmd_container_flag (const char *cmd, int c, const char *arg, struct holo_container_flags *f);

/* Parses the flags of create and run.  */
struct holo_create_flags
{
  struct holo_create_options opts;
  bool detach;
  bool keep;
};
int holo_cmd_parse_create_flags (const char *cmd, bool is_run, int argc, char **argv, struct holo_create_flags *f);

/* Foreground run/exec: call prepare before creating the process.  */
void holo_foreground_prepare (void);
/* Waits for PID (proxying MASTER if >= 0); returns its status or 128+signal. */
int holo_foreground_wait (pid_t pid, int master);

#endif
