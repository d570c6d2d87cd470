#ifndef HOLO_EXE_PROTECT_H
#define HOLO_EXE_PROTECT_H

#include "../libcontainer.h"

/* CVE-2019-5736: the container init is a clone of holo until it execs the
   user process, so /proc/<init>/exe names holo's binary; a container that
   execs /proc/self/exe (directly or as a script interpreter), or holds
   /proc/<init>/exe open, could later reopen that inode for writing.  Before
   creating a container process, holo_protect_runtime_binary (public,
   libcontainer.h) re-executes holo from a file no container can write:

   - a private, read-only overlayfs over holo's own directory (as runc 1.2):
     mounted nowhere, without an upper layer, so no path and no remount
     leads to a writable view; no copy is made.  Needs CAP_SYS_ADMIN over
     the mount namespace and a second layer that does not overlap holo's
     directory (the state root);
   - else a sealed memfd copy of the binary (rootless, no overlayfs).

   It returns 0 when already running from such a file; otherwise it does
   not return on success (fexecve).  */

#endif
