/* holo shim — containerd-shim-holo-v2: one long-lived process per
   container serves containerd's Task API over ttrpc and drives the `holo`
   binary with go-runc's argv.  Everything runs on one thread around one
   epoll loop; the structures below are the whole state of the shim.  */
#ifndef HOLO_SHIM_H
#define HOLO_SHIM_H

#include "shim/loop.h"
#include "shim/reaper.h"
#include "shim/runtime.h"
#include "shim/state.h"
#include "shim/ttrpc/ttrpc.h"
#include "types.pb-c.h"
#include "task.pb-c.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SHIM_VERSION PACKAGE_VERSION

/* Runtime options: containerd.runc.v1.Options from stdin at start or from
   the Create request, kept in the bundle for the `delete` subcommand.  */
struct shim_options
{
  char *binary_name; /* "holo" unless set */
  char *root;        /* state root of the runtime, before "/<namespace>" */
  char *criu_image_path;
  char *criu_work_path;
  bool systemd_cgroup;
  bool no_pivot_root;
  bool no_new_keyring;
  char *shim_cgroup;       /* the shim moves itself there */
  unsigned io_uid, io_gid; /* owner of the stdio pipes (user namespaces) */
};

typedef void (*shim_relay_drained) (struct shim_loop *loop, void *data);
struct shim_logger;
typedef void (*shim_logger_ready) (void *data, holo_error_t *err);

/* A copy loop between two fds (tty output, stdin), with a small buffer for
   what the destination did not take yet.  */
struct shim_relay
{
  struct shim_watch in, out;
  char *buf;
  size_t off, len;
  bool close_on_eof; /* end of input closes both fds (a pipe's relay) */
  /* The end of a drain stops nothing: the relay goes on copying what a
     process still holding the pipe writes (an exec's child).  */
  bool keep_after_drain;
  /* Draining (shim_relay_drain): what is left, then DRAINED.  */
  bool draining;
  bool drain_quiet; /* a moment without input ends the drain */
  struct shim_timer quiet, limit;
  shim_relay_drained drained;
  void *drained_data;
};

/* The stdio of one process, as the shim holds it.  */
struct shim_stdio
{
  char *stdin_path, *stdout_path, *stderr_path;
  bool terminal;
  int hold_fds[3]; /* FIFO ends kept open so that writers never get EPIPE */
  int console_fd;  /* pty master */
  struct shim_relay *in_relay;
  struct shim_relay *out_relay; /* the pty master, or the stdout pipe */
  struct shim_relay *err_relay; /* the stderr pipe (no terminal) */
  char *console_dir;            /* temporary directory of the console socket */
  int console_listen;
  void (*drained) (void *data); /* shim_stdio_drain's */
  void *drained_data;
  int draining;               /* relays the drain waits for */
  bool attached;              /* the runtime command succeeded: the relays run */
  struct shim_logger *logger; /* a binary:// logger, until it is ready */
  shim_logger_ready ready_done;
  void *ready_data;
  int log_out; /* a terminal's logger: the pipe for the pty's output */
};

struct shim_wait
{
  struct ttrpc_call call;
  struct shim_wait *next;
};

/* What an operation answers with: the fields its response has.  */
struct shim_result
{
  pid_t pid;
  int exit_status;
  struct timespec exited_at;
};

/* A request being served: where its answer goes (a connection and stream
   that may be gone by then) and how it is encoded (service.c).  Every
   operation answers its request exactly once, at once or when the
   runtime command it waits for is done.  */
struct shim;
struct shim_request;
typedef void (*shim_reply_fn) (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
                               const struct shim_result *res);
struct shim_request
{
  struct ttrpc_call call;
  shim_reply_fn reply;
};

struct shim_op;

struct shim_process;
typedef void (*shim_deferred_fn) (struct shim *shim, struct shim_process *p, const struct shim_request *rq);

