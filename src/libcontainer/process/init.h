#ifndef HOLO_INIT_H
#define HOLO_INIT_H

#include "chain.h"

/* Runs in the container's init process: waits for holo, sets up the
   container (rootfs, hooks, process attributes), reports READY, waits for
   `start` on the exec fifo and execs the user process.  Never returns; on a
   setup failure the error is sent to holo and the process exits 1.  */
_Noreturn void holo_init_main (const struct holo_init_config *cfg, int sync_fd);

/* Whether the init asks holo to run hooks (any of prestart, createRuntime,
   createContainer, startContainer): both sides must agree.  */
bool holo_init_wants_hooks (const struct holo_spec *spec);

#endif
