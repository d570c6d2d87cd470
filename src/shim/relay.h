/* holo shim — fd-to-fd copy inside the event loop.  */
#ifndef HOLO_SHIM_RELAY_H
#define HOLO_SHIM_RELAY_H

#include "shim/shim.h"
#include <poll.h>
#include <fcntl.h>

/* The relay owns both fds (non-blocking).  */
struct shim_relay *shim_relay_new (int in_fd, int out_fd);
int shim_relay_start (struct shim_loop *loop, struct shim_relay *r);
/* Copies what input is left (bounded by TIMEOUT_MS), blocking.  */
void shim_relay_drain (struct shim_relay *r, int timeout_ms);
void shim_relay_free (struct shim_loop *loop, struct shim_relay *r);

#endif