struct shim_process
{
  struct shim_process *next;
  char *exec_id;   /* NULL for the init process */
  char *spec_path; /* exec: the process.json handed to holo exec */
  pid_t pid;
  struct shim_fsm fsm;
  int exit_status;
  struct timespec exited_at;
  struct shim_stdio stdio;
  struct shim_wait *waits;
  struct shim_op *op;         /* the exclusive operation in flight */
  struct shim_exit held_exit; /* an exit that came while Start or Delete ran */
  bool has_held_exit;
  /* Stopped, but TaskExit and the Waits wait for the tty output to drain,
     and an init that exited paused for its resume; a Delete waits too.  */
  bool exit_pending;
  bool resuming;
  struct shim_request deferred_delete;
  bool has_deferred_delete;
  /* What runs the deferred Delete once the exit is out (task.c's Delete:
     exits.c calls back rather than into task.c).  */
  shim_deferred_fn deferred_run;
  struct shim *shim; /* for the callbacks of the exit's steps */
};

struct shim_container
{
  char *id;
  char *bundle;
  struct shim_process init; /* its state is the container's */
  struct shim_process *execs;
  bool rootfs_mounted;
  bool kill_all_on_exit; /* no pid namespace of its own: execs outlive init */
  char *checkpoint;      /* restore from this image at Start */
  Hs__Mount **rootfs;    /* the Create's mounts, until TaskCreate is published */
  size_t n_rootfs;
  struct shim_watch oom;
  int oom_event_fd; /* v1: the memory.oom_control fd; v2: -1 */
  unsigned long long oom_kills;
  char *oom_events_path;
};

struct shim_event
{
  struct shim_event *next;
  uint8_t *payload; /* a packed ForwardRequest */
  size_t len;
  int attempts;
};

struct shim
{
  struct shim_loop loop;
  struct ttrpc_server server;
  struct ttrpc_client events_client;
  struct shim_timer events_retry;
  struct shim_event *events_head, *events_tail;
  bool events_flushing; /* shutting down: the loop ends with the queue */
  struct shim_timer shutdown_timer;
  struct shim_reaper reaper;
  struct shim_runtime runtime;

  char *namespace;
  char *id;
  char *bundle;
  char *containerd_address;
  char *ttrpc_address;
  char *socket_path;
  bool debug;
  struct shim_options opts;
  struct shim_container *container;
};

/* Closes both ends of a pipe that are open and marks them closed.  */
static inline void
shim_close_pair (int p[2])
{
  for (int i = 0; i < 2; i++)
    if (p[i] >= 0)
      close (p[i]);
  p[0] = p[1] = -1;
}

/* A protobuf Timestamp of T.  */
static inline void
shim_timestamp (Hs__Timestamp *ts, const struct timespec *t)
{
  ts->seconds = t->tv_sec;
  ts->nanos = (int32_t) t->tv_nsec;
}

/* options.c */
void shim_options_free (struct shim_options *o);
int shim_options_from_any (struct shim_options *o, const Hs__Any *any, holo_error_t *err);
int shim_options_read_stdin (struct shim_options *o, holo_error_t *err);
/* The TOML file a runtimeoptions.v1.Options ConfigPath names.  */
int shim_options_from_file (struct shim_options *o, const char *path, holo_error_t *err);
int shim_options_save (const struct shim_options *o, const char *bundle, holo_error_t *err);
/* 1 when the bundle has the options a Create saved, 0 when it has none
   (no Create got that far), -1 on error.  */
int shim_options_load (struct shim_options *o, const char *bundle, holo_error_t *err);
const char *shim_options_binary (const struct shim_options *o);
char *shim_options_state_root (const struct shim_options *o, const char *namespace);

/* events.c */
void shim_events_init (struct shim *shim);
void shim_publish (struct shim *shim, const char *topic, const char *type, const ProtobufCMessage *event);
void shim_events_flush (struct shim *shim, int timeout_ms);

/* stdio.c */
void shim_stdio_init (struct shim_stdio *s, const char *in, const char *out, const char *err, bool terminal);
/* Opens what the process's stdio will be; fills FDS for the runtime
   command and makes the console socket when a terminal is asked for.  */
int shim_stdio_prepare (struct shim *shim, struct shim_stdio *s, int fds[3], holo_error_t *err);
/* DONE runs once what prepare opened is ready to be handed over (a
   logging binary that is starting), at once when nothing is pending;
   *ERR says why it is not.  */
