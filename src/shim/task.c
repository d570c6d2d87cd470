/* holo shim — the container: Create, Start, Delete of its init process
   and of exec processes, and what happens when a process exits.  Each
   operation that runs `holo` answers when the command is done; the loop
   serves other requests meanwhile.  */
#define _GNU_SOURCE
#include "shim.h"
#include "argv.h"
#include "json.h"
#include "events.pb-c.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

int
shim_fail (holo_error_t *err, int *code, int c, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  *code = c;
  return holo_make_error (err, 0, "%s", msg);
}

int
shim_read_pid_file (const char *path, pid_t *pid, holo_error_t *err)
{
  cleanup_free char *text = NULL;
  long v;

  if (holo_read_file (path, &text, NULL, err) < 0)
    return -1;
  v = strtol (text, NULL, 10);
  if (v <= 0)
    return holo_make_error (err, 0, "%s: no pid", path);
  *pid = (pid_t) v;
  return 0;
}

static bool
container_visible (const struct shim_container *c)
{
  return c && c->init.fsm.state != SHIM_STATE_CREATING && c->init.fsm.state != SHIM_STATE_DELETED;
}

struct shim_process *
shim_process_lookup (struct shim *shim, const char *id, const char *exec_id, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;

  if (!container_visible (c) || (id && *id && strcmp (id, c->id) != 0))
    {
      shim_fail (err, code, TTRPC_NOT_FOUND, "container %s: not found", id ? id : "");
      return NULL;
    }
  if (exec_id == NULL || *exec_id == '\0')
    return &c->init;
  for (struct shim_process *p = c->execs; p; p = p->next)
    if (strcmp (p->exec_id, exec_id) == 0)
      return p;
  shim_fail (err, code, TTRPC_NOT_FOUND, "process %s does not exist: not found", exec_id);
  return NULL;
}

Hs__Status
shim_process_status (struct shim *shim, struct shim_process *p)
{
  const struct shim_fsm *init = &shim->container->init.fsm;

  switch (p->fsm.state)
    {
    case SHIM_STATE_CREATED:
    case SHIM_STATE_CREATED_CHECKPOINT:
      return HS__STATUS__CREATED;
    case SHIM_STATE_STOPPED:
    case SHIM_STATE_DELETED:
      return HS__STATUS__STOPPED;
    case SHIM_STATE_PAUSED:
      return HS__STATUS__PAUSED;
    case SHIM_STATE_RUNNING:
      /* An exec process is as paused as its container.  */
      if (init->state == SHIM_STATE_PAUSED)
        return HS__STATUS__PAUSED;
      return init->busy == SHIM_ACT_PAUSE ? HS__STATUS__PAUSING : HS__STATUS__RUNNING;
    default:
      return HS__STATUS__UNKNOWN;
    }
}

/* Whether config.json gives the container a pid namespace of its own.  */
static bool
has_own_pid_namespace (const char *bundle)
{
  cleanup_free char *path = holo_xasprintf ("%s/config.json", bundle);
  cleanup_free char *text = NULL;

  if (holo_read_file (path, &text, NULL, NULL) < 0)
    return true;
  return shim_json_own_pid_namespace (text);
}

void
shim_process_free (struct shim *shim, struct shim_process *p)
{
  shim_op_orphan (p);
  shim_stdio_free (shim, &p->stdio);
  if (p->spec_path)
    unlink (p->spec_path);
  free (p->spec_path);
  free (p->exec_id);
  if (p->has_deferred_delete)
    {
      p->has_deferred_delete = false;
      ttrpc_reply (&shim->server, &p->deferred_delete.call, TTRPC_NOT_FOUND, "process deleted: not found", NULL);
    }
  /* A process deleted before it ran: its waiters learn it is gone.  */
  while (p->waits)
    {
      struct shim_wait *w = p->waits;
      p->waits = w->next;
      ttrpc_reply (&shim->server, &w->call, TTRPC_NOT_FOUND, "process deleted: not found", NULL);
      free (w);
    }
}

