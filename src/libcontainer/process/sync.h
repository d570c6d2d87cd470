/* The channel between holo (parent) and the container's init (child): an
   AF_UNIX SOCK_SEQPACKET pair carrying small typed messages.  */
#ifndef HOLO_SYNC_H
#define HOLO_SYNC_H

#include "../error.h"
#include <stddef.h>
#include <stdint.h>

enum holo_sync_type
{
  HOLO_SYNC_PID = 1,    /* stage1 -> parent: init's pid (host view) */
  HOLO_SYNC_GO,         /* parent -> init: ids mapped, cgroup joined */
  HOLO_SYNC_HOOKS,      /* init -> parent: run createRuntime/prestart hooks now */
  HOLO_SYNC_HOOKS_DONE, /* parent -> init: done; payload = state JSON */
  HOLO_SYNC_READY,      /* init -> parent: about to wait for start */
  HOLO_SYNC_ERROR,      /* either way: payload = error message */
};

#define HOLO_SYNC_MAX_PAYLOAD 65000

int holo_sync_send (int fd, enum holo_sync_type type, const void *payload, size_t len, holo_error_t *err);
/* Receives one message; *payload is malloc'ed and NUL-terminated.  A peer
   that closed the channel is an error ("init exited ...") unless it sent an
   error message first, which becomes the error.  */
int holo_sync_recv (int fd, enum holo_sync_type *type, char **payload, size_t *len, holo_error_t *err);
/* Receives and insists on EXPECTED; HOLO_SYNC_ERROR becomes the error.  */
int holo_sync_expect (int fd, enum holo_sync_type expected, char **payload, holo_error_t *err);

#endif
