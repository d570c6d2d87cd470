/* Internal to the container operations (one file each under container/):
   what they share beyond the public API (libcontainer.h).  */
#ifndef HOLO_CONTAINER_H
#define HOLO_CONTAINER_H

#include "../libcontainer.h"
#include "../cgroups/cgroups.h"
#include "../extension.h"
#include "../spec/spec.h"
#include "../store.h"

/* A container of the state root, opened.  */
struct holo_container
{
  int root_fd; /* the state root */
  int dir_fd;  /* the container's directory, locked as asked */
  struct holo_state *state;
  enum holo_status status; /* live: the process, the exec fifo, the freezer */
};
#define HOLO_CONTAINER_INIT                                                                                            \
  {                                                                                                                    \
    .root_fd = -1, .dir_fd = -1                                                                                        \
  }
void holo_container_close (struct holo_container *c);
#define cleanup_container __attribute__ ((cleanup (holo_container_close)))

/* Opens container ID of the state root (LOCK: LOCK_EX, LOCK_SH or 0; no
   lock for readers: state.json is replaced atomically, and `state` must
   answer while a create holds the lock) and reads its record.  When the
   record cannot be read the directory stays open in *C (delete --force
   removes such a leftover of a killed create).  */
int holo_container_open (struct holo_context *ctx, const char *id, int lock, struct holo_container *c,
                         holo_error_t *err);
/* The config.json the container was created with (kept in its directory).  */
int holo_container_read_config (const struct holo_container *c, struct holo_spec **spec, holo_error_t *err);

/* Internal (extension.c): the context's extension at create (and
   restore), start and delete.  */
int holo_extension_create (struct holo_context *ctx, const struct holo_spec *spec, struct holo_state *state,
                           int rootfs_fd, holo_error_t *err);
int holo_extension_start (struct holo_context *ctx, const struct holo_state *s, holo_error_t *err);
void holo_extension_delete (struct holo_context *ctx, const struct holo_state *s);

/* Internal (delete.c): SIGKILLs the init (and the cgroup) and waits until
   it is gone.  */
int holo_container_kill_and_wait (const struct holo_state *s, holo_error_t *err);

/* The container's cgroup with either driver (cgroup.c).  plan fills S's
   cgroup fields before anything exists (with systemd: the unit, checked
   against the host and the config); enter puts PID in it (with systemd:
   starts the scope, and records its cgroup in S); remove stops the unit
   and removes what is left of the cgroup.  */
int holo_container_cgroup_plan (struct holo_context *ctx, const struct holo_spec *spec, const char *id,
                                struct holo_state *s, holo_error_t *err);
int holo_container_cgroup_enter (struct holo_state *s, const struct holo_spec *spec, pid_t pid, holo_error_t *err);
int holo_container_cgroup_remove (const struct holo_state *s, holo_error_t *err);
bool holo_container_has_cgroup (const struct holo_state *s);

/* Removes everything a container left (cgroup, state dir) and runs
   poststop hooks; used by delete and checkpoint.  */
int holo_container_destroy (struct holo_context *ctx, const struct holo_container *c, bool run_poststop,
                            holo_error_t *err);

#endif
