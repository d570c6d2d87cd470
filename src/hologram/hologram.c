/* The runtime's entry points (hologram_runtime.h): the decision at create,
   what is persisted in the container's state, the CTP-96 session at delete,
   and the verbose state fields.  */
#define _GNU_SOURCE
#include "hologram_runtime.h"
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#define ANNOTATION_UOR_ID "org.hologram.uor-id"
#define ANNOTATION_WITNESS_OK "org.hologram.witness-ok"

static char *
persist_json (const struct holo_hologram_verdict *v)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  holo_json_kv (g, "mode", holo_hologram_mode_name (v->mode));
  holo_json_kv (g, "uor_id", v->uor_id);
  holo_json_kbool (g, "witness_ok", v->ok);
  holo_json_kv (g, "reason", v->reason);
  holo_json_kv (g, "witness_source", v->witness_source);
  holo_json_kbool (g, "sealed", v->sealed);
  holo_json_kv (g, "vpi_lease", v->lease_id);
  holo_json_kv (g, "session_id", v->session_id);
  holo_json_kv (g, "ctp96_endpoint", v->ctp96_endpoint);
  holo_json_kbool (g, "verbose", v->verbose);
  yajl_gen_map_close (g);
  return holo_json_finish (g);
}

int
holo_hologram_on_create (const struct holo_spec *spec, const char *bundle, const char *rootfs, const char *state_root,
                         const char *id, char **persist, holo_error_t *err)
{
  struct holo_hologram_options o;
  struct holo_hologram_verdict v = { 0 };
  *persist = NULL;
  holo_hologram_options_load (&o);
  o.state_root = state_root;
  holo_hologram_decide (&o, spec->annotations, spec->n_annotations, &v);
  if (!v.configured)
    {
      holo_hologram_options_clear (&o);
      holo_hologram_verdict_clear (&v);
      return 0;
    }
  cleanup_close int fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      holo_hologram_options_clear (&o);
      holo_hologram_verdict_clear (&v);
      return holo_make_error (err, errno, "open the rootfs `%s`", rootfs);
    }
  struct holo_hologram_target t = {
    .container_id = id,
    .bundle = bundle,
    .rootfs = rootfs,
    .rootfs_fd = fd,
    .annotations = spec->annotations,
    .n_annotations = spec->n_annotations,
  };
  holo_hologram_check (&o, &t, &v);
  int ret = 0;
  if (!v.ok && v.mode == HOLO_HOLOGRAM_ENFORCE)
    ret = holo_make_error (err, 0, "hologram: enforce: %s (enforced by %s)", v.reason, v.mode_source);
  else
    {
      holo_hologram_log_decision (&v, id);
      *persist = persist_json (&v);
    }
  holo_hologram_options_clear (&o);
  holo_hologram_verdict_clear (&v);
  return ret;
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
    holo_hologram_close_session (NULL, endpoint, sid);
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
      holo_json_str (g, "XHologram");
      yajl_gen_map_open (g);
      holo_json_kv (g, "uor_id", persist_string (root, "uor_id"));
      holo_json_kbool (g, "witness_ok", persist_bool (root, "witness_ok"));
      holo_json_kv (g, "reason", persist_string (root, "reason"));
      holo_json_kbool (g, "sealed", persist_bool (root, "sealed"));
      holo_json_kv (g, "vpi_lease", persist_string (root, "vpi_lease"));
      yajl_gen_map_close (g);
    }
  yajl_tree_free (root);
}
