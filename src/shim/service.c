/* holo shim — the Task service: decodes each request, runs it, encodes
   the answer.  containerd.task.v2.Task and containerd.task.v3.Task share
   the messages; anything else is Unimplemented.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <string.h>

typedef void (*method_fn) (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in);

static void
reply_error (struct shim *shim, const struct ttrpc_call *call, int code, holo_error_t *err)
{
  holo_log_debug ("reply error %d: %s", code, *err ? (*err)->msg : "");
  ttrpc_reply (&shim->server, call, code == TTRPC_OK ? TTRPC_UNKNOWN : code, *err ? (*err)->msg : "unknown error",
               NULL);
}

static void
reply_ok (struct shim *shim, const struct ttrpc_call *call, const ProtobufCMessage *resp)
{
  ttrpc_reply (&shim->server, call, TTRPC_OK, NULL, resp);
}

/* Encoders of the answers operations give (struct shim_request).  */
static void
answer_empty (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
              const struct shim_result *res)
{
  if (err)
    reply_error (shim, &rq->call, code, err);
  else
    reply_ok (shim, &rq->call, NULL);
}

static void
answer_create (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
               const struct shim_result *res)
{
  Hs__CreateTaskResponse resp = HS__CREATE_TASK_RESPONSE__INIT;

  if (err)
    {
      reply_error (shim, &rq->call, code, err);
      return;
    }
  resp.pid = (uint32_t) res->pid;
  reply_ok (shim, &rq->call, &resp.base);
}

static void
answer_start (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
              const struct shim_result *res)
{
  Hs__StartResponse resp = HS__START_RESPONSE__INIT;

  if (err)
    {
      reply_error (shim, &rq->call, code, err);
      return;
    }
  resp.pid = (uint32_t) res->pid;
  reply_ok (shim, &rq->call, &resp.base);
}

static void
answer_delete (struct shim *shim, const struct shim_request *rq, int code, holo_error_t *err,
               const struct shim_result *res)
{
  Hs__DeleteResponse resp = HS__DELETE_RESPONSE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;

  if (err)
    {
      reply_error (shim, &rq->call, code, err);
      return;
    }
  shim_timestamp (&ts, &res->exited_at);
  resp.pid = (uint32_t) res->pid;
  resp.exit_status = (uint32_t) res->exit_status;
  resp.exited_at = &ts;
  reply_ok (shim, &rq->call, &resp.base);
}

static struct shim_request
request (const struct ttrpc_call *call, shim_reply_fn reply)
{
  return (struct shim_request){ .call = *call, .reply = reply };
}

/* Unpacks the request as TYPE into `req`, or answers InvalidArgument.  */
#define DECODE(type, fn)                                                                                               \
  type *req = fn##__unpack (NULL, in->len, in->data);                                                                  \
  cleanup_error holo_error_t err = NULL;                                                                               \
  int code = TTRPC_UNKNOWN;                                                                                            \
  (void) code;                                                                                                         \
  if (req == NULL)                                                                                                     \
    {                                                                                                                  \
      ttrpc_reply (&shim->server, call, TTRPC_INVALID_ARGUMENT, "malformed request", NULL);                            \
      return;                                                                                                          \
    }

#define FREE_REQ(fn) fn##__free_unpacked (req, NULL)

static void
m_state (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__StateRequest, hs__state_request);
  Hs__StateResponse resp = HS__STATE_RESPONSE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else
    {
      resp.id = p->exec_id ? p->exec_id : shim->container->id;
      resp.bundle = shim->container->bundle;
      resp.pid = (uint32_t) p->pid;
      resp.status = shim_process_status (shim, p);
      resp.stdin = p->stdio.stdin_path;
      resp.stdout = p->stdio.stdout_path;
      resp.stderr = p->stdio.stderr_path;
      resp.terminal = p->stdio.terminal;
      resp.exit_status = (uint32_t) p->exit_status;
      resp.exec_id = p->exec_id ? p->exec_id : (char *) "";
      if (p->fsm.state == SHIM_STATE_STOPPED)
        {
          shim_timestamp (&ts, &p->exited_at);
          resp.exited_at = &ts;
        }
      reply_ok (shim, call, &resp.base);
    }
  FREE_REQ (hs__state_request);
}

