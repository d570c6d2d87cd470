/* Hologram content identity and witness enforcement (HOLOGRAM.md v1.1):
   the public interface of src/hologram, for the holo CLI and
   holo-hologram-hook.

   The caller reads the environment and the policy file once into a
   struct holo_hologram_options (holo_hologram_options_load) and hands it to
   the policy engine: holo_hologram_evaluate() for one tree (the hook,
   `holo hologram verify`).  Nothing under src/hologram reads a HOLOGRAM_*
   variable itself.  */
#ifndef HOLO_HOLOGRAM_H
#define HOLO_HOLOGRAM_H

#include "libcontainer/error.h"
#include "libcontainer/spec/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum holo_hologram_mode
{
  HOLO_HOLOGRAM_OFF,
  HOLO_HOLOGRAM_PERMISSIVE,
  HOLO_HOLOGRAM_ENFORCE
};

const char *holo_hologram_mode_name (enum holo_hologram_mode m);

/* Section 4: the policy file ($HOLOGRAM_POLICY, else
   /etc/hologram/policy.json), the environment over it key by key.  */
struct holo_hologram_options
{
  bool configured; /* a policy file exists or a HOLOGRAM_* variable is set */
  enum holo_hologram_mode mode;
  char *mode_source;  /* what chose the mode, for messages */
  char *policy_file;  /* the file read, NULL when there is none */
  char *policy_error; /* the file exists but cannot be used */
  char *env_error;    /* a HOLOGRAM_* variable has a bad value */
  char *trust_dir;    /* default /etc/hologram/trust.d */
  char *witness_pubkey;
  char *witness_endpoint; /* NULL: no endpoint (there is no default) */
  long witness_timeout_ms;
  long verify_timeout_ms; /* the verification deadline */
  bool require_sealed;
  bool verbose;
  bool ctp96;
  char *ctp96_endpoint; /* default http://localhost:8080 once ctp96 is set */
  long ctp96_timeout_ms;
  const char *state_root; /* where the digest cache lives; NULL: no cache */
};

/* Never fails: an unusable policy file or variable is recorded in
   policy_error/env_error and makes the mode enforce (fail closed).  */
void holo_hologram_options_load (struct holo_hologram_options *o);
void holo_hologram_options_clear (struct holo_hologram_options *o);
/* Whether one of the variables that configure Hologram is set.  */
bool holo_hologram_env_configured (void);

/* One evaluation (create, the hook, `verify`).  */
struct holo_hologram_target
{
  const char *container_id; /* NULL: no CTP-96 lease (verify) */
  const char *bundle;       /* NULL: no bundle, no hologram.witness.json */
  const char *rootfs;       /* the path, for messages */
  int rootfs_fd;            /* the tree itself (O_PATH directory) */
  const struct holo_kv *annotations;
  size_t n_annotations;
  /* Entries the runtime would add to the tree before the container runs
     (missing mount points): a verified tree must not change.  */
  char *const *new_entries;
  size_t n_new_entries;
};

struct holo_hologram_stats
{
  size_t entries;      /* lines hashed into the id */
  size_t files;        /* regular files */
  size_t files_cached; /* ... whose digest came from the cache */
  uint64_t bytes_read; /* file bytes read and hashed */
};

struct holo_hologram_verdict
{
  bool configured; /* false: nothing was computed (off) */
  enum holo_hologram_mode mode;
  char *mode_source;
  char *uor_id; /* NULL when it could not be computed */
  bool ok;      /* no violation (the spec's witness_ok) */
  char *reason; /* the first violation, NULL when ok */
  char *witness_source;
  bool sealed;
  bool verbose;
  char *session_id; /* CTP-96 */
  char *lease_id;   /* the container's vpi_lease */
  char *ctp96_endpoint;
  struct holo_hologram_stats stats;
};

void holo_hologram_verdict_clear (struct holo_hologram_verdict *v);

/* The mode for a container, from O and the annotations (which may tighten
   the mode but never loosen it), into V (mode, mode_source, configured). */
void holo_hologram_decide (const struct holo_hologram_options *o, const struct holo_kv *annotations,
                           size_t n_annotations, struct holo_hologram_verdict *v);

/* Runs every check for T (the mode must already be decided): UOR-ID, pin,
   witness, sealing, new entries, and with a container id and ctp96 the
   lease.  Violations go to V->reason.  */
void holo_hologram_check (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
                          struct holo_hologram_verdict *v);

/* holo_hologram_decide + holo_hologram_check when configured.  */
void holo_hologram_evaluate (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
                             struct holo_hologram_verdict *v);

/* Closes a CTP-96 session (delete, poststop); failures are warnings.  */
void holo_hologram_close_session (const struct holo_hologram_options *o, const char *endpoint, const char *session_id);

/* The verbose log line of a decision, and the permissive warning.  */
void holo_hologram_log_decision (const struct holo_hologram_verdict *v, const char *container_id);

/* The rootfs directory of PATH: PATH itself, or the root.path of
   PATH/config.json when PATH is a bundle (malloc'ed, absolute).  *SPEC gets
   the parsed config when there is one.  */
int holo_hologram_resolve_rootfs (const char *path, char **rootfs, struct holo_spec **spec, holo_error_t *err);

#endif
