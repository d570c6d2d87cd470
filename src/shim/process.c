/* holo shim — exec processes and the operations on a live container:
   Kill, Pause/Resume, Update, Checkpoint, Pids.  */
#define _GNU_SOURCE
#include "shim.h"
#include "argv.h"
#include "events.pb-c.h"
#include "options.pb-c.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static bool
valid_exec_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 128)
    return false;
  for (const char *p = id; *p; p++)
    if (*p == '/' || *p == '\n')
      return false;
  return strcmp (id, ".") != 0 && strcmp (id, "..") != 0;
}

static int
add_exec (struct shim *shim, const Hs__ExecProcessRequest *req, int *code, holo_error_t *err)
{
  struct shim_process *init = shim_process_lookup (shim, req->id, NULL, code, err);
  struct shim_container *c = shim->container;
  Hs__TaskExecAdded ev = HS__TASK_EXEC_ADDED__INIT;
  struct shim_process *p;

  if (init == NULL)
    return -1;
  if (!valid_exec_id (req->exec_id))
    return shim_fail (err, code, TTRPC_INVALID_ARGUMENT, "invalid exec id %s", req->exec_id);
  for (p = c->execs; p; p = p->next)
    if (strcmp (p->exec_id, req->exec_id) == 0)
      return shim_fail (err, code, TTRPC_ALREADY_EXISTS, "id %s: already exists", req->exec_id);
  if (shim_fsm_check (&init->fsm, SHIM_ACT_EXEC, code, err) < 0)
    return -1;
  if (req->spec == NULL)
    return shim_fail (err, code, TTRPC_INVALID_ARGUMENT, "exec %s: no process spec", req->exec_id);

  p = holo_xmalloc (sizeof (*p));
  p->exec_id = holo_xstrdup (req->exec_id);
  p->spec_path = holo_xasprintf ("%s/exec-%s.json", c->bundle, req->exec_id);
  shim_fsm_init (&p->fsm, true, SHIM_STATE_CREATED);
  shim_stdio_init (&p->stdio, req->stdin, req->stdout, req->stderr, req->terminal);
  if (holo_write_file (p->spec_path, req->spec->value.data, req->spec->value.len, err) < 0)
    {
      free (p->spec_path);
      p->spec_path = NULL;
      shim_process_free (shim, p);
      free (p);
      return -1;
    }
  p->next = c->execs;
  c->execs = p;
  ev.container_id = c->id;
  ev.exec_id = p->exec_id;
  shim_publish (shim, "/tasks/exec-added", "TaskExecAdded", &ev.base);
  return 0;
}

void
shim_task_exec (struct shim *shim, const Hs__ExecProcessRequest *req, const struct shim_request *rq)
{
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;

  add_exec (shim, req, &code, &err);
  shim_answer (shim, rq, code, &err, NULL);
}

static bool
gone_error (const char *msg)
{
  return strstr (msg, "not running") || strstr (msg, "does not exist") || strstr (msg, "no such process");
}

static void
killed (struct shim_op *op, int code, holo_error_t *err)
{
  cleanup_error holo_error_t gone = NULL;

  if (*err && code != TTRPC_DEADLINE_EXCEEDED && gone_error ((*err)->msg))
    {
      shim_fail (&gone, &code, TTRPC_NOT_FOUND, "process already finished: not found");
      shim_op_answer (op, code, &gone, NULL);
      return;
    }
  shim_op_answer (op, code, err, NULL);
}

/* The init through `holo kill` (which knows the container's cgroup for
   --all); an exec process directly.  */