void shim_stdio_when_ready (struct shim *shim, struct shim_stdio *s, shim_logger_ready done, void *data);
/* After the runtime command succeeded: takes the pty master and starts
   the relays (nothing the command wrote reaches the client before).  */
int shim_stdio_attach (struct shim *shim, struct shim_stdio *s, holo_error_t *err);
char *shim_stdio_console_socket (struct shim_stdio *s);
void shim_stdio_close_stdin (struct shim *shim, struct shim_stdio *s);
/* Copies what is left of the output on the loop (bounded in time), then
   calls DONE (at once when there is no relay).  The pty's output is closed
   then, and a pipe's at its EOF (else it is copied on until release).  */
void shim_stdio_drain (struct shim *shim, struct shim_stdio *s, void (*done) (void *data), void *data);
void shim_stdio_release (struct shim *shim, struct shim_stdio *s);
void shim_stdio_free (struct shim *shim, struct shim_stdio *s);
int shim_stdio_resize (struct shim_stdio *s, unsigned width, unsigned height, holo_error_t *err);

/* cgroup.c: ShimCgroup */
int shim_join_cgroup (const char *path, holo_error_t *err);

/* logger.c: binary:// log URIs.  Starts the logging binary; OUT gets the
   write ends of its stdout and stderr pipes at once, and its readiness
   comes later (shim_logger_when_ready).  NULL on failure, nothing left.  */
struct shim_logger *shim_logger_start (struct shim *shim, const char *uri, int out[2], holo_error_t *err);
/* DONE hears (once) that it is ready, or *ERR that it did not get ready
   in time (it was killed); at once when that is already known.  */
void shim_logger_when_ready (struct shim_logger *l, shim_logger_ready done, void *data);
void shim_logger_free (struct shim_logger *l);

/* worker.c: FN (ARG, ERR) in a forked child of the shim, off the loop;
   DONE hears its outcome: TTRPC_OK, TTRPC_UNKNOWN with its error, or
   TTRPC_DEADLINE_EXCEEDED past DEADLINE_MS (0: none), when it was
   killed.  -1 when it could not be started (DONE is then not called).  */
typedef int (*shim_worker_fn) (void *arg, holo_error_t *err);
typedef void (*shim_worker_done) (void *data, int code, holo_error_t *err);
/* A child killed at its deadline was reaped at last: LATE (LATE_DATA)
   undoes what it may have done meanwhile.  LATE_DATA is malloc'd, the
   worker frees it.  */
typedef void (*shim_worker_late) (struct shim *shim, void *late_data);
int shim_worker_run (struct shim *shim, const char *what, unsigned deadline_ms, shim_worker_fn fn, void *arg,
                     shim_worker_done done, void *data, shim_worker_late late, void *late_data, holo_error_t *err);

/* mount.c */
int shim_mount_rootfs (const char *bundle, Hs__Mount **mounts, size_t n, holo_error_t *err);
void shim_unmount_rootfs (const char *bundle);

/* metrics.c */
int shim_cgroup_pids (pid_t pid, pid_t **pids, size_t *n, holo_error_t *err);
int shim_cgroup_stats (pid_t pid, Hs__Any *out, holo_error_t *err);
int shim_oom_watch (struct shim *shim, struct shim_container *c, holo_error_t *err);
void shim_oom_unwatch (struct shim *shim, struct shim_container *c);

