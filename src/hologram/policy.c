/* Policy (HOLOGRAM.md sections 3 and 4): which mode applies, and the checks
   whose first failure is the violation: the UOR-ID, the pin, the witness
   (from the annotation, the bundle file, then the endpoint: the first one
   that verifies wins), and in CTP-96 mode the lease.  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#define DEFAULT_POLICY_FILE "/etc/hologram/policy.json"
#define ANNOTATION_ENFORCE "org.hologram.enforce"
#define ANNOTATION_PIN "org.hologram.uor-id"
#define ANNOTATION_WITNESS "org.hologram.witness"
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

/* ------------------------------------------------------------------ mode */

/* The policy file's mode: -1 when absent; an unreadable or invalid file
   counts as enforce (a policy the admin wrote must not silently vanish). */
static int
policy_file_mode (char **source)
{
  const char *path = holo_env_or ("HOLOGRAM_POLICY_FILE", DEFAULT_POLICY_FILE);
  cleanup_free char *raw = NULL;
  size_t len = 0;
  holo_error_t err = NULL;
  if (holo_read_file (path, &raw, &len, &err) < 0)
    {
      bool absent = err->status == ENOENT;
      if (!absent)
        *source = holo_xasprintf ("policy file %s is unreadable (%s)", path, err->msg);
      holo_error_release (&err);
      return absent ? -1 : HOLO_HOLOGRAM_ENFORCE;
    }
  static const char *const mode_path[] = { "mode", NULL };
  char errbuf[128];
  yajl_val root = yajl_tree_parse (raw, errbuf, sizeof errbuf);
  const char *mode = root ? holo_json_string (root, mode_path) : NULL;
  int m = HOLO_HOLOGRAM_ENFORCE;
  if (mode && strcmp (mode, "permissive") == 0)
    m = HOLO_HOLOGRAM_PERMISSIVE;
  else if (mode && strcmp (mode, "off") == 0)
    m = HOLO_HOLOGRAM_OFF;
  if (mode && (m != HOLO_HOLOGRAM_ENFORCE || strcmp (mode, "enforce") == 0))
    *source = holo_xasprintf ("policy file %s", path);
  else
    *source = holo_xasprintf ("policy file %s is invalid (want {\"mode\": \"enforce\"|\"permissive\"|\"off\"})", path);
  yajl_tree_free (root);
  return m;
}

enum holo_hologram_mode
holo_hologram_mode (const struct holo_spec *spec, char **source)
{
  cleanup_free char *file_source = NULL;
  int file = policy_file_mode (&file_source);
  const char *ann = spec ? holo_spec_annotation (spec, ANNOTATION_ENFORCE) : NULL;
  const char *why = NULL;
  enum holo_hologram_mode mode = HOLO_HOLOGRAM_PERMISSIVE;
  /* Fail closed: any source asking for enforce wins over any asking for off. */
  if (holo_env_true ("HOLOGRAM_ENFORCE"))
    mode = HOLO_HOLOGRAM_ENFORCE, why = "HOLOGRAM_ENFORCE=1";
  else if (ann && strcmp (ann, "true") == 0)
    mode = HOLO_HOLOGRAM_ENFORCE, why = "annotation " ANNOTATION_ENFORCE "=true";
  else if (file == HOLO_HOLOGRAM_ENFORCE)
    mode = HOLO_HOLOGRAM_ENFORCE, why = file_source;
  else if (holo_env_true ("HOLOGRAM_DISABLE"))
    mode = HOLO_HOLOGRAM_OFF, why = "HOLOGRAM_DISABLE=1";
  else if (file == HOLO_HOLOGRAM_OFF)
    mode = HOLO_HOLOGRAM_OFF, why = file_source;
  else if (file == HOLO_HOLOGRAM_PERMISSIVE)
    why = file_source;
  else
    why = "default";
  if (source)
    *source = holo_xstrdup (why);
  return mode;
}

/* --------------------------------------------------------------- witness */

struct witness_search
{
  const char *uor_id;
  struct holo_trust trust;
  bool trust_loaded;
  char *trust_error; /* the trust store could not be loaded */
  char *first_failure;
  bool any_present;
};