/* The op's process, or NULL after answering that it went away.  */
static struct shim_process *
op_process (struct shim_op *op)
{
  holo_error_t err = NULL;

  if (op->p)
    return op->p;
  holo_make_error (&err, 0, "process deleted while its request ran: not found");
  shim_op_answer (op, TTRPC_NOT_FOUND, &err, NULL);
  holo_error_release (&err);
  return NULL;
}

static void
close_fds (int fds[3])
{
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

/* ------------------------------------------------------------- Create */

static char **
create_args (struct shim *shim, struct shim_container *c)
{
  cleanup_free char *console = shim_stdio_console_socket (&c->init.stdio);
  struct shim_argv a = { 0 };

  if (c->checkpoint)
    {
      shim_argv_add (&a, "restore");
      shim_argv_add (&a, "--detach");
      shim_argv_add (&a, "--image-path");
      shim_argv_add (&a, c->checkpoint);
      shim_argv_add (&a, "--work-path");
      if (shim->opts.criu_work_path)
        shim_argv_add (&a, shim->opts.criu_work_path);
      else
        shim_argv_addf (&a, "%s/criu-work", c->bundle);
    }
  else
    shim_argv_add (&a, "create");
  shim_argv_add (&a, "--bundle");
  shim_argv_add (&a, c->bundle);
  shim_argv_add (&a, "--pid-file");
  shim_argv_addf (&a, "%s/init.pid", c->bundle);
  if (console)
    {
      shim_argv_add (&a, "--console-socket");
      shim_argv_add (&a, console);
    }
  if (shim->opts.no_pivot_root)
    shim_argv_add (&a, "--no-pivot");
  if (shim->opts.no_new_keyring)
    shim_argv_add (&a, "--no-new-keyring");
  shim_argv_add (&a, c->id);
  return shim_argv_steal (&a);
}

/* The rootfs mounts of a Create, kept for its TaskCreate event (a deep
   copy of the fields the event has; the request is gone by then).  */
static Hs__Mount **
copy_mounts (Hs__Mount *const *m, size_t n)
{
  Hs__Mount **out = holo_xmalloc ((n + 1) * sizeof (*out));

  for (size_t i = 0; i < n; i++)
    {
      out[i] = holo_xmalloc (sizeof (Hs__Mount));
      hs__mount__init (out[i]);
      out[i]->type = holo_xstrdup (m[i]->type);
      out[i]->source = holo_xstrdup (m[i]->source);
      out[i]->target = holo_xstrdup (m[i]->target);
      out[i]->options = holo_xmalloc ((m[i]->n_options + 1) * sizeof (char *));
      for (size_t j = 0; j < m[i]->n_options; j++)
        out[i]->options[j] = holo_xstrdup (m[i]->options[j]);
      out[i]->n_options = m[i]->n_options;
    }
  return out;
}

static void
free_mounts (struct shim_container *c)
{
  for (size_t i = 0; i < c->n_rootfs; i++)
    {
      for (size_t j = 0; j < c->rootfs[i]->n_options; j++)
        free (c->rootfs[i]->options[j]);
      free (c->rootfs[i]->options);
      free (c->rootfs[i]->type);
      free (c->rootfs[i]->source);
      free (c->rootfs[i]->target);
      free (c->rootfs[i]);
    }
  free (c->rootfs);
  c->rootfs = NULL;
  c->n_rootfs = 0;
}

static void
publish_create (struct shim *shim, struct shim_container *c)
{
  Hs__TaskCreate ev = HS__TASK_CREATE__INIT;
  Hs__TaskIO io = HS__TASK_IO__INIT;

  io.stdin = c->init.stdio.stdin_path;
  io.stdout = c->init.stdio.stdout_path;
  io.stderr = c->init.stdio.stderr_path;
  io.terminal = c->init.stdio.terminal;
  ev.container_id = c->id;
  ev.bundle = c->bundle;
  ev.rootfs = c->rootfs;
  ev.n_rootfs = c->n_rootfs;
  ev.io = &io;
  ev.checkpoint = c->checkpoint ? c->checkpoint : (char *) "";
  ev.pid = (uint32_t) c->init.pid;
  shim_publish (shim, "/tasks/create", "TaskCreate", &ev.base);
  free_mounts (c);
}

static void
free_container (struct shim *shim, struct shim_container *c)
{
  shim_oom_unwatch (shim, c);
  shim_process_free (shim, &c->init);
  while (c->execs)
    {
      struct shim_process *p = c->execs;
      c->execs = p->next;
      shim_process_free (shim, p);
      free (p);
    }
  free_mounts (c);
  free (c->id);
  free (c->bundle);
  free (c->checkpoint);
  free (c);
}

/* `holo create`, or for a checkpoint `holo restore --detach` (run by Start,
   as containerd's runc shim does: the restored process runs at once),
   once the stdio is ready.  -1 when the stdio could not be opened (NEXT
   does not run); any later failure goes to NEXT.  */
static int
run_create (struct shim_op *op, shim_op_step next, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;
  cleanup_strv char **args = NULL;
  int fds[3];

  if (shim_stdio_prepare (shim, &c->init.stdio, fds, err) < 0)
    {
      close_fds (fds);
      return -1;
    }
  args = create_args (shim, c);
  shim_op_run_ready (op, &c->init.stdio, args, fds, next);
  return 0;
}

/* After `holo create` or `holo restore`: the pid, the stdio.  */
static int
take_init (struct shim *shim, struct shim_container *c, holo_error_t *err)
{
  cleanup_free char *pid_file = holo_xasprintf ("%s/init.pid", c->bundle);

  if (shim_read_pid_file (pid_file, &c->init.pid, err) < 0)
    return -1;
  if (shim_stdio_attach (shim, &c->init.stdio, err) < 0)
    return -1;
  {
    cleanup_error holo_error_t oom_err = NULL;
    if (shim_oom_watch (shim, c, &oom_err) < 0)
      holo_log_warning ("oom notifications: %s", oom_err->msg);
  }
  return 0;
}

static void
drop_container (struct shim *shim, struct shim_container *c)
{
  if (c->rootfs_mounted)
    shim_unmount_rootfs (c->bundle);
  if (shim->container == c)
    shim->container = NULL;
  free_container (shim, c);
}

/* The failed create was cleaned up (or needed none): answer its error.  */
static void
create_cleaned (struct shim_op *op, int code, holo_error_t *err)
{
  if (op->shim->container)
    drop_container (op->shim, op->shim->container);
  shim_op_answer (op, op->failure_code, &op->failure, NULL);
}

static void
create_failed (struct shim_op *op, bool runtime_state_left, int code, holo_error_t *err)
{
  struct shim_container *c = op->shim->container;
  cleanup_error holo_error_t del_err = NULL;
  char *del[] = { (char *) "delete", (char *) "--force", c->id, NULL };

  op->failure = steal_pointer (err);
  op->failure_code = code;
  /* The clean-up gets its own deadline, not what is left of the request's
     (which may be what ran out).  */
  op->rq.call.deadline_ms = 0;
  if (runtime_state_left && shim_op_run (op, del, NULL, NULL, create_cleaned, &del_err) == 0)
    return;
  if (del_err)
    holo_log_warning ("%s", del_err->msg);
  create_cleaned (op, 0, NULL);
}

static void
create_done (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;
  struct shim_result res = { 0 };

  if (*err == NULL && take_init (shim, c, err) < 0)
    code = TTRPC_UNKNOWN;
  if (*err)
    {
      /* A command killed at its deadline may have left its state.  */
      create_failed (op, c->init.pid > 0 || code == TTRPC_DEADLINE_EXCEEDED, code, err);
      return;
    }
  shim_fsm_move (&c->init.fsm, SHIM_STATE_CREATED);
  c->kill_all_on_exit = !has_own_pid_namespace (c->bundle);
  publish_create (shim, c);
  res.pid = c->init.pid;
  shim_op_answer (op, TTRPC_OK, err, &res);
}

/* The rootfs mounts, in a child of the shim (worker.c): mount(2) of a
   snapshot on a slow or stuck filesystem blocks in the kernel.  The
   child has its copy of the container, made at the fork.  */
static int
mount_in_child (void *arg, holo_error_t *err)
{
  struct shim_container *c = arg;

  return shim_mount_rootfs (c->bundle, c->rootfs, c->n_rootfs, err);
}

/* The "mount" deadline, or the request's own when it is earlier.  */
static unsigned
mount_deadline (struct shim *shim, const struct shim_request *rq)
{
  unsigned ms = shim_runtime_deadline (&shim->runtime, "mount");
  uint64_t now = shim_now_ms ();

  if (rq->call.deadline_ms)
    {
      uint64_t left = rq->call.deadline_ms > now ? rq->call.deadline_ms - now : 1;
      if (ms == 0 || left < ms)
        ms = left > UINT32_MAX ? UINT32_MAX : (unsigned) left;
    }
  return ms;
}

/* The rootfs is mounted (or there was none): a checkpoint waits for its
   Start, anything else is created now.  */
static void
create_mounted (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;

  if (*err)
    {
      /* What the child mounted before it failed or was killed.  */
      shim_unmount_rootfs (c->bundle);
      create_failed (op, false, code, err);
      return;
    }
  c->rootfs_mounted = c->n_rootfs > 0;
  if (c->checkpoint)
    {
      /* Restored at Start.  */
      shim_fsm_move (&c->init.fsm, SHIM_STATE_CREATED_CHECKPOINT);
      c->kill_all_on_exit = !has_own_pid_namespace (c->bundle);
      publish_create (shim, c);
      shim_op_answer (op, TTRPC_OK, err, &(struct shim_result){ 0 });
      return;
    }
  if (run_create (op, create_done, err) < 0)
    create_failed (op, false, TTRPC_UNKNOWN, err);
}

static void
mounted (void *data, int code, holo_error_t *err)
{
  create_mounted (data, code, err);
}

/* A mount child killed at its deadline may still have mounted (the
   kernel finishes a mount(2) before the signal takes it): once it is
   gone, that comes off too, unless a container uses the bundle again.  */
static void
unmount_late (struct shim *shim, void *data)
{
  const char *bundle = data;

  if (shim->container == NULL || strcmp (shim->container->bundle, bundle) != 0)
    shim_unmount_rootfs (bundle);
}

static struct shim_container *
new_container (struct shim *shim, const Hs__CreateTaskRequest *req)
{
  struct shim_container *c = holo_xmalloc (sizeof (*c));

  c->id = holo_xstrdup (req->id);
  c->bundle = holo_xstrdup (req->bundle && *req->bundle ? req->bundle : shim->bundle);
  c->oom.fd = c->oom_event_fd = -1;
  /* For the TaskCreate event, published once the create is done.  */
  c->rootfs = copy_mounts (req->rootfs, req->n_rootfs);
  c->n_rootfs = req->n_rootfs;
  shim_fsm_init (&c->init.fsm, false, SHIM_STATE_CREATING);
  shim_stdio_init (&c->init.stdio, req->stdin, req->stdout, req->stderr, req->terminal);
  return c;
}

void
shim_task_create (struct shim *shim, const Hs__CreateTaskRequest *req, const struct shim_request *rq)
{
  cleanup_error holo_error_t err = NULL;
  struct shim_container *c;
  struct shim_op *op;
  int code = TTRPC_UNKNOWN;

  if (shim->container && shim->container->init.fsm.state != SHIM_STATE_DELETED)
    {
      shim_fail (&err, &code, TTRPC_ALREADY_EXISTS, "container %s: already exists", shim->container->id);
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (shim_options_from_any (&shim->opts, req->options, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  c = new_container (shim, req);
  if (shim_options_save (&shim->opts, c->bundle, &err) < 0)
    {
      free_container (shim, c);
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (req->checkpoint && *req->checkpoint)
    c->checkpoint = holo_xstrdup (req->checkpoint);
  if (shim->container)
    free_container (shim, shim->container);
  shim->container = c; /* still creating: invisible to lookups */
  op = shim_op_new (shim, rq, &c->init, true);
  if (c->n_rootfs == 0)
    {
      create_mounted (op, TTRPC_OK, &err);
      return;
    }
  if (shim_worker_run (shim, "mount rootfs", mount_deadline (shim, rq), mount_in_child, c, mounted, op, unmount_late,
                       holo_xstrdup (c->bundle), &err)
      < 0)
    create_failed (op, false, TTRPC_UNKNOWN, &err);
}

/* -------------------------------------------------------------- Start */

static void
start_done (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;
  struct shim_process *p = op_process (op);
  Hs__TaskStart ev = HS__TASK_START__INIT;
  struct shim_result res = { 0 };

  if (p == NULL)
    return;
  if (*err == NULL && c->checkpoint && take_init (shim, c, err) < 0)
    code = TTRPC_UNKNOWN;
  if (*err)
    {
      if (c->checkpoint)
        shim_stdio_release (shim, &p->stdio);
      shim_op_answer (op, code, err, NULL);
      shim_process_apply_held_exit (shim, p);
      return;
    }
  shim_fsm_move (&p->fsm, SHIM_STATE_RUNNING);
  ev.container_id = c->id;
  ev.pid = (uint32_t) p->pid;
  shim_publish (shim, "/tasks/start", "TaskStart", &ev.base);
  res.pid = p->pid;
  shim_op_answer (op, TTRPC_OK, err, &res);
  shim_process_apply_held_exit (shim, p);
}

static void
start_init (struct shim *shim, struct shim_process *p, struct shim_op *op)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) "start", c->id, NULL };
  cleanup_error holo_error_t err = NULL;
  int ret;

  if (c->checkpoint)
    ret = run_create (op, start_done, &err);
  else
    ret = shim_op_run (op, args, NULL, NULL, start_done, &err);
  if (ret < 0)
    {
      if (c->checkpoint)
        shim_stdio_release (shim, &p->stdio);
      shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
    }
}

static void
exec_started (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;
  struct shim_process *p = op_process (op);
  Hs__TaskExecStarted ev = HS__TASK_EXEC_STARTED__INIT;
  struct shim_result res = { 0 };
  cleanup_free char *pid_file = NULL;

  if (p == NULL)
    return;
  pid_file = holo_xasprintf ("%s/%s.pid", c->bundle, p->exec_id);
  if (*err == NULL && (shim_read_pid_file (pid_file, &p->pid, err) < 0 || shim_stdio_attach (shim, &p->stdio, err) < 0))
    code = TTRPC_UNKNOWN;
  unlink (pid_file);
  if (*err)
    {
      shim_stdio_release (shim, &p->stdio);
      shim_op_answer (op, code, err, NULL);
      shim_process_apply_held_exit (shim, p);
      return;
    }
  shim_fsm_move (&p->fsm, SHIM_STATE_RUNNING);
  ev.container_id = c->id;
  ev.exec_id = p->exec_id;
  ev.pid = (uint32_t) p->pid;
  shim_publish (shim, "/tasks/exec-started", "TaskExecStarted", &ev.base);
  res.pid = p->pid;
  shim_op_answer (op, TTRPC_OK, err, &res);
  shim_process_apply_held_exit (shim, p);
}

static void
start_exec (struct shim *shim, struct shim_process *p, struct shim_op *op)
{
  struct shim_container *c = shim->container;
  cleanup_free char *pid_file = holo_xasprintf ("%s/%s.pid", c->bundle, p->exec_id);
  cleanup_free char *console = NULL;
  cleanup_argv struct shim_argv args = { 0 };
  cleanup_error holo_error_t err = NULL;
  int fds[3];

  if (shim_stdio_prepare (shim, &p->stdio, fds, &err) < 0)
    {
      close_fds (fds);
      shim_stdio_release (shim, &p->stdio);
      shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
      return;
    }
  console = shim_stdio_console_socket (&p->stdio);
  shim_argv_add (&args, "exec");
  shim_argv_add (&args, "--process");
  shim_argv_add (&args, p->spec_path);
  shim_argv_add (&args, "--detach");
  shim_argv_add (&args, "--pid-file");
  shim_argv_add (&args, pid_file);
  if (console)
    {
      shim_argv_add (&args, "--console-socket");
      shim_argv_add (&args, console);
    }
  shim_argv_add (&args, c->id);
  shim_op_run_ready (op, &p->stdio, args.v, fds, exec_started);
}

void
shim_task_start (struct shim *shim, struct shim_process *p, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;

  if (p != &c->init && c->init.fsm.state != SHIM_STATE_RUNNING)
    {
      shim_fail (&err, &code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (shim_fsm_begin (&p->fsm, SHIM_ACT_START, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (p == &c->init)
    start_init (shim, p, shim_op_new (shim, rq, p, true));
  else
    start_exec (shim, p, shim_op_new (shim, rq, p, true));
}

/* ------------------------------------------------------------- Delete */

static void
delete_done (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_container *c = shim->container;
  struct shim_process *p = op_process (op);
  Hs__TaskDelete ev = HS__TASK_DELETE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  struct shim_result res = { 0 };

  if (p == NULL)
    return;
  if (*err && strstr ((*err)->msg, "does not exist") == NULL)
    {
      shim_op_answer (op, code, err, NULL);
      shim_process_apply_held_exit (shim, p);
      return;
    }
  /* Not stopped yet (deleted before it ran): the status it exited with
     while holo deleted it, else SIGKILL's.  No TaskExit: the task is
     gone, as under runc's shim.  */
  if (shim_fsm_live (&p->fsm))
    {
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      if (p->has_held_exit)
        shim_process_mark_stopped (p, shim_exit_code (p->held_exit.status), &p->held_exit.at);
      else
        shim_process_mark_stopped (p, 128 + SIGKILL, &now);
      shim_process_reply_waits (shim, p);
    }
  p->has_held_exit = false;
  shim_stdio_release (shim, &p->stdio);
  if (c->rootfs_mounted)
    shim_unmount_rootfs (c->bundle);
  c->rootfs_mounted = false;
  shim_oom_unwatch (shim, c);
  shim_fsm_move (&p->fsm, SHIM_STATE_DELETED);
  shim_timestamp (&ts, &p->exited_at);
  ev.container_id = c->id;
  ev.pid = (uint32_t) p->pid;
  ev.exit_status = (uint32_t) p->exit_status;
  ev.exited_at = &ts;
  shim_publish (shim, "/tasks/delete", "TaskDelete", &ev.base);
  res.pid = p->pid;
  res.exit_status = p->exit_status;
  res.exited_at = p->exited_at;
  shim_op_answer (op, TTRPC_OK, err, &res);
}

static void
delete_exec (struct shim *shim, struct shim_process *p, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  struct shim_result res = { .pid = p->pid, .exit_status = p->exit_status, .exited_at = p->exited_at };

  for (struct shim_process **pp = &c->execs; *pp; pp = &(*pp)->next)
    if (*pp == p)
      {
        *pp = p->next;
        break;
      }
  shim_process_free (shim, p);
  free (p);
  shim_answer (shim, rq, TTRPC_OK, NULL, &res);
}

void
shim_task_delete (struct shim *shim, struct shim_process *p, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) "delete", (char *) "--force", c->id, NULL };
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;
  struct shim_op *op;

  if (p->exit_pending)
    {
      if (!shim_process_defer_delete (p, rq, shim_task_delete))
        {
          shim_fail (&err, &code, TTRPC_FAILED_PRECONDITION,
                     "a delete of this process already waits for its exit: failed precondition");
          shim_answer (shim, rq, code, &err, NULL);
        }
      return;
    }
  if (shim_fsm_check (&p->fsm, SHIM_ACT_DELETE, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (p != &c->init)
    {
      delete_exec (shim, p, rq);
      return;
    }
  shim_fsm_begin (&p->fsm, SHIM_ACT_DELETE, &code, &err);
  op = shim_op_new (shim, rq, p, true);
  if (shim_op_run (op, args, NULL, NULL, delete_done, &err) < 0)
    shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
}

/* Nothing left to serve: no container, or its init was deleted.  */
bool
shim_task_idle (struct shim *shim)
{
  return shim->container == NULL || shim->container->init.fsm.state == SHIM_STATE_DELETED;
}
