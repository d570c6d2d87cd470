/* The policy engine (HOLOGRAM.md sections 3, 4 and 7), shared by the
   runtime and holo-hologram-hook: which mode applies to a container, and
   the checks whose first failure is the violation: the UOR-ID, the pin,
   the witness (from the annotation, the bundle file, then the endpoint:
   the first one that verifies wins), sealing, entries the runtime would
   add to the tree, and in CTP-96 mode the lease.  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#define ANNOTATION_PREFIX "org.hologram."
#define ANNOTATION_ENFORCE "org.hologram.enforce"
#define ANNOTATION_PIN "org.hologram.uor-id"
#define ANNOTATION_WITNESS "org.hologram.witness"
#define ANNOTATION_REQUIRE_SEALED "org.hologram.require-sealed"
#define BUNDLE_WITNESS_FILE "hologram.witness.json"

void
holo_hologram_verdict_clear (struct holo_hologram_verdict *v)
{
  free (v->mode_source);
  free (v->uor_id);
  free (v->reason);
  free (v->witness_source);
  free (v->session_id);
  free (v->lease_id);
  free (v->ctp96_endpoint);
  memset (v, 0, sizeof *v);
}

static const char *
annotation (const struct holo_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value;
  return NULL;
}

static bool
has_hologram_annotation (const struct holo_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strncmp (kv[i].key, ANNOTATION_PREFIX, strlen (ANNOTATION_PREFIX)) == 0)
      return true;
  return false;
}

/* ------------------------------------------------------------------ mode */

void
holo_hologram_decide (const struct holo_hologram_options *o, const struct holo_kv *ann, size_t n_ann,
                      struct holo_hologram_verdict *v)
{
  const char *enforce = annotation (ann, n_ann, ANNOTATION_ENFORCE);
  v->configured = o->configured || has_hologram_annotation (ann, n_ann);
  v->mode = o->configured ? o->mode : HOLO_HOLOGRAM_OFF;
  v->verbose = o->verbose;
  free (v->mode_source);
  v->mode_source = holo_xstrdup (o->mode_source);
  /* Annotations may tighten the policy, never loosen it.  */
  if (enforce && strcmp (enforce, "true") == 0)
    {
      v->mode = HOLO_HOLOGRAM_ENFORCE;
      free (v->mode_source);
      v->mode_source = holo_xstrdup ("annotation " ANNOTATION_ENFORCE "=true");
    }
  else if (!o->configured && v->configured)
    {
      /* Only an annotation asked for Hologram: it checks, permissively. */
      v->mode = HOLO_HOLOGRAM_PERMISSIVE;
      free (v->mode_source);
      v->mode_source = holo_xstrdup ("an org.hologram.* annotation");
    }
  if (v->mode == HOLO_HOLOGRAM_OFF)
    v->configured = false;
}

/* --------------------------------------------------------------- witness */

struct witness_search
{
  const struct holo_hologram_options *o;
  const char *uor_id;
  struct holo_trust trust;
  bool trust_loaded;
  char *trust_error; /* the trust store could not be loaded */
  char *first_failure;
};

/* Verifies one candidate; 1 when ok.  */
static int
try_witness (struct witness_search *s, const char *source, const char *json, size_t len)
{
  if (!s->trust_loaded)
    {
      holo_error_t err = NULL;
      s->trust_loaded = true;
      if (holo_trust_load (&s->trust, s->o->trust_dir, s->o->witness_pubkey, &err) < 0)
        {
          s->trust_error = steal_pointer (&err->msg);
          holo_error_release (&err);
        }
    }
  cleanup_free char *reason = NULL;
  if (s->trust_error)
    reason = holo_xasprintf ("untrusted key: %s", s->trust_error);
  else if (holo_witness_verify (json, len, s->uor_id, &s->trust, time (NULL), &reason) == 1)
    return 1;
  if (s->first_failure == NULL)
    s->first_failure = holo_xasprintf ("witness from %s: %s", source, reason);
  return 0;
}

static int
witness_from_annotation (struct witness_search *s, const struct holo_hologram_target *t)
{
  const char *b64 = annotation (t->annotations, t->n_annotations, ANNOTATION_WITNESS);
  if (b64 == NULL)
    return 0;
  size_t len;
  cleanup_free unsigned char *json = holo_base64_decode (b64, strlen (b64), &len);
  if (json == NULL)
    {
      if (s->first_failure == NULL)
        s->first_failure = holo_xstrdup ("witness from annotation " ANNOTATION_WITNESS ": malformed witness: "
                                         "invalid base64");
      return 0;
    }
  return try_witness (s, "annotation " ANNOTATION_WITNESS, (const char *) json, len);
}

static int
witness_from_bundle (struct witness_search *s, const char *bundle)
{
  if (bundle == NULL)
    return 0;
  cleanup_free char *path = holo_xasprintf ("%s/%s", bundle, BUNDLE_WITNESS_FILE);
  cleanup_free char *json = NULL;
  size_t len = 0;
  holo_error_t err = NULL;
  if (holo_read_file (path, &json, &len, &err) < 0)
    {
      if (err->status != ENOENT && s->first_failure == NULL)
        s->first_failure = holo_xasprintf ("witness from %s: %s", path, err->msg);
      holo_error_release (&err);
      return 0;
    }
  return try_witness (s, path, json, len);
}