static void
m_create (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__CreateTaskRequest, hs__create_task_request);
  struct shim_request rq = request (call, answer_create);

  shim_task_create (shim, req, &rq);
  FREE_REQ (hs__create_task_request);
}

static void
m_start (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__StartRequest, hs__start_request);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);
  struct shim_request rq = request (call, answer_start);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_start (shim, p, &rq);
  FREE_REQ (hs__start_request);
}

static void
m_delete (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__DeleteRequest, hs__delete_request);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);
  struct shim_request rq = request (call, answer_delete);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_delete (shim, p, &rq);
  FREE_REQ (hs__delete_request);
}

static void
m_pids (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__PidsRequest, hs__pids_request);
  Hs__PidsResponse resp = HS__PIDS_RESPONSE__INIT;

  if (shim_process_lookup (shim, req->id, NULL, &code, &err) == NULL
      || shim_task_pids (shim, &resp.processes, &resp.n_processes, &code, &err) < 0)
    reply_error (shim, call, code, &err);
  else
    reply_ok (shim, call, &resp.base);
  for (size_t i = 0; i < resp.n_processes; i++)
    hs__process_info__free_unpacked (resp.processes[i], NULL);
  free (resp.processes);
  FREE_REQ (hs__pids_request);
}

static void
pause_resume (struct shim *shim, const struct ttrpc_call *call, const char *id, bool pause)
{
  cleanup_error holo_error_t err = NULL;
  struct shim_request rq = request (call, answer_empty);
  int code = TTRPC_UNKNOWN;

  if (shim_process_lookup (shim, id, NULL, &code, &err) == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_pause (shim, pause, &rq);
}

static void
m_pause (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__PauseRequest, hs__pause_request);
  pause_resume (shim, call, req->id, true);
  FREE_REQ (hs__pause_request);
}

static void
m_resume (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__ResumeRequest, hs__resume_request);
  pause_resume (shim, call, req->id, false);
  FREE_REQ (hs__resume_request);
}

static void
m_checkpoint (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__CheckpointTaskRequest, hs__checkpoint_task_request);
  struct shim_request rq = request (call, answer_empty);

  if (shim_process_lookup (shim, req->id, NULL, &code, &err) == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_checkpoint (shim, req->path, req->options, &rq);
  FREE_REQ (hs__checkpoint_task_request);
}

static void
m_kill (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__KillRequest, hs__kill_request);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);
  struct shim_request rq = request (call, answer_empty);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_kill (shim, p, req->signal, req->all, &rq);
  FREE_REQ (hs__kill_request);
}

static void
m_exec (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__ExecProcessRequest, hs__exec_process_request);
  struct shim_request rq = request (call, answer_empty);

  shim_task_exec (shim, req, &rq);
  FREE_REQ (hs__exec_process_request);
}

static void
m_resize_pty (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__ResizePtyRequest, hs__resize_pty_request);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);

  if (p == NULL || shim_fsm_check (&p->fsm, SHIM_ACT_RESIZE, &code, &err) < 0
      || shim_stdio_resize (&p->stdio, req->width, req->height, &err) < 0)
    reply_error (shim, call, code, &err);
  else
    reply_ok (shim, call, NULL);
  FREE_REQ (hs__resize_pty_request);
}

static void
m_close_io (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__CloseIORequest, hs__close_iorequest);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else
    {
      if (req->stdin)
        shim_stdio_close_stdin (shim, &p->stdio);
      reply_ok (shim, call, NULL);
    }
  FREE_REQ (hs__close_iorequest);
}

static void
m_update (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__UpdateTaskRequest, hs__update_task_request);
  struct shim_request rq = request (call, answer_empty);

  if (shim_process_lookup (shim, req->id, NULL, &code, &err) == NULL)
    reply_error (shim, call, code, &err);
  else
    shim_task_update (shim, req->resources, &rq);
  FREE_REQ (hs__update_task_request);
}