/* Verifies one candidate; 1 when ok.  */
static int
try_witness (struct witness_search *s, const char *source, const char *json, size_t len)
{
  s->any_present = true;
  if (!s->trust_loaded)
    {
      holo_error_t err = NULL;
      s->trust_loaded = true;
      if (holo_trust_load (&s->trust, &err) < 0)
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
witness_from_annotation (struct witness_search *s, const struct holo_spec *spec)
{
  const char *b64 = spec ? holo_spec_annotation (spec, ANNOTATION_WITNESS) : NULL;
  if (b64 == NULL)
    return 0;
  size_t len;
  cleanup_free unsigned char *json = holo_base64_decode (b64, strlen (b64), &len);
  if (json == NULL)
    {
      s->any_present = true;
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
        {
          s->any_present = true;
          s->first_failure = holo_xasprintf ("witness from %s: %s", path, err->msg);
        }
      holo_error_release (&err);
      return 0;
    }
  return try_witness (s, path, json, len);
}

static int
witness_from_endpoint (struct witness_search *s, char **why)
{
  cleanup_free char *json = NULL;
  size_t len = 0;
  if (holo_endpoint_fetch_witness (s->uor_id, &json, &len, why) == 0)
    return 0;
  return try_witness (s, "the witness endpoint", json, len);
}

static void
check_witness (const struct holo_spec *spec, const char *bundle, struct holo_hologram_verdict *v)
{
  struct witness_search s = { .uor_id = v->uor_id };
  cleanup_free char *endpoint_why = NULL;
  if (witness_from_annotation (&s, spec))
    v->witness_source = holo_xstrdup ("annotation " ANNOTATION_WITNESS);
  else if (witness_from_bundle (&s, bundle))
    v->witness_source = holo_xstrdup (BUNDLE_WITNESS_FILE);
  else if (witness_from_endpoint (&s, &endpoint_why))
    v->witness_source = holo_xstrdup ("endpoint");
  else if (s.first_failure)
    v->reason = steal_pointer (&s.first_failure);
  else
    v->reason = holo_xasprintf ("no witness for %s (%s)", v->uor_id, endpoint_why ? endpoint_why : "none found");
  free (s.first_failure);
  free (s.trust_error);
  holo_trust_free (&s.trust);
}

/* ----------------------------------------------------------------- check */

static bool
compute_id (const char *rootfs, const char *state_root, struct holo_hologram_verdict *v)
{
  char id[HOLO_UOR_ID_LEN + 1];
  holo_error_t err = NULL;
  struct holo_uor_cache *cache = holo_uor_cache_open (state_root);
  struct holo_uor_stats st;
  int r = holo_uor_compute (rootfs, cache, id, &st, &err);
  if (r == 0)
    {
      holo_error_t ignored = NULL;
      if (holo_uor_cache_save (cache, &ignored) < 0)
        holo_log_debug ("hologram: %s", ignored->msg);
      holo_error_release (&ignored);
      v->uor_id = holo_xstrdup (id);
      holo_log_debug ("hologram: %s: %zu entries, %zu files (%zu from the cache), %llu bytes hashed", id, st.entries,
                      st.files, st.files_cached, (unsigned long long) st.bytes_read);
    }
  else
    {
      v->reason = holo_xasprintf ("cannot compute the UOR-ID of %s: %s", rootfs, err->msg);
      holo_error_release (&err);
    }
  holo_uor_cache_free (cache);
  return r == 0;
}

static bool
check_pin (const struct holo_spec *spec, struct holo_hologram_verdict *v)
{
  const char *pin = spec ? holo_spec_annotation (spec, ANNOTATION_PIN) : NULL;
  if (pin == NULL || strcmp (pin, v->uor_id) == 0)
    return true;
  v->reason = holo_xasprintf ("pinned UOR-ID %s (annotation %s) differs from the computed %s", pin, ANNOTATION_PIN,
                              v->uor_id);
  return false;
}

static void
check_lease (const char *container_id, struct holo_hologram_verdict *v)
{
  const char *net = getenv ("HOLOGRAM_NET");
  if (container_id == NULL || net == NULL || strcmp (net, "ctp96") != 0)
    return;
  if (v->uor_id == NULL)
    {
      if (v->reason == NULL)
        v->reason = holo_xstrdup ("no CTP-96 lease: no UOR-ID");
      return;
    }
  struct holo_ctp96_session s;
  holo_error_t err = NULL;
  if (holo_ctp96_open (v->uor_id, container_id, &s, &err) < 0)
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

void
holo_hologram_check (const struct holo_spec *spec, const char *bundle, const char *rootfs, const char *state_root,
                     const char *container_id, struct holo_hologram_verdict *v)
{
  v->verbose = holo_env_true ("HOLOGRAM_VERBOSE");
  if (compute_id (rootfs, state_root, v) && check_pin (spec, v))
    check_witness (spec, bundle, v);
  v->ok = v->reason == NULL;
  /* Enforce stops at the first violation; a permissive container starts,
     and gets its network lease.  */
  if (v->ok || v->mode != HOLO_HOLOGRAM_ENFORCE)
    check_lease (container_id, v);
  v->ok = v->reason == NULL;
}

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