/* Task operations fail with *err set and *code a ttrpc (gRPC) code.  */
int shim_fail (holo_error_t *err, int *code, int c, const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* op.c: an operation waiting for a runtime command.  */
struct shim_op;
typedef void (*shim_op_step) (struct shim_op *op, int code, holo_error_t *err);
struct shim_op
{
  struct shim *shim;
  struct shim_request rq;
  struct shim_process *p; /* NULL once the process is gone */
  shim_op_step next;      /* runs when the command is done */
  holo_error_t failure;   /* kept while a clean-up command runs */
  int failure_code;
  /* shim_op_run_ready: the command waiting for its stdio.  */
  char **args;
  int fds[3];
  shim_op_step after;
};
/* An operation on P (may be NULL) answering RQ; with EXCLUSIVE it is P's
   operation in flight until it ends.  */
struct shim_op *shim_op_new (struct shim *shim, const struct shim_request *rq, struct shim_process *p, bool exclusive);
/* Runs `holo ARGS` (STDIO may be NULL: /dev/null; INPUT may be NULL);
   NEXT runs when it is done.  On failure nothing runs and the op is left
   to the caller.  */
int shim_op_run (struct shim_op *op, char **args, const int stdio[3], const char *input, shim_op_step next,
                 holo_error_t *err);
/* The same once the process's stdio S is ready (a logging binary that is
   starting), with FDS (taken, closed here) as the command's stdio.  Every
   outcome goes to NEXT, a failure to start the command too.  */
void shim_op_run_ready (struct shim_op *op, struct shim_stdio *s, char **args, int fds[3], shim_op_step next);
/* Answers the request, ends the operation and frees it.  */
void shim_op_answer (struct shim_op *op, int code, holo_error_t *err, const struct shim_result *res);
/* The process went away: its operation in flight answers into the void.  */
void shim_op_orphan (struct shim_process *p);
/* Answers RQ now (no operation).  */
void shim_answer (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
                  const struct shim_result *res);

/* task.c: the container's lifecycle */
struct shim_process *shim_process_lookup (struct shim *shim, const char *id, const char *exec_id, int *code,
                                          holo_error_t *err);
struct shim_process *shim_process_by_pid (struct shim *shim, pid_t pid);
void shim_process_exited (struct shim *shim, struct shim_process *p, int status, const struct timespec *at);
Hs__Status shim_process_status (struct shim *shim, struct shim_process *p);
void shim_process_free (struct shim *shim, struct shim_process *p);

/* exits.c: a process's exit */
/* The reaper's exit handler: true when the exit was a process's.  */
bool shim_task_reaped (void *shim, const struct shim_exit *e);
int shim_exit_code (int wait_status);
/* Records the exit; false when the process was not live.  */
bool shim_process_mark_stopped (struct shim_process *p, int exit_status, const struct timespec *at);
void shim_process_reply_waits (struct shim *shim, struct shim_process *p);
/* An exit held while the process's Start or Delete ran, now applied.  */
void shim_process_apply_held_exit (struct shim *shim, struct shim_process *p);
/* A Delete that arrived while the exit is not out yet waits for it; false
   when there is nothing to wait for (or a Delete waits already).  */
bool shim_process_defer_delete (struct shim_process *p, const struct shim_request *rq, shim_deferred_fn run);
void shim_task_create (struct shim *shim, const Hs__CreateTaskRequest *req, const struct shim_request *rq);
void shim_task_start (struct shim *shim, struct shim_process *p, const struct shim_request *rq);
void shim_task_delete (struct shim *shim, struct shim_process *p, const struct shim_request *rq);
bool shim_task_idle (struct shim *shim);

/* process.c: execs and the operations on a running container */
void shim_task_exec (struct shim *shim, const Hs__ExecProcessRequest *req, const struct shim_request *rq);
void shim_task_kill (struct shim *shim, struct shim_process *p, unsigned sig, bool all, const struct shim_request *rq);
void shim_task_pause (struct shim *shim, bool pause, const struct shim_request *rq);
void shim_task_update (struct shim *shim, const Hs__Any *resources, const struct shim_request *rq);
void shim_task_checkpoint (struct shim *shim, const char *path, const Hs__Any *options, const struct shim_request *rq);
int shim_task_pids (struct shim *shim, Hs__ProcessInfo ***out, size_t *n, int *code, holo_error_t *err);
int shim_read_pid_file (const char *path, pid_t *pid, holo_error_t *err);

/* service.c */
void shim_service_handle (struct ttrpc_server *s, const struct ttrpc_call *call, const Ttrpc__Request *req, void *data);

/* start.c: the start and delete subcommands */
int shim_cmd_start (struct shim *shim, holo_error_t *err);
int shim_cmd_delete (struct shim *shim, holo_error_t *err);
int shim_serve (struct shim *shim, int listen_fd, holo_error_t *err);

#endif
