/* holo shim — an operation in flight: the request it answers, the process
   it acts on, and the runtime command it waits for.  The process may go
   away meanwhile (a container replaced after its delete); the operation
   then still answers, and touches nothing.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

void
shim_answer (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
             const struct shim_result *res)
{
  if (err && *err == NULL)
    err = NULL;
  rq->reply (shim, rq, err ? code : TTRPC_OK, err, res);
}

struct shim_op *
shim_op_new (struct shim *shim, const struct shim_request *rq, struct shim_process *p, bool exclusive)
{
  struct shim_op *op = holo_xmalloc (sizeof (*op));

  op->shim = shim;
  op->rq = *rq;
  if (exclusive)
    {
      op->p = p;
      p->op = op;
    }
  return op;
}

static void
op_done (void *data, int code, holo_error_t *err)
{
  struct shim_op *op = data;
  op->next (op, code, err);
}

int
shim_op_run (struct shim_op *op, char **args, const int stdio[3], const char *input, shim_op_step next,
             holo_error_t *err)
{
  struct shim_container *c = op->shim->container;
  struct shim_runtime_cmd cmd = {
    .bundle = c->bundle,
    .args = args,
    .stdio = { -1, -1, -1 },
    .input = input,
    .deadline_ms = op->rq.call.deadline_ms,
    .done = op_done,
    .data = op,
  };

  if (stdio)
    for (int i = 0; i < 3; i++)
      cmd.stdio[i] = stdio[i];
  op->next = next;
  return shim_runtime_start (&op->shim->runtime, &cmd, err);
}

void
shim_op_answer (struct shim_op *op, int code, holo_error_t *err, const struct shim_result *res)
{
  if (op->p)
    {
      shim_fsm_end (&op->p->fsm);
      op->p->op = NULL;
    }
  shim_answer (op->shim, &op->rq, code, err, res);
  holo_error_release (&op->failure);
  free (op);
}

void
shim_op_orphan (struct shim_process *p)
{
  if (p->op)
    p->op->p = NULL;
  p->op = NULL;
}
