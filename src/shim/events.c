/* holo shim — task events for containerd: each event is packed into a
   ForwardRequest{Envelope{timestamp, namespace, topic, Any}} and sent to
   containerd's events service at TTRPC_ADDRESS, in order: one at a time,
   the next once the last was taken.  Sending never blocks the loop (the
   client is on the loop, each try bounded by EVENT_TIMEOUT_MS), so a
   containerd that is away, restarting or not answering holds back the
   events, not the Task service.  Events wait in a queue while a try is
   out or failed, and are retried every second.  */
#define _GNU_SOURCE
#include "shim.h"
#include "events.pb-c.h"
#include "libcontainer/utils.h"

#include <string.h>

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define EVENT_TIMEOUT_MS 5000
#define EVENT_RETRY_MS 1000
#define EVENT_MAX_ATTEMPTS 60

static void send_next (struct shim *shim);

static void
drop_head (struct shim *shim)
{
  struct shim_event *e = shim->events_head;

  shim->events_head = e->next;
  if (shim->events_head == NULL)
    shim->events_tail = NULL;
  free (e->payload);
  free (e);
}

/* The head's try failed: it waits for the retry timer, or is dropped
   after its last attempt.  True when it was dropped.  */
static bool
attempt_failed (struct shim *shim, holo_error_t *err)
{
  struct shim_event *e = shim->events_head;

  if (++e->attempts >= EVENT_MAX_ATTEMPTS)
    {
      holo_log_warning ("dropping event after %d attempts: %s", e->attempts, (*err)->msg);
      drop_head (shim);
      return true;
    }
  holo_log_debug ("forward event (attempt %d): %s", e->attempts, (*err)->msg);
  shim_timer_arm (&shim->loop, &shim->events_retry, EVENT_RETRY_MS);
  return false;
}

static void
forwarded (void *data, holo_error_t *err)
{
  struct shim *shim = data;

  if (*err == NULL)
    drop_head (shim);
  else if (!attempt_failed (shim, err))
    return;
  send_next (shim);
}

/* Sends the head of the queue unless a try is out or waiting for its
   retry; with the queue empty, ends a flush.  */
static void
send_next (struct shim *shim)
{
  while (shim->events_head && !shim->events_client.busy && !shim->events_retry.armed)
    {
      cleanup_error holo_error_t err = NULL;
      struct shim_event *e = shim->events_head;

      if (ttrpc_client_call (&shim->events_client, EVENTS_SERVICE, "Forward", shim->namespace, e->payload, e->len,
                             EVENT_TIMEOUT_MS, forwarded, shim, &err)
          == 0)
        return;
      if (!attempt_failed (shim, &err))
        return;
    }
  if (shim->events_head == NULL && shim->events_flushing)
    shim->loop.quit = true;
}

static void
retry_timer (struct shim_loop *loop, struct shim_timer *t)
{
  send_next (t->data);
}

void
shim_events_init (struct shim *shim)
{
  const char *addr = shim->ttrpc_address;

  if (addr == NULL || *addr == '\0')
    addr = "/run/containerd/containerd.sock.ttrpc";
  ttrpc_client_init (&shim->events_client, &shim->loop, addr);
  shim->events_retry.cb = retry_timer;
  shim->events_retry.data = shim;
}

void
shim_publish (struct shim *shim, const char *topic, const char *type, const ProtobufCMessage *event)
{
  Hs__ForwardRequest req = HS__FORWARD_REQUEST__INIT;
  Hs__Envelope env = HS__ENVELOPE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  Hs__Any any = HS__ANY__INIT;
  cleanup_free uint8_t *value = NULL;
  cleanup_free char *type_url = holo_xasprintf ("containerd.events.%s", type);
  struct shim_event *e;
  struct timespec now;
  size_t len;

  clock_gettime (CLOCK_REALTIME, &now);
  shim_timestamp (&ts, &now);
  value = ttrpc_pack (event, &len);
  any.type_url = type_url;
  any.value.data = value;
  any.value.len = len;
  env.timestamp = &ts;
  env.namespace_ = shim->namespace;
  env.topic = (char *) topic;
  env.event = &any;
  req.envelope = &env;

  e = holo_xmalloc (sizeof (*e));
  e->payload = ttrpc_pack (&req.base, &e->len);
  if (shim->events_tail)
    shim->events_tail->next = e;
  else
    shim->events_head = e;
  shim->events_tail = e;
  holo_log_debug ("event %s", topic);
  send_next (shim);
}

static void
flush_limit (struct shim_loop *loop, struct shim_timer *t)
{
  loop->quit = true;
}

/* At shutdown: runs the loop until the queue is empty or TIMEOUT_MS have
   passed.  */
void
shim_events_flush (struct shim *shim, int timeout_ms)
{
  struct shim_timer limit = { .cb = flush_limit, .data = shim };

  if (shim->events_head == NULL)
    return;
  shim->events_flushing = true;
  shim->loop.quit = false;
  shim_timer_arm (&shim->loop, &limit, (uint64_t) timeout_ms);
  /* Now, not at the next retry.  */
  shim_timer_disarm (&shim->loop, &shim->events_retry);
  send_next (shim);
  if (shim->events_head)
    {
      cleanup_error holo_error_t err = NULL;
      if (shim_loop_run (&shim->loop, &err) < 0)
        holo_log_warning ("%s", err->msg);
    }
  shim_timer_disarm (&shim->loop, &limit);
  shim->events_flushing = false;
  if (shim->events_head)
    holo_log_warning ("shutting down with events containerd did not take");
}
