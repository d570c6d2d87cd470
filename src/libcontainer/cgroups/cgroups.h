/* cgroup placement: where a container's cgroup lives, creating it, moving
   the init into it, listing its processes, removing it (cgroups.c); and
   signalling every process of it (signal.c, with the freezer).  Resource
   limits are applied by the resources code on top of this.  */
#ifndef HOLO_CGROUPS_H
#define HOLO_CGROUPS_H

#include "../libcontainer.h"
#include "../spec/spec.h"
#include <sys/types.h>

enum holo_cgroup_mode
{
  HOLO_CGROUP_UNIFIED, /* cgroup2 at /sys/fs/cgroup */
  HOLO_CGROUP_HYBRID,  /* v1 controllers + cgroup2 at /sys/fs/cgroup/unified */
  HOLO_CGROUP_LEGACY   /* v1 only */
};

enum holo_cgroup_mode holo_cgroup_mode (void);

/* The cgroup path (relative to each hierarchy's root, starting with '/')
   for linux.cgroupsPath: absolute as is; relative under "/"; empty:
   "/<id>"; cleaned lexically, as runc does ("/a/./b/.." is "/a").  With
   the systemd manager, "slice:prefix:name" maps to the path systemd's
   system instance would use ("/system.slice/prefix-name.scope"); the
   systemd driver itself (cgroups/systemd.h) asks systemd.  */
int holo_cgroup_resolve_path (const char *cgroups_path, const char *id, enum holo_cgroup_manager manager, char **out,
                              holo_error_t *err);

/* Creates the cgroup in every hierarchy and moves PID into it (unless
   PID was cloned into it already: the cgroup2 hierarchy).  */
int holo_cgroup_enter (const char *path, pid_t pid, holo_error_t *err);
/* On a cgroup2 host: creates PATH and returns an O_PATH descriptor on it,
   for clone3's CLONE_INTO_CGROUP (the child is born in its cgroup: no
   move, no wait for the kernel's cgroup_threadgroup_rwsem; see
   warmup.c).  -1 elsewhere or when it cannot be made (holo_cgroup_enter
   then reports why).  */
int holo_cgroup_clone_target (const char *path);
/* Removes the cgroup from every hierarchy (it must be empty).  */
int holo_cgroup_destroy (const char *path, holo_error_t *err);
/* PIDs in the cgroup (malloc'ed array).  */
int holo_cgroup_pids (const char *path, pid_t **pids, size_t *n, holo_error_t *err);
/* Sends SIG to every process in the cgroup.  */
int holo_cgroup_kill_all (const char *path, int sig, holo_error_t *err);
bool holo_cgroup_is_frozen (const char *path);

/* Directory of the cgroup in the hierarchy that holds CONTROLLER ("pids",
   "memory", ... or "" for the unified/cgroup2 one); NULL if not mounted.  */
char *holo_cgroup_controller_dir (const char *path, const char *controller);

#endif
