/* Hologram content identity and witness enforcement (HOLOGRAM.md v1): what
   the runtime, `holo hologram` and holo-hologram-hook call.

   create:  holo_hologram_on_create() after the config is parsed and the
            rootfs resolved, before anything exists (no state dir, no process,
            no hook): in enforce mode a violation fails the create with
            nothing left behind.  The returned JSON goes into
            struct holo_state.extra_json; holo_hologram_annotate() adds the
            verbose annotations to the state's list.  If the create fails
            later, holo_hologram_on_delete() releases the CTP-96 session.
   delete:  holo_hologram_on_delete (state->extra_json).
   state:   holo_hologram_state_fields (state->extra_json, g) inside the
            top-level map: "XHologram" in verbose mode, nothing otherwise.  */
#ifndef HOLO_HOLOGRAM_H
#define HOLO_HOLOGRAM_H

#include "libcontainer/error.h"
#include "libcontainer/spec/spec.h"

#include <stdbool.h>
#include <yajl/yajl_gen.h>

#pragma GCC visibility push(default)

enum holo_hologram_mode
{
  HOLO_HOLOGRAM_OFF,
  HOLO_HOLOGRAM_PERMISSIVE,
  HOLO_HOLOGRAM_ENFORCE
};

/* The outcome of the checks for one container.  */
struct holo_hologram_verdict
{
  enum holo_hologram_mode mode;
  char *mode_source;    /* what chose the mode, for messages */
  char *uor_id;         /* NULL when it could not be computed */
  bool ok;              /* no violation (the spec's witness_ok) */
  char *reason;         /* the first violation, NULL when ok */
  char *witness_source; /* where the verified witness came from */
  bool verbose;
  char *session_id; /* CTP-96, NULL unless HOLOGRAM_NET=ctp96 gave a lease */
  char *lease_id;   /* the container's vpi_lease */
  char *ctp96_endpoint;
};

void holo_hologram_verdict_clear (struct holo_hologram_verdict *v);

/* The mode for a container with SPEC (NULL: no annotations), from
   HOLOGRAM_ENFORCE, HOLOGRAM_DISABLE, the annotation org.hologram.enforce
   and the policy file ($HOLOGRAM_POLICY_FILE, default
   /etc/hologram/policy.json).  Enforce wins over off.  *SOURCE (may be
   NULL) says why (malloc'ed).  */
enum holo_hologram_mode holo_hologram_mode (const struct holo_spec *spec, char **source);

/* Runs every check for the rootfs ROOTFS of BUNDLE: UOR-ID (with the digest
   cache under STATE_ROOT, which may be NULL), pin, witness, and - when
   CONTAINER_ID is not NULL and HOLOGRAM_NET=ctp96 - the CTP-96 lease.  The
   mode must already be in V->mode.  Violations go to V->reason.  */
void holo_hologram_check (const struct holo_spec *spec, const char *bundle, const char *rootfs, const char *state_root,
                          const char *container_id, struct holo_hologram_verdict *v);

/* The runtime's entry points (see the top of this file).  */
int holo_hologram_on_create (const struct holo_spec *spec, const char *bundle, const char *rootfs,
                             const char *state_root, const char *id, char **persist_json, holo_error_t *err);
void holo_hologram_on_delete (const char *persist_json);
void holo_hologram_annotate (const char *persist_json, struct holo_kv **annotations, size_t *n_annotations);
void holo_hologram_state_fields (const char *persist_json, yajl_gen g);

/* The rootfs directory of PATH: PATH itself, or the root.path of
   PATH/config.json when PATH is a bundle (malloc'ed, absolute).  *SPEC gets
   the parsed config when there is one.  */
int holo_hologram_resolve_rootfs (const char *path, char **rootfs, struct holo_spec **spec, holo_error_t *err);

#pragma GCC visibility pop

#endif