/* The endpoint is contacted only when one is configured (no default).  */
static int
witness_from_endpoint (struct witness_search *s, char **why)
{
  if (s->o->witness_endpoint == NULL)
    return 0;
  cleanup_free char *json = NULL;
  size_t len = 0;
  if (holo_endpoint_fetch_witness (s->o->witness_endpoint, s->o->witness_timeout_ms, s->uor_id, &json, &len, why) == 0)
    return 0;
  return try_witness (s, "the witness endpoint", json, len);
}

static void
check_witness (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
               struct holo_hologram_verdict *v)
{
  struct witness_search s = { .o = o, .uor_id = v->uor_id };
  cleanup_free char *endpoint_why = NULL;
  if (witness_from_annotation (&s, t))
    v->witness_source = holo_xstrdup ("annotation " ANNOTATION_WITNESS);
  else if (witness_from_bundle (&s, t->bundle))
    v->witness_source = holo_xstrdup (BUNDLE_WITNESS_FILE);
  else if (witness_from_endpoint (&s, &endpoint_why))
    v->witness_source = holo_xstrdup ("endpoint");
  else if (s.first_failure)
    v->reason = steal_pointer (&s.first_failure);
  else
    v->reason = holo_xasprintf ("no witness for %s (%s)", v->uor_id,
                                endpoint_why          ? endpoint_why
                                : o->witness_endpoint ? "none found"
                                                      : "none found; no witness endpoint is configured");
  free (s.first_failure);
  free (s.trust_error);
  holo_trust_free (&s.trust);
}

/* ----------------------------------------------------------------- check */

static char *unsealed_reason (const struct holo_hologram_stats *st);

int
holo_hologram_tree_id (const struct holo_hologram_options *o, const char *rootfs, int fd,
                       struct holo_hologram_verdict *v)
{
  char id[HOLO_UOR_ID_LEN + 1];
  holo_error_t err = NULL;
  struct holo_uor_cache *cache = holo_uor_cache_open (o->state_root);
  int r = holo_uor_compute (fd, cache, o->verify_timeout_ms, id, &v->stats, &err);
  if (r == 0)
    {
      holo_error_t ignored = NULL;
      if (holo_uor_cache_save (cache, &ignored) < 0)
        holo_log_debug ("hologram: %s", ignored->msg);
      holo_error_release (&ignored);
      free (v->uor_id);
      v->uor_id = holo_xstrdup (id);
      v->sealed = v->stats.unsealed == 0;
      holo_log_debug ("hologram: %s: %zu entries, %zu files (%zu from the cache), %llu bytes hashed", id,
                      v->stats.entries, v->stats.files, v->stats.files_cached,
                      (unsigned long long) v->stats.bytes_read);
      if (v->require_sealed && !v->sealed)
        v->reason = unsealed_reason (&v->stats);
    }
  else if (err->status == ETIMEDOUT)
    v->reason = holo_xasprintf ("cannot compute the UOR-ID of %s within the verification deadline of %ld ms "
                                "(verify_timeout_ms): %s",
                                rootfs, o->verify_timeout_ms, err->msg);
  else
    v->reason = holo_xasprintf ("cannot compute the UOR-ID of %s: %s", rootfs, err->msg);
  holo_error_release (&err);
  holo_uor_cache_free (cache);
  return r;
}

static char *
unsealed_reason (const struct holo_hologram_stats *st)
{
  if (st->seal_unknown)
    return holo_xasprintf ("unsealed tree where sealing is required: its filesystem does not report the immutable "
                           "flag (at `%s`)",
                           st->first_unsealed);
  return holo_xasprintf ("unsealed tree where sealing is required: `%s` and %zu more entries lack the immutable flag "
                         "(holo hologram seal)",
                         st->first_unsealed, st->unsealed - 1);
}

static bool
check_pin (const struct holo_hologram_target *t, struct holo_hologram_verdict *v)
{
  const char *pin = annotation (t->annotations, t->n_annotations, ANNOTATION_PIN);
  if (pin == NULL || strcmp (pin, v->uor_id) == 0)
    return true;
  v->reason = holo_xasprintf ("pinned UOR-ID %s (annotation %s) differs from the computed %s", pin, ANNOTATION_PIN,
                              v->uor_id);
  return false;
}

static void
check_lease (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
             struct holo_hologram_verdict *v)
{
  if (t->container_id == NULL || !o->ctp96)
    return;
  if (v->uor_id == NULL)
    {
      if (v->reason == NULL)
        v->reason = holo_xstrdup ("no CTP-96 lease: no UOR-ID");
      return;
    }
  struct holo_ctp96_session s;
  holo_error_t err = NULL;
  if (holo_ctp96_open (o->ctp96_endpoint, o->ctp96_timeout_ms, v->uor_id, t->container_id, &s, &err) < 0)
    {
      if (v->reason == NULL)
        v->reason = steal_pointer (&err->msg);
      holo_error_release (&err);
      return;
    }
  v->session_id = steal_pointer (&s.session_id);
  v->lease_id = steal_pointer (&s.lease_id);
  v->ctp96_endpoint = steal_pointer (&s.endpoint);
  holo_ctp96_session_clear (&s);
}

