/* Hologram as an extension of libcontainer (libcontainer/extension.h):
   the decision at create, the record kept in the container's state, the
   verification again at start in enforce mode, the verbose state fields
   and the CTP-96 session at delete.  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <string.h>

#define ANNOTATION_UOR_ID "org.hologram.uor-id"
#define ANNOTATION_WITNESS_OK "org.hologram.witness-ok"

/* ---------------------------------------------------------------- record */

/* What create decided, kept in the state for start and delete.  */
static char *
persist_json (const struct holo_hologram_verdict *v)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_key_nstr (g, "mode", holo_hologram_mode_name (v->mode));
  holo_json_key_nstr (g, "mode_source", v->mode_source);
  holo_json_key_nstr (g, "uor_id", v->uor_id);
  holo_json_key_bool (g, "witness_ok", v->ok);
  holo_json_key_nstr (g, "reason", v->reason);
  holo_json_key_nstr (g, "witness_source", v->witness_source);
  holo_json_key_bool (g, "sealed", v->sealed);
  holo_json_key_bool (g, "require_sealed", v->require_sealed);
  holo_json_key_nstr (g, "vpi_lease", v->lease_id);
  holo_json_key_nstr (g, "session_id", v->session_id);
  holo_json_key_nstr (g, "ctp96_endpoint", v->ctp96_endpoint);
  holo_json_key_bool (g, "verbose", v->verbose);
  yajl_gen_map_close (g);
  return holo_json_finish (g, NULL);
}

/* HOLOGRAM.md 4: "XHologram" in the state JSON, only in verbose mode.  */
static char *
state_fields_json (const struct holo_hologram_verdict *v)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_str (g, "XHologram");
  yajl_gen_map_open (g);
  holo_json_key_nstr (g, "uor_id", v->uor_id);
  holo_json_key_bool (g, "witness_ok", v->ok);
  holo_json_key_nstr (g, "reason", v->reason);
  holo_json_key_bool (g, "sealed", v->sealed);
  holo_json_key_nstr (g, "vpi_lease", v->lease_id);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  return holo_json_finish (g, NULL);
}

static void
verbose_annotations (const struct holo_hologram_verdict *v, struct holo_extension_result *out)
{
  out->annotations = holo_xmalloc (2 * sizeof *out->annotations);
  out->annotations[0].key = holo_xstrdup (ANNOTATION_UOR_ID);
  out->annotations[0].value = holo_xstrdup (v->uor_id ? v->uor_id : "");
  out->annotations[1].key = holo_xstrdup (ANNOTATION_WITNESS_OK);
  out->annotations[1].value = holo_xstrdup (v->ok ? "true" : "false");
  out->n_annotations = 2;
}

struct record
{
  yajl_val root;
};

static bool
record_parse (const char *persist, struct record *r)
{
  char errbuf[64];
  r->root = persist ? yajl_tree_parse (persist, errbuf, sizeof errbuf) : NULL;
  if (r->root && !YAJL_IS_OBJECT (r->root))
    {
      yajl_tree_free (r->root);
      r->root = NULL;
    }
  return r->root != NULL;
}

static const char *
record_string (const struct record *r, const char *key)
{
  const char *path[] = { key, NULL };
  return holo_json_string (r->root, (const char *const *) path);
}

static bool
record_bool (const struct record *r, const char *key)
{
  const char *path[] = { key, NULL };
  return yajl_tree_get (r->root, path, yajl_t_true) != NULL;
}

/* ---------------------------------------------------------------- create */

static bool
create_wanted (void *data, const struct holo_kv *annotations, size_t n_annotations)
{
  struct holo_hologram_verdict v = { 0 };
  holo_hologram_decide (data, annotations, n_annotations, &v);
  bool wanted = v.configured;
  holo_hologram_verdict_clear (&v);
  return wanted;
}

