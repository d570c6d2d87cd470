/* linux.sysctl (sysctl.c).  */
#ifndef HOLO_SYSCTL_H
#define HOLO_SYSCTL_H

#include "spec/spec.h"

/* Checks linux.sysctl against the namespaces of SPEC the way runc does (IPC
   keys need an IPC namespace, net.* a network namespace that is not the
   host's, kernel.domainname a UTS namespace; everything else is refused).
   Callable at create time, before anything is started.  */
int holo_sysctl_validate (const struct holo_spec *spec, holo_error_t *err);

/* Writes linux.sysctl under /proc/sys.  Call it after holo_rootfs_pivot (so
   /proc is the container's) and BEFORE holo_rootfs_finalize: readonlyPaths
   normally makes /proc/sys read-only (runc's order too).  */
int holo_apply_sysctl (const struct holo_spec *spec, holo_error_t *err);

#endif
