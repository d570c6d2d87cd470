/* Internal to the container operations (one file each under container/):
   what they share beyond the public API (libcontainer.h).  */
#ifndef HOLO_CONTAINER_H
#define HOLO_CONTAINER_H

#include "../libcontainer.h"
#include "../cgroups/cgroups.h"
#include "../extension.h"
#include "../spec/spec.h"
#include "../store.h"

/* Loads the container's record and live status (no lock taken).  */
int holo_container_load (struct holo_context *ctx, const char *id, struct holo_state **state, enum holo_status *status,
                         holo_error_t *err);
/* Like holo_container_load, holding the container's lock (on *DIR_FD).  */
int holo_container_load_locked (struct holo_context *ctx, const char *id, int *dir_fd, struct holo_state **state,
                                enum holo_status *status, holo_error_t *err);

/* Internal (extension.c): the context's extension at create (and
   restore), start and delete.  */
int holo_extension_create (struct holo_context *ctx, const struct holo_spec *spec, struct holo_state *state,
                           int rootfs_fd, holo_error_t *err);
int holo_extension_start (struct holo_context *ctx, const struct holo_state *s, holo_error_t *err);
void holo_extension_delete (struct holo_context *ctx, const struct holo_state *s);

/* Internal (delete.c): SIGKILLs the init (and the cgroup) and waits until
   it is gone.  */
int holo_container_kill_and_wait (const struct holo_state *s, holo_error_t *err);

/* Removes everything a container left (cgroup, state dir) and runs
   poststop hooks; used by delete and by a failed create.  */
int holo_container_destroy (struct holo_context *ctx, int root_fd, int dir_fd, const struct holo_state *s,
                            bool run_poststop, holo_error_t *err);

#endif
