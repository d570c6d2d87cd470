/* Creating the container's init process (or exec's process).

   Fast path (no namespace joined by path, no time namespace): one clone3()
   from holo with every CLONE_NEW* flag; the child is the container init.
   exec (every namespace joined, none created), when no user namespace is
   among them: holo joins them itself, clones the process, and goes back to
   its own namespaces, root and cwd.  Otherwise a short-lived "stage1"
   child is forked first: it setns()es into the joined namespaces (user
   first), unshares the time namespace and writes its offsets, then
   clone3()s the init with the remaining flags, reports the init's pid over
   the sync channel and exits.  Either way the process is born inside every
   namespace it joins (never in the container's pid namespace with the
   host's mounts), and holo then talks to it over one SOCK_SEQPACKET pair
   (see sync.h and init.c).  */
#ifndef HOLO_CHAIN_H
#define HOLO_CHAIN_H

#include "../namespaces.h"
#include "../spec/spec.h"
#include <sys/types.h>

struct holo_seccomp;

struct holo_init_config
{
  const struct holo_spec *spec;
  const struct holo_process *process; /* spec->process for create */
  const char *id;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute, canonical */
  /* The root to mount (struct holo_rootfs_options.root_fd): a detached
     clone of root.path, or (ROOTFS_IS_TREE false) the O_PATH descriptor
     create opened on it; -1 for exec.  */
  int rootfs_fd;
  bool rootfs_is_tree;
  int fifo_fd;        /* exec.fifo opened O_RDWR, the init waits on it; -1 = exec at once */
  char **extra_env;   /* appended to process.env (LISTEN_FDS...) */
  int console_sock;   /* connected console socket, or -1 */
  int preserve_fds;   /* fds 3..3+N-1 are passed to the process */
  int close_in_child; /* an fd the init must close first (the state lock), or -1 */
  bool no_pivot;
  bool no_new_keyring;
  bool exec_mode;               /* `exec`: every namespace is joined, no rootfs setup */
  struct holo_seccomp *seccomp; /* compiled linux.seccomp, or NULL; loaded by the init */
  const int *idmap_fds;         /* per mounts[] entry, see holo_idmap_prepare_mounts; may be NULL */
  /* The process's cgroup2 directory (holo_cgroup_clone_target), to clone
     it straight into (CLONE_INTO_CGROUP); -1 = none, it is moved there
     afterwards.  The init closes it first thing.  */
  int cgroup_fd;
};

struct holo_launch
{
  pid_t pid;   /* the init, as seen from holo's pid namespace */
  int sync_fd; /* holo's end of the channel */
};

/* Creates the init (and stage1 if needed); returns once its pid is known.
   The init then waits for holo_launch_go.  */
int holo_launch_spawn (const struct holo_init_config *cfg, struct holo_ns_join *joins, struct holo_launch *out,
                       holo_error_t *err);
int holo_launch_go (struct holo_launch *l, holo_error_t *err);
/* After the init closed the channel during setup: waits (briefly) for it
   to end and collects its wait status; false when that cannot be known.  */
bool holo_launch_wait_exit (struct holo_launch *l, int *status);
/* Kills and reaps a half-created init.  */
void holo_launch_abort (struct holo_launch *l);

#endif
