/* holo shim — a process's exit: the process it belongs to, TaskExit,
   the Waits it answers, the exec processes that go with an init that has
   no pid namespace of its own, and the exits held while the process's
   Start or Delete runs.  */
#define _GNU_SOURCE
#include "shim.h"
#include "events.pb-c.h"
#include "libcontainer/utils.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static const char *
process_id (struct shim *shim, const struct shim_process *p)
{
  return p->exec_id ? p->exec_id : shim->container->id;
}

struct shim_process *
shim_process_by_pid (struct shim *shim, pid_t pid)
{
  struct shim_container *c = shim->container;

  if (c == NULL || pid <= 0)
    return NULL;
  if (c->init.pid == pid && shim_fsm_live (&c->init.fsm))
    return &c->init;
  for (struct shim_process *p = c->execs; p; p = p->next)
    if (p->pid == pid && shim_fsm_live (&p->fsm))
      return p;
  return NULL;
}

void
shim_process_reply_waits (struct shim *shim, struct shim_process *p)
{
  while (p->waits)
    {
      struct shim_wait *w = p->waits;
      Hs__WaitResponse resp = HS__WAIT_RESPONSE__INIT;
      Hs__Timestamp ts = HS__TIMESTAMP__INIT;

      p->waits = w->next;
      shim_timestamp (&ts, &p->exited_at);
      resp.exit_status = (uint32_t) p->exit_status;
      resp.exited_at = &ts;
      ttrpc_reply (&shim->server, &w->call, TTRPC_OK, NULL, &resp.base);
      free (w);
    }
}

int
shim_exit_code (int status)
{
  return WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
}

/* Records the exit; false when the process was not live.  */
bool
shim_process_mark_stopped (struct shim_process *p, int exit_status, const struct timespec *at)
{
  if (!shim_fsm_exited (&p->fsm))
    return false;
  p->exit_status = exit_status;
  p->exited_at = *at;
  return true;
}

/* Without a pid namespace of its own, the container's processes do not
   die with its init: its exec processes go with it, as under runc's shim.  */
static void
kill_execs (struct shim_container *c)
{
  for (struct shim_process *e = c->execs; e; e = e->next)
    if (e->fsm.state == SHIM_STATE_RUNNING && e->pid > 0)
      kill (e->pid, SIGKILL);
}

/* The exit is out: TaskExit, the Waits, then a Delete that waited for it.  */
static void
report_exit (struct shim *shim, struct shim_process *p)
{
  Hs__TaskExit ev = HS__TASK_EXIT__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;

  p->exit_pending = false;
  shim_timestamp (&ts, &p->exited_at);
  ev.container_id = shim->container->id;
  ev.id = (char *) process_id (shim, p);
  ev.pid = (uint32_t) p->pid;
  ev.exit_status = (uint32_t) p->exit_status;
  ev.exited_at = &ts;
  holo_log_debug ("process %s (pid %d) exited with %d", ev.id, p->pid, p->exit_status);
  shim_publish (shim, "/tasks/exit", "TaskExit", &ev.base);
  shim_process_reply_waits (shim, p);
  if (p->has_deferred_delete)
    {
      struct shim_request rq = p->deferred_delete;
      p->has_deferred_delete = false;
      p->deferred_run (shim, p, &rq);
    }
}

static void
output_drained (void *data)
{
  struct shim_process *p = data;

  report_exit (p->shim, p);
}

/* Everything the process wrote reaches the client before it hears of the
   exit: its output (pty or pipes) is drained first, on the loop.  */
static void
drain_and_report (struct shim *shim, struct shim_process *p)
{
  p->shim = shim;
  shim_stdio_drain (shim, &p->stdio, output_drained, p);
}

/* `holo resume` of an init that exited paused is done (or failed, which
   containerd's shim logs and goes on from).  */
static void
resumed (void *data, int code, holo_error_t *err)
{
  struct shim *shim = data;
  struct shim_container *c = shim->container;

  if (*err)
    holo_log_warning ("resuming exited container from paused state: %s", (*err)->msg);
  if (c == NULL || !c->init.resuming)
    return;
  c->init.resuming = false;
  drain_and_report (shim, &c->init);
}

/* An init that exits paused leaves its cgroup frozen, and whatever is
   still in it frozen with it: containerd's runc shim resumes the
   container before it reports the exit, so that the rest can die and the
   container be deleted; so does this one.  */
static bool
resume_exited (struct shim *shim, struct shim_process *p)
{
  char *args[] = { (char *) "resume", shim->container->id, NULL };
  struct shim_runtime_cmd cmd = {
    .bundle = shim->container->bundle,
    .args = args,
    .stdio = { -1, -1, -1 },
    .done = resumed,
    .data = shim,
  };
  cleanup_error holo_error_t err = NULL;

  if (shim_runtime_start (&shim->runtime, &cmd, &err) < 0)
    {
      holo_log_warning ("resuming exited container from paused state: %s", err->msg);
      return false;
    }
  p->resuming = true;
  return true;
}

void
shim_process_exited (struct shim *shim, struct shim_process *p, int status, const struct timespec *at)
{
  bool paused = p == &shim->container->init && p->fsm.state == SHIM_STATE_PAUSED;

  if (!shim_process_mark_stopped (p, shim_exit_code (status), at))
    return;
  /* Stopped from now on (State says so); TaskExit and the Waits wait for
     the output, and for the resume of a paused init.  */
  p->exit_pending = true;
  if (p == &shim->container->init && shim->container->kill_all_on_exit)
    kill_execs (shim->container);
  if (paused && resume_exited (shim, p))
    return;
  drain_and_report (shim, p);
}

/* A Delete of a process whose exit is not out yet runs once it is, as
   containerd's shim makes it wait on the process; false when it cannot
   wait (one Delete waits already).  */
bool
shim_process_defer_delete (struct shim_process *p, const struct shim_request *rq, shim_deferred_fn run)
{
  if (!p->exit_pending || p->has_deferred_delete)
    return false;
  p->deferred_delete = *rq;
  p->deferred_run = run;
  p->has_deferred_delete = true;
  return true;
}

/* An exit that came while the process's Start or Delete ran waits for
   its end: TaskStart goes out before TaskExit, and a deleted process
   reports its real status.  */
bool
shim_task_reaped (void *data, const struct shim_exit *e)
{
  struct shim *shim = data;
  struct shim_process *p = shim_process_by_pid (shim, e->pid);

  if (p == NULL)
    return false;
  if (p->fsm.busy == SHIM_ACT_START || p->fsm.busy == SHIM_ACT_DELETE)
    {
      p->held_exit = *e;
      p->has_held_exit = true;
      return true;
    }
  shim_process_exited (shim, p, e->status, &e->at);
  return true;
}

void
shim_process_apply_held_exit (struct shim *shim, struct shim_process *p)
{
  if (!p->has_held_exit)
    return;
  p->has_held_exit = false;
  shim_process_exited (shim, p, p->held_exit.status, &p->held_exit.at);
}
