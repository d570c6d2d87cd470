/* holo shim — the child subreaper.  Container processes are reparented to
   the shim when `holo create`/`holo exec` exit; SIGCHLD arrives on a
   signalfd and every reaped status goes on a list first.  The reaper knows
   nothing of tasks: a child the shim started itself (a runtime command) is
   watched by pid and its exit goes to its watcher; any other exit goes to
   the exit handler given at init, which says whether it took it.  While
   someone holds the reaper (a runtime command that may produce a pid is
   running), exits nobody took are kept and offered again, so a process
   that exits before its pid file was read is not lost.  */
#ifndef HOLO_SHIM_REAPER_H
#define HOLO_SHIM_REAPER_H

#include "shim/loop.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct shim_exit
{
  pid_t pid;
  int status; /* as from waitpid */
  struct timespec at;
  struct shim_exit *next;
};

/* True when the exit was taken.  */
typedef bool (*shim_exit_handler) (void *data, const struct shim_exit *e);

struct shim_pid_watch;
typedef void (*shim_pid_watch_fn) (struct shim_pid_watch *w, int status);

/* A child of ours whose exit goes to FN (owned by the caller, registered
   until its exit).  */
struct shim_pid_watch
{
  pid_t pid;
  shim_pid_watch_fn fn;
  void *data;
  struct shim_pid_watch *next;
};

struct shim_reaper
{
  struct shim_loop *loop;
  struct shim_watch signals;
  struct shim_exit *exits; /* reaped, not taken yet, oldest first */
  struct shim_pid_watch *watches;
  shim_exit_handler handler;
  void *data;
  unsigned holds;
  bool dispatching, again;
};

/* Makes the process a child subreaper and starts taking SIGCHLD on LOOP.
   HANDLER may be NULL (every exit nobody watches is dropped).  */
int shim_reaper_init (struct shim_reaper *r, struct shim_loop *loop, shim_exit_handler handler, void *data,
                      holo_error_t *err);
void shim_reaper_close (struct shim_reaper *r);

void shim_reaper_watch (struct shim_reaper *r, struct shim_pid_watch *w);
void shim_reaper_hold (struct shim_reaper *r);
/* Ends a hold and offers the kept exits again.  */
void shim_reaper_release (struct shim_reaper *r);

/* Reaps what has exited and hands it out.  */
void shim_reaper_collect (struct shim_reaper *r);
void shim_reaper_dispatch (struct shim_reaper *r);

#endif
