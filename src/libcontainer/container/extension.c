/* The context's extension (extension.h) at each step of the lifecycle.  */
#define _GNU_SOURCE
#include "container.h"
#include "../rootfs/rootfs.h"
#include "../utils.h"

#include <string.h>

void
holo_extension_result_clear (struct holo_extension_result *r)
{
  free (r->persist);
  free (r->state_fields);
  for (size_t i = 0; i < r->n_annotations; i++)
    {
      free (r->annotations[i].key);
      free (r->annotations[i].value);
    }
  free (r->annotations);
  memset (r, 0, sizeof *r);
}

/* KEY=VALUE into the state's annotations, replacing the same key.  */
static void
set_annotation (struct holo_state *s, const struct holo_kv *kv)
{
  for (size_t i = 0; i < s->n_annotations; i++)
    if (strcmp (s->annotations[i].key, kv->key) == 0)
      {
        free (s->annotations[i].value);
        s->annotations[i].value = holo_xstrdup (kv->value);
        return;
      }
  s->annotations = holo_xrealloc (s->annotations, (s->n_annotations + 2) * sizeof *s->annotations);
  s->annotations[s->n_annotations].key = holo_xstrdup (kv->key);
  s->annotations[s->n_annotations].value = holo_xstrdup (kv->value);
  s->n_annotations++;
}

int
holo_extension_create (struct holo_context *ctx, const struct holo_spec *spec, struct holo_state *state, int rootfs_fd,
                       holo_error_t *err)
{
  const struct holo_extension *e = ctx->extension;
  if (e == NULL || e->create_check == NULL
      || (e->create_wanted && !e->create_wanted (e->data, spec->annotations, spec->n_annotations)))
    return 0;
  cleanup_strv char **entries = NULL;
  size_t n_entries = 0;
  holo_rootfs_new_entries (spec, rootfs_fd, &entries, &n_entries);
  /* The check sees the root filesystem without what is mounted inside it,
     as start will (holo_rootfs_container_root); without the privilege to
     clone a mount, the directory itself.  */
  cleanup_close int view = holo_rootfs_clone (rootfs_fd, false);
  struct holo_extension_container c = {
    .id = state->id,
    .bundle = state->bundle,
    .rootfs = state->rootfs,
    .annotations = spec->annotations,
    .n_annotations = spec->n_annotations,
    .new_entries = entries,
    .n_new_entries = n_entries,
  };
  struct holo_extension_result r = { 0 };
  if (e->create_check (e->data, &c, view >= 0 ? view : rootfs_fd, &r, err) < 0)
    {
      holo_extension_result_clear (&r);
      return -1;
    }
  state->extra_json = steal_pointer (&r.persist);
  state->extra_state = steal_pointer (&r.state_fields);
  for (size_t i = 0; i < r.n_annotations; i++)
    set_annotation (state, &r.annotations[i]);
  holo_extension_result_clear (&r);
  return 0;
}

int
holo_extension_start (struct holo_context *ctx, const struct holo_state *s, holo_error_t *err)
{
  const struct holo_extension *e = ctx->extension;
  if (e == NULL || e->start_check == NULL || (e->start_wanted && !e->start_wanted (e->data, s->extra_json)))
    return 0;
  cleanup_close int root = holo_rootfs_container_root (s->pid, err);
  if (root < 0)
    return -1;
  struct holo_extension_container c = {
    .id = s->id,
    .bundle = s->bundle,
    .rootfs = s->rootfs,
    .annotations = s->annotations,
    .n_annotations = s->n_annotations,
  };
  return e->start_check (e->data, &c, root, s->extra_json, err);
}

void
holo_extension_delete (struct holo_context *ctx, const struct holo_state *s)
{
  const struct holo_extension *e = ctx->extension;
  if (e && e->on_delete && s->extra_json)
    e->on_delete (e->data, s->extra_json);
}
