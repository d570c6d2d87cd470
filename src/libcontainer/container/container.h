/* Internal to the container operations (one file each under container/):
   what they share beyond the public API (libcontainer.h).  */
#ifndef HOLO_CONTAINER_H
#define HOLO_CONTAINER_H

#include "../libcontainer.h"
#include "../cgroups/cgroups.h"
#include "../spec/spec.h"
#include "../store.h"

/* Loads the container's record and live status (no lock taken).  */
int holo_container_load (struct holo_context *ctx, const char *id, struct holo_state **state, enum holo_status *status,
                         holo_error_t *err);
/* Like holo_container_load, holding the container's lock (on *DIR_FD).  */
int holo_container_load_locked (struct holo_context *ctx, const char *id, int *dir_fd, struct holo_state **state,
                                enum holo_status *status, holo_error_t *err);

/* Removes everything a container left (cgroup, state dir) and runs
   poststop hooks; used by delete and by a failed create.  */
int holo_container_destroy (struct holo_context *ctx, int root_fd, int dir_fd, const struct holo_state *s,
                            bool run_poststop, holo_error_t *err);

#endif
