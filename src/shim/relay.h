/* holo shim — fd-to-fd copy inside the event loop.  */
#ifndef HOLO_SHIM_RELAY_H
#define HOLO_SHIM_RELAY_H

#include "shim/shim.h"
#include <poll.h>
#include <fcntl.h>

/* The relay owns both fds (non-blocking).  */
struct shim_relay *shim_relay_new (int in_fd, int out_fd);
int shim_relay_start (struct shim_loop *loop, struct shim_relay *r);
/* Copies what input is left, on the loop: DONE runs when the input ends
   (EOF, or EIO from a pty whose last writer closed), with QUIET when none
   has come for a moment, or at TIMEOUT_MS whatever is left (a destination
   nobody reads); the watches are off by then (unless keep_after_drain: the
   relay goes on) and DONE may free the relay.  */
void shim_relay_drain (struct shim_loop *loop, struct shim_relay *r, unsigned timeout_ms, bool quiet,
                       shim_relay_drained done, void *data);
/* The relay's owner lets go of it while the input may still have writers
   (a process's child holding its pipe): it goes on copying until the input
   ends or TIMEOUT_MS passed, then frees itself.  */
void shim_relay_linger (struct shim_loop *loop, struct shim_relay *r, unsigned timeout_ms);
void shim_relay_free (struct shim_loop *loop, struct shim_relay *r);

#endif
