/* The public API of holo's libcontainer: everything the `holo` command (or
   any other caller) may use.  Every other header under src/libcontainer/ is
   internal.  The wall is enforced twice: tests/lint/layering.sh fails the
   build when src/runtime/ includes an internal header, and the library is
   compiled with -fvisibility=hidden and linked into the binaries as one
   object whose hidden symbols are made local (Makefile.am, libholo-api.o),
   so calling an internal function from outside does not link.

   Conventions (as crun's): errors travel as the last argument
   (holo_error_t *err, see error.h), functions return a negative value on
   failure; the base helpers (memory, strings, files, logging: utils.h; the
   JSON writer: json.h) are part of the API.  */
#ifndef HOLO_LIBCONTAINER_H
#define HOLO_LIBCONTAINER_H

#include "error.h"
#include "extension.h"
#include "json.h"
#include "utils.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#pragma GCC visibility push(default)

/* ------------------------------------------------------------ context */

enum holo_cgroup_manager
{
  HOLO_CGROUP_MANAGER_CGROUPFS,
  HOLO_CGROUP_MANAGER_SYSTEMD,
  HOLO_CGROUP_MANAGER_DISABLED
};

/* What every operation needs from the command line.  */
struct holo_context
{
  const char *root; /* state root (--root) */
  enum holo_cgroup_manager cgroup_manager;
  bool rootless;
  /* Checks the caller adds to create, start and delete (Hologram, for the
     holo command); NULL: none.  See extension.h.  */
  const struct holo_extension *extension;
  /* The caller's NOTIFY_SOCKET (sd_notify), or NULL: create gives the
     container a socket of its own, start relays its READY= to it, then
     says MAINPID=notify_main_pid (0: the container's init); the relay runs
     in a child process when notify_in_background (a foreground `run`).  */
  const char *notify_socket;
  pid_t notify_main_pid;
  bool notify_in_background;
};

/* True when we run inside a user namespace other than the initial one
   (`--rootless auto` treats that as rootless, as runc does).  */
bool holo_running_in_userns (void);

/* CVE-2019-5736: makes sure the process that creates containers cannot
   lead a container to the runtime binary on the host (security/
   exe_protect.h: a private read-only overlayfs, else a sealed memfd copy;
   ctx->root is the overlay's second layer).  Returns 0 when protected; may
   re-execute the program (and then does not return).  */
int holo_protect_runtime_binary (const struct holo_context *ctx, char **argv, holo_error_t *err);
/* Whether the process already runs from such a protected file.  */
bool holo_runtime_binary_protected (void);

/* Starts, in a short-lived child, the kernel work the first move of a
   process into a cgroup waits for (cgroups/warmup.c), so that it overlaps
   the rest of create/exec.  Call it as early as possible; best effort.
   CLONES_INTO_CGROUP: create and run, whose init is cloned straight into
   its cgroup on a cgroup2 host (then there is nothing to warm up); exec's
   process, which usually joins a cgroup namespace, is moved.  */
void holo_cgroup_warm_up (const struct holo_context *ctx, bool clones_into_cgroup);

/* Profiling: with HOLO_TRACE=FILE in the environment, holo_trace appends
   "PID MICROSECONDS PHASE" to FILE (bench/phases.sh); otherwise it costs
   one branch.  holo_trace_init reads the variable, once, in main.  */
void holo_trace_init (void);
void holo_trace (const char *phase);

/* ------------------------------------------------------------ lifecycle */

enum holo_status
{
  HOLO_STATUS_CREATING,
  HOLO_STATUS_CREATED,
  HOLO_STATUS_RUNNING,
  HOLO_STATUS_PAUSED,
  HOLO_STATUS_STOPPED
};

/* "creating", "created", "running", "paused", "stopped".  */
const char *holo_status_name (enum holo_status st);

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

/* One container of the state root, as `list` shows it.  */
struct holo_container_summary
{
  char *id;
  pid_t pid; /* 0 when stopped */
  enum holo_status status;
  char *bundle;
  char *created;
  char *owner;
  char *state_json; /* the runtime-spec state */
};

/* Every container under the state root, sorted by id (containers being
   created or deleted at this moment are left out).  */
