/* holo shim — the container: Create, Start, Delete of its init process
   and of exec processes, and what happens when a process exits.  */
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

struct shim_process *
shim_process_lookup (struct shim *shim, const char *id, const char *exec_id, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;

  if (c == NULL || c->deleted || (id && *id && strcmp (id, c->id) != 0))
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

struct shim_process *
shim_process_by_pid (struct shim *shim, pid_t pid)
{
  struct shim_container *c = shim->container;

  if (c == NULL || c->deleted || pid <= 0)
    return NULL;
  if (c->init.pid == pid && c->init.state != SHIM_PROC_STOPPED)
    return &c->init;
  for (struct shim_process *p = c->execs; p; p = p->next)
    if (p->pid == pid && p->state != SHIM_PROC_STOPPED)
      return p;
  return NULL;
}

Hs__Status
shim_process_status (struct shim *shim, struct shim_process *p)
{
  switch (p->state)
    {
    case SHIM_PROC_CREATED:
      return HS__STATUS__CREATED;
    case SHIM_PROC_STOPPED:
      return HS__STATUS__STOPPED;
    default:
      return shim->container->paused ? HS__STATUS__PAUSED : HS__STATUS__RUNNING;
    }
}

static void
reply_waits (struct shim *shim, struct shim_process *p)
{
  while (p->waits)
    {
      struct shim_wait *w = p->waits;
      Hs__WaitResponse resp = HS__WAIT_RESPONSE__INIT;
      Hs__Timestamp ts = HS__TIMESTAMP__INIT;

      p->waits = w->next;
      ts.seconds = p->exited_at.tv_sec;
      ts.nanos = (int32_t) p->exited_at.tv_nsec;
      resp.exit_status = (uint32_t) p->exit_status;
      resp.exited_at = &ts;
      ttrpc_reply (&shim->server, &w->call, TTRPC_OK, NULL, &resp.base);
      free (w);
    }
}

static void
mark_stopped (struct shim_process *p, int exit_status, const struct timespec *at)
{
  p->state = SHIM_PROC_STOPPED;
  p->exit_status = exit_status;
  p->exited_at = *at;
}

/* Without a pid namespace of its own, the container's processes do not
   die with its init: its exec processes go with it, as under runc's shim.  */
static void
kill_execs (struct shim_container *c)
{
  for (struct shim_process *e = c->execs; e; e = e->next)
    if (e->state == SHIM_PROC_RUNNING && e->pid > 0)
      kill (e->pid, SIGKILL);
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
shim_process_exited (struct shim *shim, struct shim_process *p, int status, const struct timespec *at)
{
  Hs__TaskExit ev = HS__TASK_EXIT__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  int code = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);

  mark_stopped (p, code, at);
  if (p == &shim->container->init && shim->container->kill_all_on_exit)
    kill_execs (shim->container);
  /* Everything the process wrote reaches the client before it hears of
     the exit.  */
  shim_stdio_drain (shim, &p->stdio);
  ts.seconds = at->tv_sec;
  ts.nanos = (int32_t) at->tv_nsec;
  ev.container_id = shim->container->id;
  ev.id = p->exec_id ? p->exec_id : shim->container->id;
  ev.pid = (uint32_t) p->pid;
  ev.exit_status = (uint32_t) code;
  ev.exited_at = &ts;
  holo_log_debug ("process %s (pid %d) exited with %d", ev.id, p->pid, code);
  shim_publish (shim, "/tasks/exit", "TaskExit", &ev.base);
  reply_waits (shim, p);
}

static void
free_process (struct shim *shim, struct shim_process *p)
{
  shim_stdio_free (shim, &p->stdio);
  if (p->spec_path)
    unlink (p->spec_path);
  free (p->spec_path);
  free (p->exec_id);
  /* A process deleted before it ran: its waiters learn it is gone.  */
  while (p->waits)
    {
      struct shim_wait *w = p->waits;
      p->waits = w->next;
      ttrpc_reply (&shim->server, &w->call, TTRPC_NOT_FOUND, "process deleted: not found", NULL);
      free (w);
    }
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

static void
close_fds (int fds[3])
{
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

static void
publish_create (struct shim *shim, const Hs__CreateTaskRequest *req, struct shim_container *c)
{
  Hs__TaskCreate ev = HS__TASK_CREATE__INIT;
  Hs__TaskIO io = HS__TASK_IO__INIT;

  io.stdin = req->stdin;
  io.stdout = req->stdout;
  io.stderr = req->stderr;
  io.terminal = req->terminal;
  ev.container_id = c->id;
  ev.bundle = c->bundle;
  ev.rootfs = req->rootfs;
  ev.n_rootfs = req->n_rootfs;
  ev.io = &io;
  ev.checkpoint = req->checkpoint;
  ev.pid = (uint32_t) c->init.pid;
  shim_publish (shim, "/tasks/create", "TaskCreate", &ev.base);
}

static void
free_container (struct shim *shim, struct shim_container *c)
{
  shim_oom_unwatch (shim, c);
  free_process (shim, &c->init);
  while (c->execs)
    {
      struct shim_process *p = c->execs;
      c->execs = p->next;
      free_process (shim, p);
      free (p);
    }
  free (c->id);
  free (c->bundle);
  free (c->checkpoint);
  free (c);
}

/* `holo create`, or for a checkpoint `holo restore --detach` (run by Start,
   as containerd's runc shim does: the restored process runs at once).  */
static int
run_create (struct shim *shim, struct shim_container *c, holo_error_t *err)
{
  cleanup_free char *pid_file = holo_xasprintf ("%s/init.pid", c->bundle);
  cleanup_strv char **args = NULL;
  struct shim_runtime_cmd cmd = { 0 };
  int fds[3];
  int ret;

  if (shim_stdio_prepare (shim, &c->init.stdio, fds, err) < 0)
    {
      close_fds (fds);
      return -1;
    }
  args = create_args (shim, c);
  memcpy (cmd.stdio, fds, sizeof (fds));
  ret = shim_runtime_run (shim, c->bundle, args, &cmd, err);
  close_fds (fds);
  if (ret < 0)
    return -1;
  if (shim_read_pid_file (pid_file, &c->init.pid, err) < 0)
    return -1;
  return shim_stdio_attach (shim, &c->init.stdio, err);
}

int
shim_task_create (struct shim *shim, const Hs__CreateTaskRequest *req, pid_t *pid, int *code, holo_error_t *err)
{
  struct shim_container *c;

  if (shim->container && !shim->container->deleted)
    return shim_fail (err, code, TTRPC_ALREADY_EXISTS, "container %s: already exists", shim->container->id);
  if (shim_options_from_any (&shim->opts, req->options, err) < 0)
    return -1;
  c = holo_xmalloc (sizeof (*c));
  c->id = holo_xstrdup (req->id);
  c->bundle = holo_xstrdup (req->bundle && *req->bundle ? req->bundle : shim->bundle);
  c->oom.fd = c->oom_event_fd = -1;
  shim_stdio_init (&c->init.stdio, req->stdin, req->stdout, req->stderr, req->terminal);
  if (shim_options_save (&shim->opts, c->bundle, err) < 0
      || shim_mount_rootfs (c->bundle, req->rootfs, req->n_rootfs, err) < 0)
    {
      free_container (shim, c);
      return -1;
    }
  c->rootfs_mounted = req->n_rootfs > 0;
  if (req->checkpoint && *req->checkpoint)
    c->checkpoint = holo_xstrdup (req->checkpoint);
  if (c->checkpoint == NULL && run_create (shim, c, err) < 0)
    {
      if (c->init.pid > 0)
        {
          char *del[] = { (char *) "delete", (char *) "--force", c->id, NULL };
          struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
          shim_runtime_run (shim, c->bundle, del, &cmd, NULL);
        }
      if (c->rootfs_mounted)
        shim_unmount_rootfs (c->bundle);
      free_container (shim, c);
      return -1;
    }
  c->init.state = SHIM_PROC_CREATED;
  c->kill_all_on_exit = !has_own_pid_namespace (c->bundle);
  if (shim->container)
    free_container (shim, shim->container);
  shim->container = c;
  if (c->init.pid > 0)
    {
      cleanup_error holo_error_t oom_err = NULL;
      if (shim_oom_watch (shim, c, &oom_err) < 0)
        holo_log_warning ("oom notifications: %s", oom_err->msg);
    }
  publish_create (shim, req, c);
  *pid = c->init.pid;
  shim_reaper_dispatch (shim);
  return 0;
}

/* -------------------------------------------------------------- Start */

static int
start_exec (struct shim *shim, struct shim_process *p, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  cleanup_free char *pid_file = holo_xasprintf ("%s/%s.pid", c->bundle, p->exec_id);
  cleanup_free char *console = NULL;
  struct shim_runtime_cmd cmd = { 0 };
  cleanup_argv struct shim_argv args = { 0 };
  int fds[3];
  int ret;

  if (shim_stdio_prepare (shim, &p->stdio, fds, err) < 0)
    {
      close_fds (fds);
      return -1;
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
  memcpy (cmd.stdio, fds, sizeof (fds));
  ret = shim_runtime_run (shim, c->bundle, args.v, &cmd, err);
  close_fds (fds);
  if (ret < 0)
    return -1;
  ret = shim_read_pid_file (pid_file, &p->pid, err);
  unlink (pid_file);
  if (ret < 0)
    return -1;
  return shim_stdio_attach (shim, &p->stdio, err);
}

int
shim_task_start (struct shim *shim, struct shim_process *p, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;

  if (p->state != SHIM_PROC_CREATED)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "process %s: cannot start: not in created state",
                      p->exec_id ? p->exec_id : c->id);
  if (p == &c->init)
    {
      char *args[] = { (char *) "start", c->id, NULL };
      struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
      Hs__TaskStart ev = HS__TASK_START__INIT;

      if ((c->checkpoint ? run_create (shim, c, err) : shim_runtime_run (shim, c->bundle, args, &cmd, err)) < 0)
        {
          if (c->checkpoint)
            shim_stdio_release (shim, &p->stdio);
          return -1;
        }
      if (c->checkpoint)
        {
          cleanup_error holo_error_t oom_err = NULL;
          if (shim_oom_watch (shim, c, &oom_err) < 0)
            holo_log_warning ("oom notifications: %s", oom_err->msg);
        }
      p->state = SHIM_PROC_RUNNING;
      ev.container_id = c->id;
      ev.pid = (uint32_t) p->pid;
      shim_publish (shim, "/tasks/start", "TaskStart", &ev.base);
    }
  else
    {
      Hs__TaskExecStarted ev = HS__TASK_EXEC_STARTED__INIT;

      if (c->init.state != SHIM_PROC_RUNNING)
        return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
      if (start_exec (shim, p, err) < 0)
        {
          shim_stdio_release (shim, &p->stdio);
          return -1;
        }
      p->state = SHIM_PROC_RUNNING;
      ev.container_id = c->id;
      ev.exec_id = p->exec_id;
      ev.pid = (uint32_t) p->pid;
      shim_publish (shim, "/tasks/exec-started", "TaskExecStarted", &ev.base);
    }
  shim_reaper_dispatch (shim);
  return 0;
}

/* ------------------------------------------------------------- Delete */

static int
delete_init (struct shim *shim, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) "delete", (char *) "--force", c->id, NULL };
  struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
  Hs__TaskDelete ev = HS__TASK_DELETE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  cleanup_error holo_error_t rt_err = NULL;

  if (shim_runtime_run (shim, c->bundle, args, &cmd, &rt_err) < 0 && strstr (rt_err->msg, "does not exist") == NULL)
    {
      *err = steal_pointer (&rt_err);
      return -1;
    }
  if (c->init.state != SHIM_PROC_STOPPED)
    {
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      mark_stopped (&c->init, 128 + 9, &now);
    }
  shim_stdio_release (shim, &c->init.stdio);
  if (c->rootfs_mounted)
    shim_unmount_rootfs (c->bundle);
  c->rootfs_mounted = false;
  shim_oom_unwatch (shim, c);
  c->deleted = true;
  ts.seconds = c->init.exited_at.tv_sec;
  ts.nanos = (int32_t) c->init.exited_at.tv_nsec;
  ev.container_id = c->id;
  ev.pid = (uint32_t) c->init.pid;
  ev.exit_status = (uint32_t) c->init.exit_status;
  ev.exited_at = &ts;
  shim_publish (shim, "/tasks/delete", "TaskDelete", &ev.base);
  return 0;
}

int
shim_task_delete (struct shim *shim, struct shim_process *p, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  struct shim_process **pp;

  if (p->state == SHIM_PROC_RUNNING)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "cannot delete a running process: %s",
                      p->exec_id ? p->exec_id : c->id);
  if (p == &c->init)
    return delete_init (shim, err);
  for (pp = &c->execs; *pp; pp = &(*pp)->next)
    if (*pp == p)
      {
        *pp = p->next;
        break;
      }
  free_process (shim, p);
  free (p);
  return 0;
}

/* Nothing left to serve: no container, or its init was deleted.  */
bool
shim_task_idle (struct shim *shim)
{
  return shim->container == NULL || shim->container->deleted;
}
