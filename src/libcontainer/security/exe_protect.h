#ifndef HOLO_EXE_PROTECT_H
#define HOLO_EXE_PROTECT_H

#include "../libcontainer.h"

/* CVE-2019-5736: the container init is a clone of holo until it execs the
   user process, so /proc/<init>/exe names the host's holo binary; a
   container that execs /proc/self/exe (directly or as a script interpreter)
   could later reopen that inode for writing.  Before creating a container,
   holo re-executes itself from a sealed, read-only memfd copy of its binary:
   /proc/self/exe then names the memfd, never the file on the host.

   holo_protect_runtime_binary (public, libcontainer.h) returns 0 when
   already running from a sealed copy; otherwise it does not return on
   success (fexecve).  */

#endif
