/* From config.json text to a yajl tree the typed getters can trust: a
   document yajl would read differently from other JSON readers is refused
   here, before any section is parsed.
   - A key given twice in one object: Go's decoder and yajl's tree keep the
     last value, others the first; a tool that checked the file could have
     looked at the other one.
   - A NUL byte: yajl stops reading there and ignores the rest.
   - Nesting deeper than HOLO_JSON_MAX_DEPTH: freeing a yajl tree (and the
     duplicate check) recurse once per level.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "parse_internal.h"

#include <ctype.h>
#include <string.h>

/* Nesting depth of TEXT, looking only at brackets outside strings.  */
static bool
json_too_deep (const char *text, size_t len)
{
  bool in_string = false;
  int depth = 0;

  for (size_t i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = false;
        }
      else if (c == '"')
        in_string = true;
      else if ((c == '[' || c == '{') && ++depth > HOLO_JSON_MAX_DEPTH)
        return true;
      else if (c == ']' || c == '}')
        depth--;
    }
  return false;
}

/* ------------------------------------------------------- duplicate keys */

/* One step from the top of the document to the value being looked at: a
   member's key, or (KEY NULL) an array index.  */
struct step
{
  const char *key;
  size_t index;
};

struct walk
{
  const char *file;
  struct step steps[HOLO_JSON_MAX_DEPTH + 1];
  size_t depth;
};

struct keyed
{
  const char *key;
  size_t index;
};

static int
compare_keyed (const void *a, const void *b)
{
  const struct keyed *x = a, *y = b;
  int c = strcmp (x->key, y->key);
  if (c != 0)
    return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* The index of the first member of OBJ whose key an earlier member has
   already, or the number of members when every key is unique.  Small
   objects are compared pairwise; large ones (annotations) sorted.  */
static size_t
first_duplicate (yajl_val obj)
{
  size_t n = obj->u.object.len;
  const char **keys = obj->u.object.keys;
  size_t found = n;

  if (n <= 16)
    {
      for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++)
          if (strcmp (keys[i], keys[j]) == 0)
            return j;
      return n;
    }
  cleanup_free struct keyed *sorted = holo_xmalloc (n * sizeof *sorted);
  for (size_t i = 0; i < n; i++)
    sorted[i] = (struct keyed){ keys[i], i };
  qsort (sorted, n, sizeof *sorted, compare_keyed);
  for (size_t i = 1; i < n; i++)
    if (strcmp (sorted[i - 1].key, sorted[i].key) == 0 && sorted[i].index < found)
      found = sorted[i].index;
  return found;
}

/* "FILE: PATH.KEY: duplicate key", PATH being where the walk is.  */
static int
duplicate_error (const struct walk *w, const char *key, holo_error_t *err)
{
  cleanup_free char *path = holo_xstrdup ("");
  for (size_t i = 0; i < w->depth; i++)
    {
      const struct step *s = &w->steps[i];
      char *next = s->key ? holo_j_join (path, s->key) : holo_j_join_index (path, s->index);
      free (path);
      path = next;
    }
  struct holo_jloc loc = { w->file, path };
  return holo_j_fail (err, &loc, key, "duplicate key");
}

static int
check_unique_keys (struct walk *w, yajl_val v, holo_error_t *err)
{
  if (YAJL_IS_OBJECT (v))
    {
      size_t dup = first_duplicate (v);
      if (dup < v->u.object.len)
        return duplicate_error (w, v->u.object.keys[dup], err);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          w->steps[w->depth++] = (struct step){ v->u.object.keys[i], 0 };
          int r = check_unique_keys (w, v->u.object.values[i], err);
          w->depth--;
          if (r < 0)
            return -1;
        }
    }
  else if (YAJL_IS_ARRAY (v))
    for (size_t i = 0; i < v->u.array.len; i++)
      {
        w->steps[w->depth++] = (struct step){ NULL, i };
        int r = check_unique_keys (w, v->u.array.values[i], err);
        w->depth--;
        if (r < 0)
          return -1;
      }
  return 0;
}

/* ------------------------------------------------------------------ parse */

static int
yajl_failure (const char *file, char *errbuf, holo_error_t *err)
{
  /* yajl adds lines pointing at the offending text; keep the first.  */
  size_t n = strcspn (errbuf, "\n");
  while (n > 0 && isspace ((unsigned char) errbuf[n - 1]))
    n--;
  errbuf[n] = '\0';
  return holo_make_error (err, 0, "%s: invalid JSON: %s", file, n ? errbuf : "parse error");
}

int
holo_j_parse_tree (const char *file, const char *text, size_t len, yajl_val *out, holo_error_t *err)
{
  cleanup_free char *buf = NULL;
  char errbuf[1024] = "";
  const char *nul = memchr (text, '\0', len);

  if (nul)
    return holo_make_error (err, 0, "%s: invalid JSON: NUL byte at offset %zu", file, (size_t) (nul - text));
  if (json_too_deep (text, len))
    return holo_make_error (err, 0, "%s: invalid JSON: nested deeper than %d levels", file, HOLO_JSON_MAX_DEPTH);
  buf = holo_xmalloc (len + 1);
  memcpy (buf, text, len);
  yajl_val tree = yajl_tree_parse (buf, errbuf, sizeof errbuf);
  if (tree == NULL)
    return yajl_failure (file, errbuf, err);
  if (!YAJL_IS_OBJECT (tree))
    {
      yajl_tree_free (tree);
      return holo_make_error (err, 0, "%s: must be a JSON object", file);
    }
  cleanup_free struct walk *w = holo_xmalloc (sizeof *w);
  w->file = file;
  if (check_unique_keys (w, tree, err) < 0)
    {
      yajl_tree_free (tree);
      return -1;
    }
  *out = tree;
  return 0;
}
