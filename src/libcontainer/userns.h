/* User namespaces seen from holo's side (the parent of the init).

   A new user namespace starts without mappings; a process outside it
   writes /proc/PID/uid_map and gid_map (user_namespaces(7)).  Root may
   write any mapping.  An unprivileged user may write one line that maps
   its own id, and the gid map only after "deny" went into
   /proc/PID/setgroups: the init then skips setgroups(2).  Every other
   mapping goes through the setuid helpers newuidmap(1)/newgidmap(1)
   (Debian package uidmap), which grant the ranges /etc/subuid and
   /etc/subgid give the user.

   Rootless mode (holo run by a non-root user) needs such a namespace: the
   checks below turn what would be an EPERM deep in the create path into a
   message that says what is missing.  */
#ifndef HOLO_USERNS_H
#define HOLO_USERNS_H

#include "libcontainer.h"
#include "spec/spec.h"
#include <stdbool.h>
#include <sys/types.h>

/* Writes UIDS to /proc/PID/uid_map and GIDS to /proc/PID/gid_map, directly
   or through newuidmap/newgidmap as the mappings and our privileges need.
   An empty list is not written.  */
int holo_userns_write_mappings (pid_t pid, const struct holo_idmap *uids, size_t n_uids, const struct holo_idmap *gids,
                                size_t n_gids, holo_error_t *err);

/* For an unprivileged caller, before anything is created: SPEC must use a
   user namespace, the kernel must allow unprivileged ones, and mappings
   beyond the caller's own ids need newuidmap/newgidmap and matching
   /etc/subuid, /etc/subgid entries.  */
int holo_userns_check_rootless (const struct holo_spec *spec, holo_error_t *err);

/* When the config joins a user namespace by path and also lists mappings
   (runc requires them there), they must be the ones of that namespace,
   which PID (the init) is in.  */
int holo_userns_check_joined (const struct holo_spec *spec, pid_t pid, holo_error_t *err);

/* An fd on a new user namespace carrying the given mappings (for
   mount_setattr(MOUNT_ATTR_IDMAP)); the process that created it is gone
   when this returns.  */
int holo_userns_open_mapped (const struct holo_idmap *uids, size_t n_uids, const struct holo_idmap *gids, size_t n_gids,
                             holo_error_t *err);

/* holo_running_in_userns: public, libcontainer.h.  */

/* NAME looked up in $PATH (the usual system directories when unset);
   malloc'ed absolute path, or NULL.  */
char *holo_find_program (const char *name);

#endif
