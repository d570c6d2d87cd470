/* NOTIFY_SOCKET (sd_notify(3)) for containers, as runc does it: when holo
   is run with NOTIFY_SOCKET set (a systemd unit of Type=notify, podman
   --sdnotify=container), the container gets a socket of its own, and what
   the container sends there is relayed to the caller's socket once it says
   READY=, followed by MAINPID= (the container's init, or the foreground
   holo) and a BARRIER=1, so the caller learns the main process and has
   read everything before holo goes on.

   create: the state directory's notify/ is bind-mounted read-only at
   /run/notify, and NOTIFY_SOCKET=/run/notify/notify.sock is put in the
   process's environment.  start: the socket notify/notify.sock is bound
   (mode 0777) before the process is released, then the relay runs.  */
#ifndef HOLO_NOTIFY_H
#define HOLO_NOTIFY_H

#include "error.h"
#include "spec/spec.h"
#include <sys/types.h>

#define HOLO_NOTIFY_DIR "notify"
#define HOLO_NOTIFY_IN_CONTAINER "/run/notify/notify.sock"

/* Makes DIR_FD/notify and adds its mount and the environment variable to
   SPEC.  */
int holo_notify_prepare (int dir_fd, struct holo_spec *spec, holo_error_t *err);

/* The relay's two ends: the container's socket, bound in DIR_FD/notify,
   and a socket connected to HOST (a path, or "@name" for the abstract
   namespace).  Opened before the process starts, so that a bad
   NOTIFY_SOCKET fails `start` before the container runs.  */
struct holo_notify
{
  int listen_fd;
  int host_fd;
};
int holo_notify_open (int dir_fd, const char *host, struct holo_notify *out, holo_error_t *err);
void holo_notify_close (struct holo_notify *n);

/* Relays the container's messages (but MAINPID=, meaningless outside its
   pid namespace) until one says READY=, then sends MAINPID=MAIN_PID and
   waits for the barrier (30 s at most).  Returns 0 without relaying
   anything when INIT exits first.  */
int holo_notify_relay (struct holo_notify *n, pid_t init, pid_t main_pid, holo_error_t *err);

#endif
