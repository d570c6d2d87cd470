/* What libcontainer calls today (create, restore, delete, the state store).
   Transitional: replaced by the extension interface.  */
#ifndef HOLO_HOLOGRAM_RUNTIME_H
#define HOLO_HOLOGRAM_RUNTIME_H

#include "libcontainer/error.h"
#include "libcontainer/spec/spec.h"

#include <yajl/yajl_gen.h>

int holo_hologram_on_create (const struct holo_spec *spec, const char *bundle, const char *rootfs,
                             const char *state_root, const char *id, char **persist_json, holo_error_t *err);
void holo_hologram_on_delete (const char *persist_json);
void holo_hologram_annotate (const char *persist_json, struct holo_kv **annotations, size_t *n_annotations);
void holo_hologram_state_fields (const char *persist_json, yajl_gen g);

#endif
