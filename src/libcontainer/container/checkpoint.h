/* `checkpoint` and `restore` (checkpoint.c, restore.c), through CRIU
   (src/libcontainer/criu).  */
#ifndef HOLO_CHECKPOINT_H
#define HOLO_CHECKPOINT_H

#include "container.h"
#include "../criu/criu.h"

struct holo_checkpoint_options
{
  const char *id;
  struct holo_criu_flags criu;
};

/* Dumps a running (or paused) container into criu.image_path.  Without
   --leave-running or --pre-dump CRIU kills its processes and the container
   is then deleted, as runc does, so that `restore` can bring it back under
   the same id.  */
int holo_container_checkpoint (struct holo_context *ctx, const struct holo_checkpoint_options *o, holo_error_t *err);

struct holo_restore_options
{
  const char *id;
  const char *bundle; /* NULL = current directory */
  struct holo_criu_flags criu;
  const char *console_socket; /* receives the pty master of a terminal container */
  const char *pid_file;
  bool no_pivot; /* accepted; CRIU sets the root up itself */
};

/* Creates container ID from the bundle and the image: the state directory,
   the cgroup, then CRIU's restore.  OUT->pid is the restored init.  */
int holo_container_restore (struct holo_context *ctx, const struct holo_restore_options *o, struct holo_created *out,
                            holo_error_t *err);

#endif
