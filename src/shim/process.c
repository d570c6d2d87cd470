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

int
shim_task_exec (struct shim *shim, const Hs__ExecProcessRequest *req, int *code, holo_error_t *err)
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
  if (init->state == SHIM_PROC_STOPPED)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
  if (req->spec == NULL)
    return shim_fail (err, code, TTRPC_INVALID_ARGUMENT, "exec %s: no process spec", req->exec_id);

  p = holo_xmalloc (sizeof (*p));
  p->exec_id = holo_xstrdup (req->exec_id);
  p->spec_path = holo_xasprintf ("%s/exec-%s.json", c->bundle, req->exec_id);
  shim_stdio_init (&p->stdio, req->stdin, req->stdout, req->stderr, req->terminal);
  if (holo_write_file (p->spec_path, req->spec->value.data, req->spec->value.len, err) < 0)
    {
      shim_stdio_free (shim, &p->stdio);
      free (p->spec_path);
      free (p->exec_id);
      free (p);
      return -1;
    }
  p->state = SHIM_PROC_CREATED;
  p->next = c->execs;
  c->execs = p;
  ev.container_id = c->id;
  ev.exec_id = p->exec_id;
  shim_publish (shim, "/tasks/exec-added", "TaskExecAdded", &ev.base);
  return 0;
}

static bool
gone_error (const char *msg)
{
  return strstr (msg, "not running") || strstr (msg, "does not exist") || strstr (msg, "no such process");
}

int
shim_task_kill (struct shim *shim, struct shim_process *p, unsigned sig, bool all, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;

  if (p->state == SHIM_PROC_STOPPED)
    return shim_fail (err, code, TTRPC_NOT_FOUND, "process already finished: not found");
  if (p == &c->init)
    {
      cleanup_argv struct shim_argv args = { 0 };
      struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
      cleanup_error holo_error_t rt_err = NULL;

      shim_argv_add (&args, "kill");
      if (all)
        shim_argv_add (&args, "--all");
      shim_argv_add (&args, c->id);
      shim_argv_addf (&args, "%u", sig);
      if (shim_runtime_run (shim, c->bundle, args.v, &cmd, &rt_err) == 0)
        return 0;
      if (gone_error (rt_err->msg))
        return shim_fail (err, code, TTRPC_NOT_FOUND, "process already finished: not found");
      *err = steal_pointer (&rt_err);
      return -1;
    }
  if (p->state == SHIM_PROC_CREATED)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "process %s not started", p->exec_id);
  if (kill (p->pid, (int) sig) < 0)
    {
      if (errno == ESRCH)
        return shim_fail (err, code, TTRPC_NOT_FOUND, "process already finished: not found");
      return holo_make_error (err, errno, "kill %d", p->pid);
    }
  return 0;
}

int
shim_task_pause (struct shim *shim, bool pause, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) (pause ? "pause" : "resume"), c->id, NULL };
  struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };

  if (c->init.state != SHIM_PROC_RUNNING)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
  if (shim_runtime_run (shim, c->bundle, args, &cmd, err) < 0)
    return -1;
  c->paused = pause;
  if (pause)
    {
      Hs__TaskPaused ev = HS__TASK_PAUSED__INIT;
      ev.container_id = c->id;
      shim_publish (shim, "/tasks/paused", "TaskPaused", &ev.base);
    }
  else
    {
      Hs__TaskResumed ev = HS__TASK_RESUMED__INIT;
      ev.container_id = c->id;
      shim_publish (shim, "/tasks/resumed", "TaskResumed", &ev.base);
    }
  return 0;
}

/* The resources are an OCI LinuxResources object as JSON; holo reads it
   from stdin.  */
int
shim_task_update (struct shim *shim, const Hs__Any *resources, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  char *args[] = { (char *) "update", (char *) "--resources", (char *) "-", c->id, NULL };
  struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
  cleanup_free char *json = NULL;

  if (resources == NULL)
    return shim_fail (err, code, TTRPC_INVALID_ARGUMENT, "update: no resources");
  if (c->init.state == SHIM_PROC_STOPPED)
    return shim_fail (err, code, TTRPC_FAILED_PRECONDITION, "container %s is not running", c->id);
  json = holo_xstrndup ((const char *) resources->value.data, resources->value.len);
  cmd.input = json;
  return shim_runtime_run (shim, c->bundle, args, &cmd, err);
}

int
shim_task_checkpoint (struct shim *shim, const char *path, const Hs__Any *options, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  struct shim_runtime_cmd cmd = { .stdio = { -1, -1, -1 } };
  Hs__CheckpointOptions *o = NULL;
  cleanup_argv struct shim_argv args = { 0 };
  int ret;

  if (options && options->type_url && strstr (options->type_url, "CheckpointOptions"))
    o = hs__checkpoint_options__unpack (NULL, options->value.len, options->value.data);
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
  if (o)
    hs__checkpoint_options__free_unpacked (o, NULL);
  ret = shim_runtime_run (shim, c->bundle, args.v, &cmd, err);
  if (ret == 0)
    shim_reaper_dispatch (shim);
  return ret;
}

/* The container's pids from its cgroup; exec processes carry their exec
   id as containerd.runc.v1.ProcessDetails.  */
int
shim_task_pids (struct shim *shim, Hs__ProcessInfo ***out, size_t *n, int *code, holo_error_t *err)
{
  struct shim_container *c = shim->container;
  cleanup_free pid_t *pids = NULL;
  size_t count;

  if (c->init.state == SHIM_PROC_STOPPED || c->init.pid <= 0)
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
        if (p->pid == pids[i] && p->state == SHIM_PROC_RUNNING)
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
