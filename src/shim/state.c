/* holo shim — the process state machine (see state.h).  The refusals are
   containerd's own texts; they travel as plain errors there, which ttrpc
   answers with code Unknown, except the few wrapped in errdefs.  */
#define _GNU_SOURCE
#include "state.h"
#include "shim/ttrpc/ttrpc.h"

#include <stddef.h>

struct refusal
{
  enum shim_state state;
  enum shim_action op;
  int code;
  const char *msg;
};

#define U TTRPC_UNKNOWN
#define NF TTRPC_NOT_FOUND

static const struct refusal init_refusals[] = {
  { SHIM_STATE_CREATED, SHIM_ACT_PAUSE, U, "cannot pause task in created state" },
  { SHIM_STATE_CREATED, SHIM_ACT_RESUME, U, "cannot resume task in created state" },
  { SHIM_STATE_CREATED, SHIM_ACT_CHECKPOINT, U, "cannot checkpoint a task in created state" },

  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_ACT_PAUSE, U, "cannot pause task in created state" },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_ACT_RESUME, U, "cannot resume task in created state" },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_ACT_CHECKPOINT, U, "cannot checkpoint a task in created state" },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_ACT_EXEC, U, "cannot exec in a created state" },

  { SHIM_STATE_RUNNING, SHIM_ACT_START, U, "cannot start a running process" },
  { SHIM_STATE_RUNNING, SHIM_ACT_DELETE, U, "cannot delete a running process" },
  { SHIM_STATE_RUNNING, SHIM_ACT_RESUME, U, "cannot resume a running process" },

  { SHIM_STATE_PAUSED, SHIM_ACT_PAUSE, U, "cannot pause a paused container" },
  { SHIM_STATE_PAUSED, SHIM_ACT_START, U, "cannot start a paused process" },
  { SHIM_STATE_PAUSED, SHIM_ACT_DELETE, U, "cannot delete a paused process" },
  { SHIM_STATE_PAUSED, SHIM_ACT_EXEC, U, "cannot exec in a paused state" },

  { SHIM_STATE_STOPPED, SHIM_ACT_PAUSE, U, "cannot pause a stopped container" },
  { SHIM_STATE_STOPPED, SHIM_ACT_RESUME, U, "cannot resume a stopped container" },
  { SHIM_STATE_STOPPED, SHIM_ACT_UPDATE, U, "cannot update a stopped container" },
  { SHIM_STATE_STOPPED, SHIM_ACT_CHECKPOINT, U, "cannot checkpoint a stopped container" },
  { SHIM_STATE_STOPPED, SHIM_ACT_START, U, "cannot start a stopped process" },
  { SHIM_STATE_STOPPED, SHIM_ACT_EXEC, U, "cannot exec in a stopped state" },
  /* containerd runs `runc kill` and turns its answer into this.  */
  { SHIM_STATE_STOPPED, SHIM_ACT_KILL, NF, "process already finished: not found" },

  { SHIM_STATE_DELETED, SHIM_ACT_PAUSE, U, "cannot pause a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_RESUME, U, "cannot resume a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_UPDATE, U, "cannot update a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_CHECKPOINT, U, "cannot checkpoint a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_RESIZE, U, "cannot resize a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_START, U, "cannot start a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_DELETE, NF, "cannot delete a deleted process: not found" },
  { SHIM_STATE_DELETED, SHIM_ACT_KILL, NF, "cannot kill a deleted process: not found" },
  { SHIM_STATE_DELETED, SHIM_ACT_EXEC, U, "cannot exec in a deleted state" },
};

static const struct refusal exec_refusals[] = {
  { SHIM_STATE_CREATED, SHIM_ACT_KILL, TTRPC_FAILED_PRECONDITION, "process not created: failed precondition" },

  { SHIM_STATE_RUNNING, SHIM_ACT_START, U, "cannot start a running process" },
  { SHIM_STATE_RUNNING, SHIM_ACT_DELETE, U, "cannot delete a running process" },

  { SHIM_STATE_STOPPED, SHIM_ACT_START, U, "cannot start a stopped process" },
  { SHIM_STATE_STOPPED, SHIM_ACT_RESIZE, U, "cannot resize a stopped container" },
  { SHIM_STATE_STOPPED, SHIM_ACT_KILL, NF, "process already finished: not found" },

  { SHIM_STATE_DELETED, SHIM_ACT_START, U, "cannot start a deleted process" },
  { SHIM_STATE_DELETED, SHIM_ACT_DELETE, NF, "cannot delete a deleted process: not found" },
  { SHIM_STATE_DELETED, SHIM_ACT_KILL, NF, "cannot kill a deleted process: not found" },
  { SHIM_STATE_DELETED, SHIM_ACT_RESIZE, U, "cannot resize a deleted process" },
};

#undef U
#undef NF

struct transition
{
  enum shim_state from, to;
};

