/* holo shim — the life of one process (the container's init or an exec
   process) as a state machine, the shape of containerd's
   pkg/process/init_state.go and exec_state.go: every request is checked
   against the state it finds, and refused with containerd's code and text
   when the state does not allow it; state changes go through a table of
   the transitions that exist.

   Runtime commands run while the shim goes on serving, so a process also
   has at most one exclusive operation in flight (start, delete, pause,
   resume, checkpoint): a second one is refused while it runs, where
   containerd's shim would block on the process's mutex.  */
#ifndef HOLO_SHIM_STATE_H
#define HOLO_SHIM_STATE_H

#include "libcontainer/error.h"

#include <stdbool.h>

enum shim_state
{
  SHIM_STATE_CREATING,           /* init: `holo create` has not answered yet */
  SHIM_STATE_CREATED,            /* created, not started */
  SHIM_STATE_CREATED_CHECKPOINT, /* init: to be restored from an image at Start */
  SHIM_STATE_RUNNING,
  SHIM_STATE_PAUSED, /* init */
  SHIM_STATE_STOPPED,
  SHIM_STATE_DELETED,
};

enum shim_action
{
  SHIM_ACT_NONE,
  SHIM_ACT_START,
  SHIM_ACT_DELETE,
  SHIM_ACT_PAUSE,
  SHIM_ACT_RESUME,
  SHIM_ACT_CHECKPOINT,
  SHIM_ACT_UPDATE,
  SHIM_ACT_EXEC,
  SHIM_ACT_KILL,
  SHIM_ACT_RESIZE,
};

struct shim_fsm
{
  enum shim_state state;
  enum shim_action busy; /* the exclusive operation in flight */
  bool exec;             /* an exec process (else the init) */
};

void shim_fsm_init (struct shim_fsm *m, bool exec, enum shim_state state);

/* 0 when OP may run on the process now; else -1 with *CODE (a gRPC code)
   and *ERR set as containerd's shim answers.  */
int shim_fsm_check (const struct shim_fsm *m, enum shim_action op, int *code, holo_error_t *err);

/* Checks OP and, for an exclusive one, marks it in flight until
   shim_fsm_end.  */
int shim_fsm_begin (struct shim_fsm *m, enum shim_action op, int *code, holo_error_t *err);
void shim_fsm_end (struct shim_fsm *m);

/* Moves to TO when the table has that transition; -1 (and nothing
   changes) when it does not.  */
int shim_fsm_move (struct shim_fsm *m, enum shim_state to);

/* The process exited: any live state becomes stopped.  False when it
   already was stopped or deleted.  */
bool shim_fsm_exited (struct shim_fsm *m);

/* The process may still get an exit (not stopped, deleted or creating).  */
bool shim_fsm_live (const struct shim_fsm *m);

const char *shim_state_name (enum shim_state s);
const char *shim_action_name (enum shim_action op);

#endif