/* A problem with the configuration itself is the first violation.  */
static bool
check_configuration (const struct holo_hologram_options *o, struct holo_hologram_verdict *v)
{
  if (o->policy_error)
    v->reason = holo_xasprintf ("policy file %s: %s", o->policy_file, o->policy_error);
  else if (o->env_error)
    v->reason = holo_xstrdup (o->env_error);
  return v->reason == NULL;
}

/* A verified tree must not change before the container runs: an entry
   the runtime would create in it (a missing mount point) is refused.  */
static bool
check_new_entries (const struct holo_hologram_target *t, struct holo_hologram_verdict *v)
{
  if (t->n_new_entries == 0)
    return true;
  cleanup_free char *list = holo_xstrdup ("");
  for (size_t i = 0; i < t->n_new_entries && i < 8; i++)
    {
      char *next = holo_xasprintf ("%s%s%s", list, i ? ", " : "", t->new_entries[i]);
      free (list);
      list = next;
    }
  v->reason = holo_xasprintf ("the runtime would add %s%s to the verified rootfs (missing mount points): create %s in "
                              "the tree and sign it again",
                              list, t->n_new_entries > 8 ? ", ..." : "", t->n_new_entries > 1 ? "them" : "it");
  return false;
}

static bool
require_sealed (const struct holo_hologram_options *o, const struct holo_hologram_target *t)
{
  const char *ann = annotation (t->annotations, t->n_annotations, ANNOTATION_REQUIRE_SEALED);
  return o->require_sealed || (ann && strcmp (ann, "true") == 0);
}

void
holo_hologram_check (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
                     struct holo_hologram_verdict *v)
{
  v->require_sealed = require_sealed (o, t);
  if (check_configuration (o, v) && holo_hologram_tree_id (o, t->rootfs, t->rootfs_fd, v) == 0 && v->reason == NULL
      && check_pin (t, v) && check_new_entries (t, v))
    check_witness (o, t, v);
  v->ok = v->reason == NULL;
  /* Enforce stops at the first violation; a permissive container starts,
     and gets its network lease.  */
  if (v->ok || v->mode != HOLO_HOLOGRAM_ENFORCE)
    check_lease (o, t, v);
  v->ok = v->reason == NULL;
}

void
holo_hologram_evaluate (const struct holo_hologram_options *o, const struct holo_hologram_target *t,
                        struct holo_hologram_verdict *v)
{
  holo_hologram_decide (o, t->annotations, t->n_annotations, v);
  if (v->configured)
    holo_hologram_check (o, t, v);
}

void
holo_hologram_close_session (const struct holo_hologram_options *o, const char *endpoint, const char *session_id)
{
  holo_ctp96_close (endpoint, o ? o->ctp96_timeout_ms : 0, session_id);
}

void
holo_hologram_log_decision (const struct holo_hologram_verdict *v, const char *id)
{
  if (!v->configured)
    return;
  if (!v->ok)
    holo_log_warning ("hologram: %s: %s: %s%s", holo_hologram_mode_name (v->mode), id, v->reason,
                      v->mode == HOLO_HOLOGRAM_ENFORCE ? "" : " (the container starts; witness_ok=false)");
  else if (v->verbose)
    holo_log_warning ("hologram: %s: %s: %s, witness from %s%s%s (%s); %zu entries, %zu files, %zu from the cache, "
                      "%llu bytes read",
                      holo_hologram_mode_name (v->mode), id, v->uor_id, v->witness_source ? v->witness_source : "-",
                      v->lease_id ? ", vpi_lease " : "", v->lease_id ? v->lease_id : "", v->mode_source,
                      v->stats.entries, v->stats.files, v->stats.files_cached,
                      (unsigned long long) v->stats.bytes_read);
}

/* ---------------------------------------------------------------- paths */

int
holo_hologram_resolve_rootfs (const char *path, char **rootfs, struct holo_spec **spec, holo_error_t *err)
{
  *rootfs = NULL;
  if (spec)
    *spec = NULL;
  cleanup_free char *abs = realpath (path, NULL);
  if (abs == NULL)
    return holo_make_error (err, errno, "`%s`", path);
  cleanup_free char *config = holo_xasprintf ("%s/config.json", abs);
  if (access (config, F_OK) < 0)
    {
      *rootfs = steal_pointer (&abs);
      return 0;
    }
  cleanup_spec struct holo_spec *s = NULL;
  if (holo_spec_load (config, &s, err) < 0)
    return -1;
  cleanup_free char *joined
      = s->root_path[0] == '/' ? holo_xstrdup (s->root_path) : holo_xasprintf ("%s/%s", abs, s->root_path);
  *rootfs = realpath (joined, NULL);
  if (*rootfs == NULL)
    return holo_make_error (err, errno, "config.json: root.path: rootfs `%s`", joined);
  if (spec)
    *spec = steal_pointer (&s);
  return 0;
}
