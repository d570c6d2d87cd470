/* Container operations, one file each: create, start, state, kill, delete. */
#ifndef HOLO_CONTAINER_H
#define HOLO_CONTAINER_H

#include "../cgroups/cgroups.h"
#include "../spec/spec.h"
#include "../store.h"

struct holo_context
{
  const char *root; /* state root (--root) */
  enum holo_cgroup_manager cgroup_manager;
  bool rootless;
  /* The caller's NOTIFY_SOCKET (notify.h), or NULL.  The relay says
     MAINPID=notify_main_pid (0: the container's init), and runs in a child
     process when notify_in_background.  */
  const char *notify_socket;
  pid_t notify_main_pid;
  bool notify_in_background;
};

struct holo_create_options
{
  const char *id;
  const char *bundle;         /* NULL = current directory */
  const char *console_socket; /* NULL = none */
  const char *pid_file;       /* NULL = none */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* `run` in the foreground with process.terminal and no console socket:
     create receives the pty master itself and returns it in *console_master. */
  bool want_console_master;
};

struct holo_created
{
  pid_t pid;
  int console_master; /* -1 unless want_console_master */
};

int holo_container_create (struct holo_context *ctx, const struct holo_create_options *o, struct holo_created *out,
                           holo_error_t *err);
int holo_container_start (struct holo_context *ctx, const char *id, holo_error_t *err);
/* The runtime-spec state JSON of ID (malloc'ed).  */
int holo_container_state (struct holo_context *ctx, const char *id, char **json, holo_error_t *err);
int holo_container_kill (struct holo_context *ctx, const char *id, int sig, bool all, holo_error_t *err);
int holo_container_delete (struct holo_context *ctx, const char *id, bool force, holo_error_t *err);

struct holo_exec_options
{
  const char *id;
  const char *process_file; /* --process: a runtime-spec process JSON; other flags ignored */
  char **args;              /* the command, when there is no --process */
  bool tty;
  const char *console_socket;
  const char *cwd;
  char **env;             /* NAME=value, override the config's */
  const char *user;       /* "uid[:gid]" */
  gid_t *additional_gids; /* replaces the config's when n_additional_gids > 0 */
  size_t n_additional_gids;
  char **caps; /* added to the bounding, effective and permitted sets */
  bool no_new_privs;
  const char *process_label;
  const char *apparmor;
  const char *cgroup; /* sub-cgroup of the container's, must exist */
  bool ignore_paused;
  const char *pid_file;
  int preserve_fds;
  bool want_console_master; /* foreground with a tty and no console socket */
};

/* Starts a process inside a running (or created) container.  */
int holo_container_exec (struct holo_context *ctx, const struct holo_exec_options *o, struct holo_created *out,
                         holo_error_t *err);

/* Resources (pause.c, update.c, ps.c, events.c).  pause: "container not
   running" unless running or created; resume: "container not paused".  */
struct holo_resources;
int holo_container_pause (struct holo_context *ctx, const char *id, holo_error_t *err);
int holo_container_resume (struct holo_context *ctx, const char *id, holo_error_t *err);
int holo_container_update (struct holo_context *ctx, const char *id, const struct holo_resources *r, holo_error_t *err);
/* The pids in the container's cgroup (none once stopped); malloc'ed.  */
int holo_container_pids (struct holo_context *ctx, const char *id, pid_t **pids, size_t *n, holo_error_t *err);
/* JSON lines on OUT: stats every INTERVAL_MS and OOM events until the
   container stops; STATS_ONCE: one stats line.  */
int holo_container_events (struct holo_context *ctx, const char *id, unsigned interval_ms, bool stats_once, FILE *out,
                           holo_error_t *err);
/* Like holo_container_load, holding the container's lock (on *DIR_FD).  */
int holo_container_load_locked (struct holo_context *ctx, const char *id, int *dir_fd, struct holo_state **state,
                                enum holo_status *status, holo_error_t *err);

/* Loads the container's record and live status (no lock taken).  */
int holo_container_load (struct holo_context *ctx, const char *id, struct holo_state **state, enum holo_status *status,
                         holo_error_t *err);

/* Internal (cgroup.c): the container's cgroup with either driver.  plan
   fills S's cgroup fields before anything exists (with systemd: the unit,
   checked against the host and the config); enter puts PID in it (with
   systemd: starts the scope, and records its cgroup in S); remove stops
   the unit and removes what is left of the cgroup.  */
int holo_container_cgroup_plan (struct holo_context *ctx, const struct holo_spec *spec, const char *id,
                                struct holo_state *s, holo_error_t *err);
int holo_container_cgroup_enter (struct holo_state *s, const struct holo_spec *spec, pid_t pid, holo_error_t *err);
int holo_container_cgroup_remove (const struct holo_state *s, holo_error_t *err);
bool holo_container_has_cgroup (const struct holo_state *s);

/* Internal: removes everything a container left (cgroup, state dir) and runs
   poststop hooks; used by delete and by a failed create.  */
int holo_container_destroy (struct holo_context *ctx, int root_fd, int dir_fd, const struct holo_state *s,
                            bool run_poststop, holo_error_t *err);

#endif