static void
m_wait (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__WaitRequest, hs__wait_request);
  struct shim_process *p = shim_process_lookup (shim, req->id, req->exec_id, &code, &err);

  if (p == NULL)
    reply_error (shim, call, code, &err);
  else if (p->fsm.state == SHIM_STATE_STOPPED)
    {
      Hs__WaitResponse resp = HS__WAIT_RESPONSE__INIT;
      Hs__Timestamp ts = HS__TIMESTAMP__INIT;
      shim_timestamp (&ts, &p->exited_at);
      resp.exit_status = (uint32_t) p->exit_status;
      resp.exited_at = &ts;
      reply_ok (shim, call, &resp.base);
    }
  else
    {
      /* Answered when the process exits (shim_process_exited).  */
      struct shim_wait *w = holo_xmalloc (sizeof (*w));
      w->call = *call;
      w->next = p->waits;
      p->waits = w;
    }
  FREE_REQ (hs__wait_request);
}

static void
m_stats (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__StatsRequest, hs__stats_request);
  Hs__StatsResponse resp = HS__STATS_RESPONSE__INIT;
  Hs__Any any = HS__ANY__INIT;
  struct shim_process *p = shim_process_lookup (shim, req->id, NULL, &code, &err);

  any.type_url = NULL; /* the initializer points at a static "" */
  if (p == NULL || shim_cgroup_stats (p->pid, &any, &err) < 0)
    reply_error (shim, call, code, &err);
  else
    {
      resp.stats = &any;
      reply_ok (shim, call, &resp.base);
    }
  free (any.type_url);
  free (any.value.data);
  FREE_REQ (hs__stats_request);
}

static void
m_connect (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__ConnectRequest, hs__connect_request);
  Hs__ConnectResponse resp = HS__CONNECT_RESPONSE__INIT;

  resp.shim_pid = (uint32_t) getpid ();
  if (!shim_task_idle (shim))
    resp.task_pid = (uint32_t) shim->container->init.pid;
  resp.version = (char *) SHIM_VERSION;
  reply_ok (shim, call, &resp.base);
  FREE_REQ (hs__connect_request);
}

static void
m_shutdown (struct shim *shim, const struct ttrpc_call *call, const ProtobufCBinaryData *in)
{
  DECODE (Hs__ShutdownRequest, hs__shutdown_request);
  bool now = req->now;

  FREE_REQ (hs__shutdown_request);
  reply_ok (shim, call, NULL);
  /* A shim still holding a live container stays; otherwise it leaves
     once this answer is out (see shim_serve).  */
  if (now || shim_task_idle (shim))
    shim->loop.quit = true;
}

static const struct
{
  const char *name;
  method_fn fn;
} methods[] = {
  { "State", m_state },       { "Create", m_create }, { "Start", m_start },          { "Delete", m_delete },
  { "Pids", m_pids },         { "Pause", m_pause },   { "Resume", m_resume },        { "Checkpoint", m_checkpoint },
  { "Kill", m_kill },         { "Exec", m_exec },     { "ResizePty", m_resize_pty }, { "CloseIO", m_close_io },
  { "Update", m_update },     { "Wait", m_wait },     { "Stats", m_stats },          { "Connect", m_connect },
  { "Shutdown", m_shutdown },
};

void
shim_service_handle (struct ttrpc_server *s, const struct ttrpc_call *call, const Ttrpc__Request *req, void *data)
{
  struct shim *shim = data;

  if (strcmp (req->service, "containerd.task.v2.Task") == 0 || strcmp (req->service, "containerd.task.v3.Task") == 0)
    for (size_t i = 0; i < sizeof (methods) / sizeof (methods[0]); i++)
      if (strcmp (req->method, methods[i].name) == 0)
        {
          holo_log_debug ("%s %s", req->service, req->method);
          methods[i].fn (shim, call, &req->payload);
          return;
        }
  {
    cleanup_free char *msg = holo_xasprintf ("%s/%s: not implemented", req->service, req->method);
    ttrpc_reply (s, call, TTRPC_UNIMPLEMENTED, msg, NULL);
  }
}
