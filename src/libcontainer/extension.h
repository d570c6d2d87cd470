/* An extension of the container lifecycle: checks a caller adds without
   libcontainer knowing what they check or how (holo's is Hologram, see
   src/hologram/extension.c).  The caller puts one in
   struct holo_context.extension (libcontainer.h); NULL means none.  Every callback may be
   NULL.

   create (and restore): create_check() runs after the config is parsed and
            the rootfs opened, before anything exists (no state directory,
            no process, no hook).  A failure fails the create with nothing
            left behind.  What it returns is kept in the container's state.
   start:   start_check() runs before the container's process is released,
            when start_wanted() says so.  A failure fails the start as a
            failing startContainer hook does: the error, the container
            stopped, nothing of the user's run.
   delete:  on_delete(), also when a create fails after create_check.
   state:   the state JSON gets the members of the state_fields object that
            create_check returned (nothing else, so without them it is
            exactly runc's).  */
#ifndef HOLO_EXTENSION_H
#define HOLO_EXTENSION_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

#pragma GCC visibility push(default)

struct holo_kv; /* spec/spec.h: { char *key; char *value; } */

struct holo_extension_container
{
  const char *id;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute, canonical (for messages: use the fds) */
  const struct holo_kv *annotations;
  size_t n_annotations;
  /* create: what the runtime would add to the rootfs's own filesystem
     before the container runs (missing mount points, cwd, device nodes),
     as absolute paths inside the container.  */
  char *const *new_entries;
  size_t n_new_entries;
};

struct holo_extension_result
{
  char *persist;               /* opaque, kept in the state; NULL: nothing */
  char *state_fields;          /* a JSON object whose members the state JSON gets */
  struct holo_kv *annotations; /* added to the state's annotations */
  size_t n_annotations;
};

void holo_extension_result_clear (struct holo_extension_result *r);

struct holo_extension
{
  void *data;
  /* Whether create_check has anything to do for a container with these
     annotations (false: nothing is computed, no descriptor is made).  */
  bool (*create_wanted) (void *data, const struct holo_kv *annotations, size_t n_annotations);
  /* ROOTFS_FD: the root filesystem the container's root is mounted from,
     without anything mounted inside it (a detached mount, or, when the
     runtime cannot make one, an O_PATH descriptor of the directory).  */
  int (*create_check) (void *data, const struct holo_extension_container *c, int rootfs_fd,
                       struct holo_extension_result *out, holo_error_t *err);
  bool (*start_wanted) (void *data, const char *persist);
  /* ROOT_FD: the container's root filesystem as it is mounted, without
     anything mounted inside it (a detached mount).  */
  int (*start_check) (void *data, const struct holo_extension_container *c, int root_fd, const char *persist,
                      holo_error_t *err);
  void (*on_delete) (void *data, const char *persist);
};

#pragma GCC visibility pop

#endif