void
shim_task_kill (struct shim *shim, struct shim_process *p, unsigned sig, bool all, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;

  if (shim_fsm_check (&p->fsm, SHIM_ACT_KILL, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (p == &c->init)
    {
      cleanup_argv struct shim_argv args = { 0 };
      struct shim_op *op = shim_op_new (shim, rq, p, false);

      shim_argv_add (&args, "kill");
      if (all)
        shim_argv_add (&args, "--all");
      shim_argv_add (&args, c->id);
      shim_argv_addf (&args, "%u", sig);
      if (shim_op_run (op, args.v, NULL, NULL, killed, &err) < 0)
        shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
      return;
    }
  if (kill (p->pid, (int) sig) < 0)
    {
      if (errno == ESRCH)
        shim_fail (&err, &code, TTRPC_NOT_FOUND, "process already finished: not found");
      else
        holo_make_error (&err, errno, "exec kill %d", p->pid);
    }
  shim_answer (shim, rq, code, &err, NULL);
}

static void
paused_or_resumed (struct shim_op *op, int code, holo_error_t *err)
{
  struct shim *shim = op->shim;
  struct shim_process *p = op->p;
  bool pause = p && p->fsm.busy == SHIM_ACT_PAUSE;

  if (p == NULL || *err)
    {
      shim_op_answer (op, code, err, NULL);
      return;
    }
  /* The init may have exited meanwhile: then it stays stopped.  */
  if (shim_fsm_move (&p->fsm, pause ? SHIM_STATE_PAUSED : SHIM_STATE_RUNNING) == 0)
    {
      if (pause)
        {
          Hs__TaskPaused ev = HS__TASK_PAUSED__INIT;
          ev.container_id = shim->container->id;
          shim_publish (shim, "/tasks/paused", "TaskPaused", &ev.base);
        }
      else
        {
          Hs__TaskResumed ev = HS__TASK_RESUMED__INIT;
          ev.container_id = shim->container->id;
          shim_publish (shim, "/tasks/resumed", "TaskResumed", &ev.base);
        }
    }
  shim_op_answer (op, TTRPC_OK, err, NULL);
}

void
shim_task_pause (struct shim *shim, bool pause, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) (pause ? "pause" : "resume"), c->id, NULL };
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;
  struct shim_op *op;

  if (shim_fsm_begin (&c->init.fsm, pause ? SHIM_ACT_PAUSE : SHIM_ACT_RESUME, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  op = shim_op_new (shim, rq, &c->init, true);
  if (shim_op_run (op, args, NULL, NULL, paused_or_resumed, &err) < 0)
    shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
}

static void
answered (struct shim_op *op, int code, holo_error_t *err)
{
  shim_op_answer (op, code, err, NULL);
}

/* The resources are an OCI LinuxResources object as JSON; holo reads it
   from stdin.  */
void
shim_task_update (struct shim *shim, const Hs__Any *resources, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) "update", (char *) "--resources", (char *) "-", c->id, NULL };
  cleanup_error holo_error_t err = NULL;
  cleanup_free char *json = NULL;
  int code = TTRPC_UNKNOWN;
  struct shim_op *op;

  if (resources == NULL)
    shim_fail (&err, &code, TTRPC_INVALID_ARGUMENT, "update: no resources");
  if (err || shim_fsm_check (&c->init.fsm, SHIM_ACT_UPDATE, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  json = holo_xstrndup ((const char *) resources->value.data, resources->value.len);
  op = shim_op_new (shim, rq, &c->init, false);
  if (shim_op_run (op, args, NULL, json, answered, &err) < 0)
    shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
}

static char **
checkpoint_args (struct shim_container *c, const char *path, const Hs__CheckpointOptions *o)
{
  struct shim_argv args = { 0 };

  shim_argv_add (&args, "checkpoint");
  shim_argv_add (&args, "--image-path");
  shim_argv_add (&args, o && *o->image_path ? o->image_path : path);
  shim_argv_add (&args, "--work-path");
  if (o && *o->work_path)
    shim_argv_add (&args, o->work_path);
  else
    shim_argv_addf (&args, "%s/criu-work", c->bundle);
  if (o == NULL || !o->exit)
    shim_argv_add (&args, "--leave-running");
  if (o && o->open_tcp)
    shim_argv_add (&args, "--tcp-established");
  if (o && o->external_unix_sockets)
    shim_argv_add (&args, "--ext-unix-sk");
  if (o && o->terminal)
    shim_argv_add (&args, "--shell-job");
  if (o && o->file_locks)
    shim_argv_add (&args, "--file-locks");
  if (o && *o->cgroups_mode)
    {
      shim_argv_add (&args, "--manage-cgroups-mode");
      shim_argv_add (&args, o->cgroups_mode);
    }
  for (size_t j = 0; o && j < o->n_empty_namespaces; j++)
    shim_argv_addf (&args, "--empty-ns=%s", o->empty_namespaces[j]);
  shim_argv_add (&args, c->id);
  return shim_argv_steal (&args);
}

void
shim_task_checkpoint (struct shim *shim, const char *path, const Hs__Any *options, const struct shim_request *rq)
{
  struct shim_container *c = shim->container;
  Hs__CheckpointOptions *o = NULL;
  cleanup_strv char **args = NULL;
  cleanup_error holo_error_t err = NULL;
  int code = TTRPC_UNKNOWN;
  struct shim_op *op;

  if (shim_fsm_begin (&c->init.fsm, SHIM_ACT_CHECKPOINT, &code, &err) < 0)
    {
      shim_answer (shim, rq, code, &err, NULL);
      return;
    }
  if (options && options->type_url && strstr (options->type_url, "CheckpointOptions"))
    o = hs__checkpoint_options__unpack (NULL, options->value.len, options->value.data);
  args = checkpoint_args (c, path, o);
  if (o)
    hs__checkpoint_options__free_unpacked (o, NULL);
  op = shim_op_new (shim, rq, &c->init, true);
  if (shim_op_run (op, args, NULL, NULL, answered, &err) < 0)
    shim_op_answer (op, TTRPC_UNKNOWN, &err, NULL);
}

/* The container's pids from its cgroup; exec processes carry their exec
   id as containerd.runc.v1.ProcessDetails.  */
int
shim_task_pids (struct shim *shim, Hs__ProcessInfo ***out, size_t *n, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  cleanup_free pid_t *pids = NULL;
  size_t count;

  if (!shim_fsm_live (&c->init.fsm) || c->init.pid <= 0)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
  if (shim_cgroup_pids (c->init.pid, &pids, &count, err) < 0)
    return -1;
  *out = holo_xmalloc ((count + 1) * sizeof (Hs__ProcessInfo *));
  *n = count;
  for (size_t i = 0; i < count; i++)
    {
      Hs__ProcessInfo *info = holo_xmalloc (sizeof (*info));
      hs__process_info__init (info);
      info->pid = (uint32_t) pids[i];
      for (struct shim_process *p = c->execs; p; p = p->next)
        if (p->pid == pids[i] && p->fsm.state == SHIM_STATE_RUNNING)
          {
            Hs__ProcessDetails d = HS__PROCESS_DETAILS__INIT;
            size_t len;
            d.exec_id = p->exec_id;
            info->info = holo_xmalloc (sizeof (Hs__Any));
            hs__any__init (info->info);
            info->info->type_url = holo_xstrdup ("containerd.runc.v1.ProcessDetails");
            info->info->value.data = ttrpc_pack (&d.base, &len);
            info->info->value.len = len;
          }
      (*out)[i] = info;
    }
  return 0;
}
