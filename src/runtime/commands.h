#ifndef HOLO_COMMANDS_H
#define HOLO_COMMANDS_H

#include "libcontainer/libcontainer.h"
#include <getopt.h>

struct holo_global
{
  struct holo_context ctx;
  const char *log_path;
  bool debug;
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
/* Prints the error (stderr + --log) and returns exit status 1.  */
int holo_cmd_fail (holo_error_t *err);
/* Usage error: prints MSG and the command's usage hint; returns 1.  */
int holo_cmd_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Exactly one positional argument (the container id) at ARGV[OPTIND].  */
int holo_cmd_require_id (const char *cmd, int argc, char **argv, int optind_, const char **id);

/* Commands taking only --help and an id: 0 ok, -1 help shown, 1 error.  */
int holo_cmd_parse_id_only (const char *cmd, int argc, char **argv, const char **id);

/* Parses --preserve-fds and friends shared by create and run.  */
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
