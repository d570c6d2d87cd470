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

void
shim_process_exited (struct shim *shim, struct shim_process *p, int status, const struct timespec *at)
{
  Hs__TaskExit ev = HS__TASK_EXIT__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  int code = shim_exit_code (status);

  if (!shim_process_mark_stopped (p, code, at))
    return;
  if (p == &shim->container->init && shim->container->kill_all_on_exit)
    kill_execs (shim->container);
  /* Everything the process wrote reaches the client before it hears of
     the exit.  */
  shim_stdio_drain (shim, &p->stdio);
  shim_timestamp (&ts, at);
  ev.container_id = shim->container->id;
  ev.id = (char *) process_id (shim, p);
  ev.pid = (uint32_t) p->pid;
  ev.exit_status = (uint32_t) code;
  ev.exited_at = &ts;
  holo_log_debug ("process %s (pid %d) exited with %d", ev.id, p->pid, code);
  shim_publish (shim, "/tasks/exit", "TaskExit", &ev.base);
  shim_process_reply_waits (shim, p);
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
