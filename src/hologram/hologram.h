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
#include "libcontainer/extension.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(default)

struct holo_kv;   /* libcontainer/spec/spec.h */
struct holo_spec; /* libcontainer/spec/spec.h */

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
  size_t unsealed;     /* directories and files (and the root) without the immutable flag */
  bool seal_unknown;   /* the filesystem does not report the flag */
  char first_unsealed[256];
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
  bool sealed;         /* every directory and file (and the root) is immutable */
  bool require_sealed; /* policy or annotation */
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

/* The UOR-ID and sealing of the tree at FD (ROOTFS: its path, for
   messages) into V (uor_id, sealed, stats; with V->require_sealed, an
   unsealed tree is a violation), within O's deadline, with O's digest
   cache.  -1 when it cannot be computed (V->reason says why).  */
int holo_hologram_tree_id (const struct holo_hologram_options *o, const char *rootfs, int fd,
                           struct holo_hologram_verdict *v);

/* holo_hologram_decide + holo_hologram_check when configured.  */
void holo_hologram_evaluate (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
                             struct holo_hologram_verdict *v);

/* Closes a CTP-96 session (delete, poststop); failures are warnings.  */
void holo_hologram_close_session (const struct holo_hologram_options *o, const char *endpoint, const char *session_id);

/* The verbose log line of a decision, and the permissive warning.  */
void holo_hologram_log_decision (const struct holo_hologram_verdict *v, const char *container_id);

/* The Hologram extension of libcontainer (extension.c) for O, which must
   outlive EXT.  */
void holo_hologram_extension (const struct holo_hologram_options *o, struct holo_extension *ext);

/* ---------------------------------------------------- `holo hologram` */

/* The tree of PATH (a rootfs directory, or a bundle) as create sees it.  */
struct holo_hologram_tree
{
  char *path;                        /* the rootfs, absolute */
  char *bundle;                      /* NULL for a plain directory */
  struct holo_spec *spec;            /* the bundle's config, NULL for a plain directory */
  const struct holo_kv *annotations; /* the config's */
  size_t n_annotations;
  int fd;             /* its filesystem, without what is mounted inside it */
  char **new_entries; /* what create would add to it (missing mount points) */
  size_t n_new_entries;
};
int holo_hologram_tree_open (const char *path, struct holo_hologram_tree *t, holo_error_t *err);
void holo_hologram_tree_close (struct holo_hologram_tree *t);

/* A witness (DSSE envelope JSON) for UOR_ID, signed with the Ed25519 PEM
   private key KEY_PATH; EXPIRES (RFC 3339) may be NULL.  */
int holo_hologram_sign (const char *key_path, const char *uor_id, const char *expires, char **envelope,
                        holo_error_t *err);
bool holo_hologram_valid_time (const char *rfc3339);

/* Sets (SEAL) or clears the immutable flag on every directory and regular
   file of the tree at ROOT_FD, and on its root (seal.c).  */
struct holo_hologram_seal_stats
{
  size_t changed; /* entries whose flag changed */
  size_t skipped; /* symlinks, devices, fifos, sockets, mount points */
};
int holo_hologram_seal (int root_fd, bool seal, struct holo_hologram_seal_stats *stats, holo_error_t *err);

/* The rootfs directory of PATH: PATH itself, or the root.path of
   PATH/config.json when PATH is a bundle (malloc'ed, absolute).  *SPEC gets
   the parsed config when there is one.  */
int holo_hologram_resolve_rootfs (const char *path, char **rootfs, struct holo_spec **spec, holo_error_t *err);

#pragma GCC visibility pop

#endif