int holo_container_list (struct holo_context *ctx, struct holo_container_summary **out, size_t *n, holo_error_t *err);
void holo_container_summaries_free (struct holo_container_summary *v, size_t n);

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

/* ------------------------------------------------------------ resources */

/* A runtime-spec LinuxResources object (opaque).  */
struct holo_resources;
struct holo_resources *holo_resources_new (void);
void holo_resources_free (struct holo_resources *r);
static inline void
holo_cleanup_resourcesp (struct holo_resources **r)
{
  holo_resources_free (*r);
}
#define cleanup_resources __attribute__ ((cleanup (holo_cleanup_resourcesp)))
/* Parses a LinuxResources JSON document; FILE names it in errors.  */
int holo_resources_parse_json (const char *text, size_t len, const char *file, struct holo_resources **out,
                               holo_error_t *err);
/* "512m", "1G", "1.5g", "100kb", "42": bytes (powers of 1024, as runc's
   flags); "-1" gives -1.  Returns -1 (no error set) on a malformed size.  */
int holo_parse_size (const char *s, int64_t *out);

/* pause: "container not running" unless running or created; resume:
   "container not paused".  */
int holo_container_pause (struct holo_context *ctx, const char *id, holo_error_t *err);
int holo_container_resume (struct holo_context *ctx, const char *id, holo_error_t *err);
int holo_container_update (struct holo_context *ctx, const char *id, const struct holo_resources *r, holo_error_t *err);
/* The pids in the container's cgroup (none once stopped); malloc'ed.  */
int holo_container_pids (struct holo_context *ctx, const char *id, pid_t **pids, size_t *n, holo_error_t *err);
/* JSON lines on OUT: stats every INTERVAL_MS and OOM events until the
   container stops; STATS_ONCE: one stats line.  */
int holo_container_events (struct holo_context *ctx, const char *id, unsigned interval_ms, bool stats_once, FILE *out,
                           holo_error_t *err);

/* ------------------------------------------------------------ CRIU */

/* runc's checkpoint/restore flags.  */
struct holo_criu_flags
{
  const char *image_path;  /* default: ./checkpoint */
  const char *work_path;   /* default: the image path */
  const char *parent_path; /* relative to the image path */
  bool leave_running;
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
  bool pre_dump;
  bool auto_dedup;
  const char *manage_cgroups_mode; /* soft, full, strict, ignore; NULL = CRIU's default */
  const char *empty_ns;            /* "network" or NULL */
};

struct holo_checkpoint_options
{
  const char *id;
  struct holo_criu_flags criu;
};

/* Dumps a running (or paused) container into criu.image_path.  Without
   --leave-running or --pre-dump CRIU kills its processes and the container
   is then deleted, as runc does, so that `restore` can bring it back under
   the same id.  */
int holo_container_checkpoint (struct holo_context *ctx, const struct holo_checkpoint_options *o, holo_error_t *err);

struct holo_restore_options
{
  const char *id;
  const char *bundle; /* NULL = current directory */
  struct holo_criu_flags criu;
  const char *console_socket; /* receives the pty master of a terminal container */
  const char *pid_file;
  bool no_pivot; /* accepted; CRIU sets the root up itself */
};

/* Creates container ID from the bundle and the image: the state directory,
   the cgroup, then CRIU's restore.  OUT->pid is the restored init.  */
int holo_container_restore (struct holo_context *ctx, const struct holo_restore_options *o, struct holo_created *out,
                            holo_error_t *err);

/* ------------------------------------------------------------ documents */

/* `holo spec`: the default config.json (rootless: for an unprivileged
   user), malloc'ed.  */
char *holo_spec_default_json (bool rootless);
/* `holo features`: the runtime-spec features document, malloc'ed.  */
char *holo_features_json (void);

/* ------------------------------------------------------------ terminal */

/* Foreground `run`/`exec` with a terminal: copies bytes between our
   stdin/stdout and the pty MASTER until the master hangs up, with our tty
   in raw mode and SIGWINCH forwarded as resizes.  */
int holo_terminal_proxy (int master, holo_error_t *err);
/* Copies the window size of our terminal (stdin, else stdout) to MASTER;
   a no-op when neither is a terminal.  */
void holo_terminal_copy_window_size (int master);

#pragma GCC visibility pop

#endif