static int
create_check (void *data, const struct holo_extension_container *c, int rootfs_fd, struct holo_extension_result *out,
              holo_error_t *err)
{
  const struct holo_hologram_options *o = data;
  struct holo_hologram_verdict v = { 0 };
  struct holo_hologram_target t = {
    .container_id = c->id,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .rootfs_fd = rootfs_fd,
    .annotations = c->annotations,
    .n_annotations = c->n_annotations,
    .new_entries = c->new_entries,
    .n_new_entries = c->n_new_entries,
  };
  holo_hologram_evaluate (o, &t, &v);
  int ret = 0;
  if (!v.configured)
    ;
  else if (!v.ok && v.mode == HOLO_HOLOGRAM_ENFORCE)
    ret = holo_make_error (err, 0, "hologram: enforce: %s (enforced by %s)", v.reason, v.mode_source);
  else
    {
      holo_hologram_log_decision (&v, c->id);
      out->persist = persist_json (&v);
      if (v.verbose)
        {
          out->state_fields = state_fields_json (&v);
          verbose_annotations (&v, out);
        }
    }
  holo_hologram_verdict_clear (&v);
  return ret;
}

/* ----------------------------------------------------------------- start */

static bool
start_wanted (void *data, const char *persist)
{
  const struct holo_hologram_options *o = data;
  struct record r;
  if (!record_parse (persist, &r))
    return o->configured && o->mode == HOLO_HOLOGRAM_ENFORCE;
  const char *mode = record_string (&r, "mode");
  bool wanted = mode && strcmp (mode, "enforce") == 0;
  yajl_tree_free (r.root);
  return wanted || (o->configured && o->mode == HOLO_HOLOGRAM_ENFORCE);
}

/* HOLOGRAM.md 7.2: the tree the container has is the tree verified at
   create, again, right before its process is released.  */
static int
verify_again (const struct holo_hologram_options *o, const struct holo_extension_container *c, int root_fd,
              const struct record *r, holo_error_t *err)
{
  const char *verified = record_string (r, "uor_id");
  const char *source = record_string (r, "mode_source");
  struct holo_hologram_verdict v = { .configured = true, .mode = HOLO_HOLOGRAM_ENFORCE };
  v.require_sealed = record_bool (r, "require_sealed");
  int ret = 0;
  if (holo_hologram_tree_id (o, c->rootfs, root_fd, &v) < 0)
    ret = holo_make_error (err, 0, "hologram: enforce: at start: %s (enforced by %s)", v.reason,
                           source ? source : o->mode_source);
  else if (verified == NULL || strcmp (v.uor_id, verified) != 0)
    ret = holo_make_error (err, 0,
                           "hologram: enforce: the rootfs changed after create: its UOR-ID is now %s, %s was "
                           "verified (enforced by %s)",
                           v.uor_id, verified ? verified : "none", source ? source : o->mode_source);
  else if (v.require_sealed && !v.sealed)
    ret = holo_make_error (err, 0, "hologram: enforce: at start: %s (enforced by %s)", v.reason,
                           source ? source : o->mode_source);
  else if (o->verbose || record_bool (r, "verbose"))
    holo_log_warning ("hologram: enforce: %s: verified again at start: %s; %zu entries, %zu files, %zu from the "
                      "cache, %llu bytes read",
                      c->id, v.uor_id, v.stats.entries, v.stats.files, v.stats.files_cached,
                      (unsigned long long) v.stats.bytes_read);
  holo_hologram_verdict_clear (&v);
  return ret;
}

static int
start_check (void *data, const struct holo_extension_container *c, int root_fd, const char *persist, holo_error_t *err)
{
  const struct holo_hologram_options *o = data;
  struct record r;
  if (!record_parse (persist, &r))
    return holo_make_error (err, 0, "hologram: enforce: container %s was not verified at create (enforced by %s)",
                            c->id, o->mode_source);
  int ret = verify_again (o, c, root_fd, &r, err);
  yajl_tree_free (r.root);
  return ret;
}

/* ---------------------------------------------------------------- delete */

static void
on_delete (void *data, const char *persist)
{
  struct record r;
  if (!record_parse (persist, &r))
    return;
  const char *sid = record_string (&r, "session_id");
  const char *endpoint = record_string (&r, "ctp96_endpoint");
  if (sid && endpoint)
    holo_hologram_close_session (data, endpoint, sid);
  yajl_tree_free (r.root);
}

void
holo_hologram_extension (const struct holo_hologram_options *o, struct holo_extension *ext)
{
  *ext = (struct holo_extension){
    .data = (void *) o,
    .create_wanted = create_wanted,
    .create_check = create_check,
    .start_wanted = start_wanted,
    .start_check = start_check,
    .on_delete = on_delete,
  };
}
