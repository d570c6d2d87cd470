#ifndef HOLO_CAPABILITIES_H
#define HOLO_CAPABILITIES_H

#include "../spec/spec.h"

/* Capability name ("CAP_CHOWN") to number; -1 if unknown to this kernel/libcap. */
int holo_cap_from_name (const char *name);
/* Highest capability number the running kernel knows (cap_last_cap).  */
int holo_cap_last_cap (void);

/* Drops the bounding set to CAPS->bounding.  Must run while still privileged
   (before changing uid).  */
int holo_caps_drop_bounding (const struct holo_capabilities *caps, holo_error_t *err);
/* Sets effective/permitted/inheritable and raises ambient.  Call after the
   uid/gid switch (which happens with PR_SET_KEEPCAPS set).  */
int holo_caps_apply (const struct holo_capabilities *caps, holo_error_t *err);

#endif
