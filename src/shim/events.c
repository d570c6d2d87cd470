/* holo shim — task events for containerd: each event is packed into a
   ForwardRequest{Envelope{timestamp, namespace, topic, Any}} and sent to
   containerd's events service at TTRPC_ADDRESS, in order.  When containerd
   is away (restarting), events wait in a queue and are retried.  */
#define _GNU_SOURCE
#include "shim.h"
#include "events.pb-c.h"
#include "libcontainer/utils.h"

#include <string.h>

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define EVENT_TIMEOUT_MS 5000
#define EVENT_MAX_ATTEMPTS 60

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

/* Sends queued events until one fails; returns false when some are left.  */
static bool
send_queued (struct shim *shim)
{
  while (shim->events_head)
    {
      cleanup_error holo_error_t err = NULL;
      struct shim_event *e = shim->events_head;

      if (ttrpc_client_call (&shim->events_client, EVENTS_SERVICE, "Forward", shim->namespace, e->payload, e->len,
                             EVENT_TIMEOUT_MS, &err)
          == 0)
        {
          drop_head (shim);
          continue;
        }
      if (++e->attempts >= EVENT_MAX_ATTEMPTS)
        {
          holo_log_warning ("dropping event after %d attempts: %s", e->attempts, err->msg);
          drop_head (shim);
          continue;
        }
      holo_log_debug ("forward event: %s", err->msg);
      return false;
    }
  return true;
}

static void
retry_timer (struct shim_loop *loop, struct shim_timer *t)
{
  struct shim *shim = t->data;

  if (!send_queued (shim))
    shim_timer_arm (loop, t, 1000);
}

void
shim_events_init (struct shim *shim)
{
  const char *addr = shim->ttrpc_address;

  if (addr == NULL || *addr == '\0')
    addr = "/run/containerd/containerd.sock.ttrpc";
  ttrpc_client_init (&shim->events_client, addr);
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
  if (shim->events_retry.armed)
    return; /* keep the order: the queue goes first */
  if (!send_queued (shim))
    shim_timer_arm (&shim->loop, &shim->events_retry, 1000);
}

void
shim_events_flush (struct shim *shim, int timeout_ms)
{
  uint64_t deadline = shim_now_ms () + timeout_ms;

  while (!send_queued (shim) && shim_now_ms () < deadline)
    usleep (100 * 1000);
}
