/* JSON helpers shared by the files of src/hologram: reading strings out of
   a yajl tree, and writing with yajl_gen.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <string.h>

const char *
holo_json_string (yajl_val root, const char *const *path)
{
  yajl_val v = yajl_tree_get (root, (const char **) path, yajl_t_string);
  return v ? YAJL_GET_STRING (v) : NULL;
}

void
holo_json_str (yajl_gen g, const char *s)
{
  if (s)
    yajl_gen_string (g, (const unsigned char *) s, strlen (s));
  else
    yajl_gen_null (g);
}

void
holo_json_kv (yajl_gen g, const char *key, const char *value)
{
  holo_json_str (g, key);
  holo_json_str (g, value);
}

void
holo_json_kbool (yajl_gen g, const char *key, bool value)
{
  holo_json_str (g, key);
  yajl_gen_bool (g, value);
}

char *
holo_json_finish (yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = holo_xstrndup ((const char *) buf, len);
  yajl_gen_free (g);
  return r;
}
