/* The channel between holo (parent) and the container's init (child): an
   AF_UNIX SOCK_SEQPACKET pair, one typed message per datagram.

   The protocol, one function per step on each side:

     stage1 (if any)      -> holo   PID            holo_sync_send_pid / holo_sync_recv_pid
     holo                 -> init   GO             holo_sync_send_go / holo_sync_wait_go
     init                 -> holo   HOOKS          holo_sync_request_hooks / holo_sync_wait_hooks_request
     holo                 -> init   [LISTENER_STATE] HOOKS_DONE(state)   holo_sync_send_states
     init                 -> holo   READY          holo_sync_send_ready / holo_sync_wait_ready
     init or stage1       -> holo   ERROR(errno, message), at any step instead of the expected one
     init                 -> holo   LOG(level, message), at any time before READY

   Every wait of holo's forwards the LOG lines it meets to holo's own log.
   A payload is never cut: up to HOLO_SYNC_INLINE_MAX bytes travel in the
   datagram, larger ones (the state JSON with big annotations) in a sealed
   memfd passed along with SCM_RIGHTS; beyond HOLO_SYNC_PAYLOAD_MAX the
   send fails.  */
#ifndef HOLO_SYNC_H
#define HOLO_SYNC_H

#include "../error.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum holo_sync_type
{
  HOLO_SYNC_PID = 1,        /* stage1 -> holo: init's pid (host view), int32 */
  HOLO_SYNC_GO,             /* holo -> init: ids mapped, cgroup joined */
  HOLO_SYNC_HOOKS,          /* init -> holo: run prestart/createRuntime now */
  HOLO_SYNC_LISTENER_STATE, /* holo -> init: state for the seccomp listener */
  HOLO_SYNC_HOOKS_DONE,     /* holo -> init: state for the container's hooks */
  HOLO_SYNC_READY,          /* init -> holo: about to wait for start */
  HOLO_SYNC_ERROR,          /* init/stage1 -> holo: int32 errno, message */
  HOLO_SYNC_LOG,            /* init -> holo: level, NUL, message */
};

#define HOLO_SYNC_INLINE_MAX 16384
#define HOLO_SYNC_PAYLOAD_MAX (64u << 20)

/* stage1 -> holo.  */
void holo_sync_send_pid (int fd, pid_t pid);
int holo_sync_recv_pid (int fd, pid_t *pid, holo_error_t *err);

/* holo -> init: the init may go on with the setup.  */
int holo_sync_send_go (int fd, holo_error_t *err);
int holo_sync_wait_go (int fd, holo_error_t *err);

/* init -> holo -> init: holo runs the hooks of the runtime namespace and
   answers with the state for the hooks of the container namespace, and
   first, when WANT_LISTENER_STATE, the one for the seccomp listener.  */
struct holo_sync_states
{
  char *container; /* malloc'ed */
  char *listener;  /* malloc'ed, NULL unless asked for */
};
int holo_sync_request_hooks (int fd, bool want_listener_state, struct holo_sync_states *out, holo_error_t *err);
int holo_sync_wait_hooks_request (int fd, holo_error_t *err);
int holo_sync_send_states (int fd, const char *container_state, const char *listener_state, holo_error_t *err);
void holo_sync_states_release (struct holo_sync_states *st);

/* init -> holo: set up, waiting for start (create) or about to exec.  */
int holo_sync_send_ready (int fd, holo_error_t *err);
int holo_sync_wait_ready (int fd, holo_error_t *err);

/* init/stage1 -> holo: the setup failed; holo's wait returns this error.  */
void holo_sync_send_error (int fd, const holo_error_t *err);

/* Whether a wait failed because the other side closed the channel (it
   exited) without an ERROR.  */
bool holo_sync_is_closed (const holo_error_t *err);

/* init -> holo: a log line for holo's log.  */
void holo_sync_send_log (int fd, const char *level, const char *msg);
/* From now on, every line the process logs goes to holo over FD (init and
   stage1, whose stderr is the container's); -1 stops that.  */
void holo_sync_forward_logs (int fd);

#endif
