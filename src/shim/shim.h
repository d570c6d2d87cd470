/* holo shim — containerd-shim-holo-v2: one long-lived process per
   container serves containerd's Task API over ttrpc and drives the `holo`
   binary with go-runc's argv.  Everything runs on one thread around one
   epoll loop; the structures below are the whole state of the shim.  */
#ifndef HOLO_SHIM_H
#define HOLO_SHIM_H

#include "shim/loop.h"
#include "shim/ttrpc/ttrpc.h"
#include "types.pb-c.h"
#include "task.pb-c.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

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

/* A copy loop between two fds (tty output, stdin), with a small buffer for
   what the destination did not take yet.  */
struct shim_relay
{
  struct shim_watch in, out;
  char *buf;
  size_t off, len;
  bool close_on_eof; /* end of input closes both fds (stdin to a pipe) */
};

/* The stdio of one process, as the shim holds it.  */
struct shim_stdio
{
  char *stdin_path, *stdout_path, *stderr_path;
  bool terminal;
  int hold_fds[3]; /* FIFO ends kept open so that writers never get EPIPE */
  int console_fd;  /* pty master */
  struct shim_relay *in_relay;
  struct shim_relay *out_relay;
  char *console_dir; /* temporary directory of the console socket */
  int console_listen;
};

struct shim_wait
{
  struct ttrpc_call call;
  struct shim_wait *next;
};

enum shim_proc_state
{
  SHIM_PROC_CREATED,
  SHIM_PROC_RUNNING,
  SHIM_PROC_STOPPED,
};

struct shim_process
{
  struct shim_process *next;
  char *exec_id;   /* NULL for the init process */
  char *spec_path; /* exec: the process.json handed to holo exec */
  pid_t pid;
  enum shim_proc_state state;
  int exit_status;
  struct timespec exited_at;
  struct shim_stdio stdio;
  struct shim_wait *waits;
};

struct shim_container
{
  char *id;
  char *bundle;
  struct shim_process init;
  struct shim_process *execs;
  bool paused;
  bool rootfs_mounted;
  bool kill_all_on_exit; /* no pid namespace of its own: execs outlive init */
  char *checkpoint;      /* restore from this image at Start */
  bool deleted;
  struct shim_watch oom;
  int oom_event_fd; /* v1: the memory.oom_control fd; v2: -1 */
  unsigned long long oom_kills;
  char *oom_events_path;
};

/* An exit reaped before the shim knew whose it was.  */
struct shim_exit
{
  pid_t pid;
  int status;
  struct timespec at;
  struct shim_exit *next;
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
  struct shim_watch signals;
  struct shim_timer shutdown_timer;
  struct shim_exit *exits;

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

/* options.c */
void shim_options_free (struct shim_options *o);
int shim_options_from_any (struct shim_options *o, const Hs__Any *any, holo_error_t *err);
int shim_options_read_stdin (struct shim_options *o, holo_error_t *err);
int shim_options_save (const struct shim_options *o, const char *bundle, holo_error_t *err);
int shim_options_load (struct shim_options *o, const char *bundle, holo_error_t *err);
const char *shim_options_binary (const struct shim_options *o);
char *shim_options_state_root (const struct shim_options *o, const char *namespace);

/* runtime.c: runs `holo` */
struct shim_runtime_cmd
{
  int stdio[3];      /* -1: /dev/null */
  const char *input; /* written to the command's stdin when set */
  char **output;     /* captures stdout when set */
};
int shim_runtime_run (struct shim *shim, const char *bundle, char **args, struct shim_runtime_cmd *cmd,
                      holo_error_t *err);

/* reaper.c */
int shim_reaper_init (struct shim *shim, holo_error_t *err);
void shim_reaper_collect (struct shim *shim);
/* Hands reaped exits to their processes and forgets the others.  */
void shim_reaper_dispatch (struct shim *shim);
/* Waits for PID (the runtime command), keeping other exits for later.  */
int shim_reaper_wait_command (struct shim *shim, pid_t pid);

/* events.c */
void shim_events_init (struct shim *shim);
void shim_publish (struct shim *shim, const char *topic, const char *type, const ProtobufCMessage *event);
void shim_events_flush (struct shim *shim, int timeout_ms);

/* stdio.c */
void shim_stdio_init (struct shim_stdio *s, const char *in, const char *out, const char *err, bool terminal);
/* Opens what the process's stdio will be; fills FDS for the runtime
   command and makes the console socket when a terminal is asked for.  */
int shim_stdio_prepare (struct shim *shim, struct shim_stdio *s, int fds[3], holo_error_t *err);
/* After the runtime command: takes the pty master and starts the relays.  */
int shim_stdio_attach (struct shim *shim, struct shim_stdio *s, holo_error_t *err);
char *shim_stdio_console_socket (struct shim_stdio *s);
void shim_stdio_close_stdin (struct shim *shim, struct shim_stdio *s);
/* Copies what is left of the tty output (bounded in time).  */
void shim_stdio_drain (struct shim *shim, struct shim_stdio *s);
void shim_stdio_release (struct shim *shim, struct shim_stdio *s);
void shim_stdio_free (struct shim *shim, struct shim_stdio *s);
int shim_stdio_resize (struct shim_stdio *s, unsigned width, unsigned height, holo_error_t *err);

/* cgroup.c: ShimCgroup */
int shim_join_cgroup (const char *path, holo_error_t *err);

/* logger.c: binary:// log URIs; OUT gets the stdout and stderr write ends.  */
int shim_logger_start (struct shim *shim, const char *uri, int out[2], holo_error_t *err);

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

/* task.c: the container's lifecycle */
struct shim_process *shim_process_lookup (struct shim *shim, const char *id, const char *exec_id, int *code,
                                          holo_error_t *err);
struct shim_process *shim_process_by_pid (struct shim *shim, pid_t pid);
void shim_process_exited (struct shim *shim, struct shim_process *p, int status, const struct timespec *at);
Hs__Status shim_process_status (struct shim *shim, struct shim_process *p);
int shim_task_create (struct shim *shim, const Hs__CreateTaskRequest *req, pid_t *pid, int *code, holo_error_t *err);
int shim_task_start (struct shim *shim, struct shim_process *p, int *code, holo_error_t *err);
int shim_task_delete (struct shim *shim, struct shim_process *p, int *code, holo_error_t *err);
bool shim_task_idle (struct shim *shim);

/* process.c: execs and the operations on a running container */
int shim_task_exec (struct shim *shim, const Hs__ExecProcessRequest *req, int *code, holo_error_t *err);
int shim_task_kill (struct shim *shim, struct shim_process *p, unsigned sig, bool all, int *code, holo_error_t *err);
int shim_task_pause (struct shim *shim, bool pause, int *code, holo_error_t *err);
int shim_task_update (struct shim *shim, const Hs__Any *resources, int *code, holo_error_t *err);
int shim_task_checkpoint (struct shim *shim, const char *path, const Hs__Any *options, int *code, holo_error_t *err);
int shim_task_pids (struct shim *shim, Hs__ProcessInfo ***out, size_t *n, int *code, holo_error_t *err);
int shim_read_pid_file (const char *path, pid_t *pid, holo_error_t *err);

/* service.c */
void shim_service_handle (struct ttrpc_server *s, const struct ttrpc_call *call, const Ttrpc__Request *req, void *data);

/* start.c: the start and delete subcommands */
int shim_cmd_start (struct shim *shim, holo_error_t *err);
int shim_cmd_delete (struct shim *shim, holo_error_t *err);
int shim_serve (struct shim *shim, int listen_fd, holo_error_t *err);

#endif
