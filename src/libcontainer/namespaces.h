#ifndef HOLO_NAMESPACES_H
#define HOLO_NAMESPACES_H

#include "spec/spec.h"
#include <sys/types.h>

/* fds of the namespaces to join (linux.namespaces[].path), opened up front
   so a bad path fails before any process exists.  -1 = not joined.  */
struct holo_ns_join
{
  int fds[HOLO_NS_COUNT];
  const char *paths[HOLO_NS_COUNT]; /* the spec's, for messages */
};

int holo_ns_open_joins (const struct holo_spec *spec, struct holo_ns_join *j, holo_error_t *err);
void holo_ns_close_joins (struct holo_ns_join *j);
bool holo_ns_has_joins (const struct holo_ns_join *j);
/* setns into every joined namespace, user first.  */
int holo_ns_enter_joins (struct holo_ns_join *j, holo_error_t *err);

/* CLONE_NEW* flags of the namespaces the config creates (without time,
   which needs unshare before the first process enters it, and without
   cgroup, which the init unshares once it is in its cgroup so that the
   namespace's root is the container's cgroup).  */
unsigned long holo_ns_new_flags (const struct holo_spec *spec);
bool holo_ns_is_new (const struct holo_spec *spec, enum holo_ns_kind kind);
/* New user and IPC namespaces: the init unshares IPC after becoming root
   of its user namespace (as runc), so /dev/mqueue belongs to that root.  */
bool holo_ns_ipc_after_userns (const struct holo_spec *spec);

/* In the cloning process: unshare a new time namespace and write the
   offsets from linux.timeOffsets; children created next enter it.  */
int holo_ns_setup_time (const struct holo_spec *spec, holo_error_t *err);

/* Parent side: writes linux.uidMappings/gidMappings for PID's new user
   namespace (directly, or with newuidmap/newgidmap: see userns.h).  */
int holo_ns_write_id_maps (const struct holo_spec *spec, pid_t pid, holo_error_t *err);

#endif
