/* `list`: every container of the state root.  */
#define _GNU_SOURCE
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Container ids under the root, sorted.  A root that does not exist yet
   holds no container.  */
static int
container_ids (const char *root, char ***out, size_t *n, holo_error_t *err)
{
  cleanup_dir DIR *d = opendir (root);
  char **ids = NULL;
  *n = 0;
  if (d == NULL && errno != ENOENT)
    return holo_make_error (err, errno, "open state root `%s`", root);
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      ids = holo_xrealloc (ids, (*n + 1) * sizeof (char *));
      ids[(*n)++] = holo_xstrdup (de->d_name);
    }
  if (*n)
    qsort (ids, *n, sizeof (char *), compare_names);
  *out = ids;
  return 0;
}

/* The owner, as runc's list shows it: the user owning the container's
   state directory, "#UID" when it has no name.  Looked up here, not at
   create (whose state has "", as runc's): an NSS lookup there cost every
   container start.  */
static char *
state_dir_owner (const char *root, const char *id)
{
  struct stat st;
  cleanup_free char *dir = holo_xasprintf ("%s/%s", root, id);
  if (stat (dir, &st) < 0)
    return holo_xstrdup ("");
  struct passwd *pw = getpwuid (st.st_uid);
  return pw ? holo_xstrdup (pw->pw_name) : holo_xasprintf ("#%u", (unsigned) st.st_uid);
}

static void
summarize (const struct holo_state *s, enum holo_status st, struct holo_container_summary *out)
{
  out->id = holo_xstrdup (s->id);
  out->pid = st == HOLO_STATUS_STOPPED ? 0 : s->pid;
  out->status = st;
  out->bundle = holo_xstrdup (s->bundle);
  out->created = holo_xstrdup (s->created);
  out->owner = holo_xstrdup (s->owner);
  out->state_json = holo_state_to_json (s, st, false);
}

int
holo_container_list (struct holo_context *ctx, struct holo_container_summary **out, size_t *n, holo_error_t *err)
{
  size_t n_ids = 0;
  char **ids = NULL;
  if (container_ids (ctx->root, &ids, &n_ids, err) < 0)
    return -1;
  struct holo_container_summary *v = holo_xmalloc ((n_ids + 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < n_ids; i++)
    {
      cleanup_state struct holo_state *s = NULL;
      cleanup_error holo_error_t ignored = NULL;
      enum holo_status st;
      /* Being created or deleted right now: not listed.  */
      if (holo_container_load (ctx, ids[i], &s, &st, &ignored) == 0)
        {
          free (s->owner);
          s->owner = state_dir_owner (ctx->root, ids[i]);
          summarize (s, st, &v[k++]);
        }
      free (ids[i]);
    }
  free (ids);
  *out = v;
  *n = k;
  return 0;
}

void
holo_container_summaries_free (struct holo_container_summary *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    {
      free (v[i].id);
      free (v[i].bundle);
      free (v[i].created);
      free (v[i].owner);
      free (v[i].state_json);
    }
  free (v);
}
