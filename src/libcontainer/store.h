/* The state store: one directory per container under --root, holding
   state.json (our record, written atomically), config.json (the config the
   container was created with, for poststop hooks at delete), exec.fifo (while
   the container is "created"), and a flock on the directory itself that
   serialises holo invocations on the same container.  */
#ifndef HOLO_STORE_H
#define HOLO_STORE_H

#include "libcontainer.h"
#include "spec/spec.h"
#include <stdbool.h>
#include <sys/types.h>

struct holo_state
{
  char *id;
  pid_t pid;
  unsigned long long pid_starttime;
  char *bundle;
  char *rootfs;
  char *created;
  char *owner;
  struct holo_kv *annotations;
  size_t n_annotations;
  bool creating;      /* persisted: create has not finished */
  char *cgroup_path;  /* NULL when cgroups are disabled */
  char *systemd_unit; /* the scope of the systemd driver, or NULL */
  bool systemd_user;  /* ... in the user's own systemd instance */
  char *extra_json;   /* the extension's opaque record (extension.h), may be NULL */
  char *extra_state;  /* a JSON object whose members the state JSON gets, may be NULL */
  /* Whether config.json has poststart/poststop hooks, so that start and
     delete read and parse it only then (a large config, e.g. with a
     seccomp profile, takes a while to parse).  Unknown (false) in the
     state of an older holo: then they read it.  */
  bool late_hooks_known;
  bool has_poststart;
  bool has_poststop;
};

void holo_state_free (struct holo_state *s);
static inline void
holo_cleanup_statep (struct holo_state **s)
{
  holo_state_free (*s);
}
#define cleanup_state __attribute__ ((cleanup (holo_cleanup_statep)))

/* Validates a container id: non-empty, no '/', not "." or "..", printable. */
int holo_validate_id (const char *id, holo_error_t *err);

/* Opens (creating it, mode 0700) the state root directory.  */
int holo_store_open_root (const char *root, holo_error_t *err);
/* Creates the container directory; error "container with id exists: ID".
   Returns an fd on it, locked exclusively.  */
int holo_store_create (int root_fd, const char *id, holo_error_t *err);
/* Opens an existing container directory; error "container does not exist".
   LOCK: LOCK_EX, LOCK_SH or 0.  */
int holo_store_open (int root_fd, const char *id, int lock, holo_error_t *err);
/* Removes the container directory and everything in it.  */
int holo_store_remove (int root_fd, const char *id, holo_error_t *err);

int holo_state_write (int dir_fd, const struct holo_state *s, holo_error_t *err);
int holo_state_read (int dir_fd, struct holo_state **out, holo_error_t *err);

/* Live status: looks at the process (same start time, not a zombie), the exec
   fifo and the creating flag.  DIR_FD is used to probe the fifo and the lock. */
enum holo_status holo_state_status (int dir_fd, const struct holo_state *s);
/* True when PID still names the process recorded in S.  */
bool holo_state_process_alive (const struct holo_state *s);

/* The runtime-spec state JSON (what `holo state` prints and hooks read).  */
char *holo_state_to_json (const struct holo_state *s, enum holo_status st, bool pretty);

#define HOLO_EXEC_FIFO "exec.fifo"
#define HOLO_STATE_FILE "state.json"
#define HOLO_CONFIG_COPY "config.json"
/* Mount ids made in the runtime's mount namespace (no mount namespace of
   the container's own), undone at delete.  */
#define HOLO_HOST_MOUNTS "host-mounts"

#endif
