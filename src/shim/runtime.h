/* holo shim — runs the runtime binary the way go-runc does:
     BINARY --root ROOT/NS --log BUNDLE/log.json --log-format json
            [--systemd-cgroup] ARGS...
   without ever waiting for it on the event loop.  A command is started,
   the loop goes on serving, and its completion (exit status, or the last
   "level":"error" line it appended to log.json as the error message) is
   handed to a callback.  Every command has a deadline, as containerd
   gives its runc calls a context with one: past it the command's process
   group is killed and the callback hears DeadlineExceeded at once.  */
#ifndef HOLO_SHIM_RUNTIME_H
#define HOLO_SHIM_RUNTIME_H

#include "shim/loop.h"
#include "shim/reaper.h"

#include <stdint.h>

struct shim_options;
struct shim_runtime_call;

/* Per-command deadlines in milliseconds (0: none).  */
struct shim_deadline
{
  char *command; /* NULL: the default */
  unsigned ms;
  struct shim_deadline *next;
};

struct shim_runtime
{
  struct shim_loop *loop;
  struct shim_reaper *reaper;
  const struct shim_options *opts;
  const char *namespace;
  struct shim_deadline *deadlines; /* configured; the built-in table otherwise */
  struct shim_runtime_call *calls; /* started, not reaped yet */
};

/* *ERR is NULL on success; the callback may steal it.  CODE is a gRPC
   code: TTRPC_DEADLINE_EXCEEDED past the deadline, else TTRPC_UNKNOWN on
   failure (containerd's runtime errors).  */
typedef void (*shim_runtime_done) (void *data, int code, holo_error_t *err);

struct shim_runtime_cmd
{
  const char *bundle;     /* log.json goes there */
  char **args;            /* the command and its arguments */
  int stdio[3];           /* the command's stdio; -1: /dev/null.  The caller keeps its fds. */
  const char *input;      /* written to the command's stdin when set (stdio[0] is then ignored) */
  uint64_t deadline_ms;   /* an absolute CLOCK_MONOTONIC limit of the caller's (0: none); the
                             earlier of it and the command's configured deadline applies */
  shim_runtime_done done; /* NULL: nobody waits for the answer */
  void *data;
};

void shim_runtime_init (struct shim_runtime *rt, struct shim_loop *loop, struct shim_reaper *reaper,
                        const struct shim_options *opts, const char *namespace);
void shim_runtime_close (struct shim_runtime *rt);

/* Starts the command.  On failure nothing was started, nothing is left
   open, and DONE is not called.  */
int shim_runtime_start (struct shim_runtime *rt, const struct shim_runtime_cmd *cmd, holo_error_t *err);

/* HOLO_SHIM_TIMEOUTS: "COMMAND=DURATION,..." where COMMAND is a runtime
   command (create, start, kill, ...) or "default", and DURATION is
   seconds ("30", "1.5s"), milliseconds ("500ms") or "0" (no deadline).
   Replaces RT's configured deadlines.  */
int shim_runtime_set_deadlines (struct shim_runtime *rt, const char *spec, holo_error_t *err);
void shim_runtime_free_deadlines (struct shim_runtime *rt);
/* The deadline of COMMAND in ms (0: none): its own entry in the spec, else
   the spec's default, else the built-in one (create 120 s, restore and
   checkpoint 300 s, start, exec and delete 60 s, pause, resume and update
   30 s, kill 10 s, anything else 60 s).  */
unsigned shim_runtime_deadline (const struct shim_runtime *rt, const char *command);

#endif
