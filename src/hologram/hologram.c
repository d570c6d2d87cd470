/* The runtime's entry points (hologram.h): the decision at create, what is
   persisted in the container's state, the CTP-96 session at delete, and
   the verbose state fields.  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <string.h>

#define ANNOTATION_UOR_ID "org.hologram.uor-id"
#define ANNOTATION_WITNESS_OK "org.hologram.witness-ok"

static const char *
mode_name (enum holo_hologram_mode m)
{
  return m == HOLO_HOLOGRAM_ENFORCE ? "enforce" : m == HOLO_HOLOGRAM_OFF ? "off" : "permissive";
}

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static void
gen_kv (yajl_gen g, const char *k, const char *v)
{
  gen_str (g, k);
  if (v)
    gen_str (g, v);
  else
    yajl_gen_null (g);
}

static char *
persist_json (const struct holo_hologram_verdict *v)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  gen_kv (g, "mode", mode_name (v->mode));
  gen_kv (g, "uor_id", v->uor_id);
  gen_str (g, "witness_ok");
  yajl_gen_bool (g, v->ok);
  gen_kv (g, "reason", v->reason);
  gen_kv (g, "witness_source", v->witness_source);
  gen_kv (g, "vpi_lease", v->lease_id);
  gen_kv (g, "session_id", v->session_id);
  gen_kv (g, "ctp96_endpoint", v->ctp96_endpoint);
  gen_str (g, "verbose");
  yajl_gen_bool (g, v->verbose);
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = holo_xstrndup ((const char *) buf, len);
  yajl_gen_free (g);
  return r;
}

/* What a decision looks like in the log.  */
static void
log_decision (const struct holo_hologram_verdict *v, const char *id)
{
  if (!v->ok)
    holo_log_warning ("hologram: permissive: %s: %s (the container starts; witness_ok=false)", id, v->reason);
  else if (v->verbose)
    holo_log_warning ("hologram: %s: %s: %s, witness from %s%s%s (mode %s: %s)", mode_name (v->mode), id, v->uor_id,
                      v->witness_source ? v->witness_source : "-", v->lease_id ? ", vpi_lease " : "",
                      v->lease_id ? v->lease_id : "", mode_name (v->mode), v->mode_source);
}

int
holo_hologram_on_create (const struct holo_spec *spec, const char *bundle, const char *rootfs, const char *state_root,
                         const char *id, char **persist, holo_error_t *err)
{
  struct holo_hologram_verdict v = { 0 };
  *persist = NULL;
  v.mode = holo_hologram_mode (spec, &v.mode_source);
  if (v.mode == HOLO_HOLOGRAM_OFF)
    {
      if (holo_env_true ("HOLOGRAM_VERBOSE"))
        holo_log_warning ("hologram: off: %s: nothing computed (%s)", id, v.mode_source);
      holo_hologram_verdict_clear (&v);
      return 0;
    }
  holo_hologram_check (spec, bundle, rootfs, state_root, id, &v);
  if (!v.ok && v.mode == HOLO_HOLOGRAM_ENFORCE)
    {
      if (v.session_id) /* not reached today: enforce asks for no lease after a violation */
        holo_ctp96_close (v.ctp96_endpoint, v.session_id);
      holo_make_error (err, 0, "hologram: enforce: %s (enforced by %s)", v.reason, v.mode_source);
      holo_hologram_verdict_clear (&v);
      return -1;
    }
  log_decision (&v, id);
  *persist = persist_json (&v);
  holo_hologram_verdict_clear (&v);
  return 0;
}

/* The persisted object; NULL when there is none or it is not ours.  */
static yajl_val
parse_persist (const char *persist)
{
  if (persist == NULL || *persist == '\0')
    return NULL;
  char errbuf[64];
  yajl_val root = yajl_tree_parse (persist, errbuf, sizeof errbuf);
  if (root && !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      return NULL;
    }
  return root;
}

static const char *
persist_string (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  return holo_json_string (root, (const char *const *) path);
}

static bool
persist_bool (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_true);
  return v != NULL;
}

void
holo_hologram_on_delete (const char *persist)
{
  yajl_val root = parse_persist (persist);
  if (root == NULL)
    return;
  const char *sid = persist_string (root, "session_id");
  const char *endpoint = persist_string (root, "ctp96_endpoint");
  if (sid && endpoint)
    holo_ctp96_close (endpoint, sid);
  yajl_tree_free (root);
}

static void
set_annotation (struct holo_kv **kv, size_t *n, const char *key, const char *value)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*kv)[i].key, key) == 0)
      {
        free ((*kv)[i].value);
        (*kv)[i].value = holo_xstrdup (value);
        return;
      }
  *kv = holo_xrealloc (*kv, (*n + 2) * sizeof **kv);
  (*kv)[*n].key = holo_xstrdup (key);
  (*kv)[*n].value = holo_xstrdup (value);
  (*n)++;
}

void
holo_hologram_annotate (const char *persist, struct holo_kv **annotations, size_t *n_annotations)
{
  yajl_val root = parse_persist (persist);
  if (root == NULL)
    return;
  const char *id = persist_string (root, "uor_id");
  if (persist_bool (root, "verbose"))
    {
      set_annotation (annotations, n_annotations, ANNOTATION_UOR_ID, id ? id : "");
      set_annotation (annotations, n_annotations, ANNOTATION_WITNESS_OK,
                      persist_bool (root, "witness_ok") ? "true" : "false");
    }
  yajl_tree_free (root);
}

void
holo_hologram_state_fields (const char *persist, yajl_gen g)
{
  yajl_val root = parse_persist (persist);
  if (root == NULL)
    return;
  if (persist_bool (root, "verbose"))
    {
      gen_str (g, "XHologram");
      yajl_gen_map_open (g);
      gen_kv (g, "uor_id", persist_string (root, "uor_id"));
      gen_str (g, "witness_ok");
      yajl_gen_bool (g, persist_bool (root, "witness_ok"));
      gen_kv (g, "reason", persist_string (root, "reason"));
      gen_kv (g, "vpi_lease", persist_string (root, "vpi_lease"));
      yajl_gen_map_close (g);
    }
  yajl_tree_free (root);
}