static const struct transition init_transitions[] = {
  { SHIM_STATE_CREATING, SHIM_STATE_CREATED },
  { SHIM_STATE_CREATING, SHIM_STATE_CREATED_CHECKPOINT },
  { SHIM_STATE_CREATED, SHIM_STATE_RUNNING },
  { SHIM_STATE_CREATED, SHIM_STATE_STOPPED },
  { SHIM_STATE_CREATED, SHIM_STATE_DELETED },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_STATE_RUNNING },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_STATE_STOPPED },
  { SHIM_STATE_CREATED_CHECKPOINT, SHIM_STATE_DELETED },
  { SHIM_STATE_RUNNING, SHIM_STATE_PAUSED },
  { SHIM_STATE_RUNNING, SHIM_STATE_STOPPED },
  { SHIM_STATE_PAUSED, SHIM_STATE_RUNNING },
  { SHIM_STATE_PAUSED, SHIM_STATE_STOPPED },
  { SHIM_STATE_STOPPED, SHIM_STATE_DELETED },
};

static const struct transition exec_transitions[] = {
  { SHIM_STATE_CREATED, SHIM_STATE_RUNNING }, { SHIM_STATE_CREATED, SHIM_STATE_STOPPED },
  { SHIM_STATE_CREATED, SHIM_STATE_DELETED }, { SHIM_STATE_RUNNING, SHIM_STATE_STOPPED },
  { SHIM_STATE_STOPPED, SHIM_STATE_DELETED },
};

#define N_OF(a) (sizeof (a) / sizeof ((a)[0]))

const char *
shim_state_name (enum shim_state s)
{
  static const char *names[]
      = { "creating", "created", "created (checkpoint)", "running", "paused", "stopped", "deleted" };
  return (size_t) s < N_OF (names) ? names[s] : "unknown";
}

const char *
shim_action_name (enum shim_action op)
{
  static const char *names[]
      = { "none", "start", "delete", "pause", "resume", "checkpoint", "update", "exec", "kill", "resize" };
  return (size_t) op < N_OF (names) ? names[op] : "unknown";
}

static bool
exclusive (enum shim_action op)
{
  return op == SHIM_ACT_START || op == SHIM_ACT_DELETE || op == SHIM_ACT_PAUSE || op == SHIM_ACT_RESUME
         || op == SHIM_ACT_CHECKPOINT;
}

void
shim_fsm_init (struct shim_fsm *m, bool exec, enum shim_state state)
{
  m->state = state;
  m->busy = SHIM_ACT_NONE;
  m->exec = exec;
}

int
shim_fsm_check (const struct shim_fsm *m, enum shim_action op, int *code, holo_error_t *err)
{
  const struct refusal *table = m->exec ? exec_refusals : init_refusals;
  size_t n = m->exec ? N_OF (exec_refusals) : N_OF (init_refusals);

  if (m->state == SHIM_STATE_CREATING)
    {
      *code = TTRPC_NOT_FOUND;
      return holo_make_error (err, 0, "container not created: not found");
    }
  if (m->exec
      && (op == SHIM_ACT_PAUSE || op == SHIM_ACT_RESUME || op == SHIM_ACT_UPDATE || op == SHIM_ACT_CHECKPOINT
          || op == SHIM_ACT_EXEC))
    {
      *code = TTRPC_INVALID_ARGUMENT;
      return holo_make_error (err, 0, "cannot %s an exec process: invalid argument", shim_action_name (op));
    }
  for (size_t i = 0; i < n; i++)
    if (table[i].state == m->state && table[i].op == op)
      {
        *code = table[i].code;
        return holo_make_error (err, 0, "%s", table[i].msg);
      }
  if (exclusive (op) && m->busy != SHIM_ACT_NONE)
    {
      *code = TTRPC_FAILED_PRECONDITION;
      return holo_make_error (err, 0, "cannot %s while a %s is in progress: failed precondition", shim_action_name (op),
                              shim_action_name (m->busy));
    }
  return 0;
}

int
shim_fsm_begin (struct shim_fsm *m, enum shim_action op, int *code, holo_error_t *err)
{
  if (shim_fsm_check (m, op, code, err) < 0)
    return -1;
  if (exclusive (op))
    m->busy = op;
  return 0;
}

void
shim_fsm_end (struct shim_fsm *m)
{
  m->busy = SHIM_ACT_NONE;
}

int
shim_fsm_move (struct shim_fsm *m, enum shim_state to)
{
  const struct transition *table = m->exec ? exec_transitions : init_transitions;
  size_t n = m->exec ? N_OF (exec_transitions) : N_OF (init_transitions);

  for (size_t i = 0; i < n; i++)
    if (table[i].from == m->state && table[i].to == to)
      {
        m->state = to;
        return 0;
      }
  return -1;
}

bool
shim_fsm_live (const struct shim_fsm *m)
{
  return m->state == SHIM_STATE_CREATED || m->state == SHIM_STATE_CREATED_CHECKPOINT || m->state == SHIM_STATE_RUNNING
         || m->state == SHIM_STATE_PAUSED;
}

bool
shim_fsm_exited (struct shim_fsm *m)
{
  return shim_fsm_live (m) && shim_fsm_move (m, SHIM_STATE_STOPPED) == 0;
}
