/* JSON helpers of src/hologram beyond libcontainer's writer (json.h):
   reading strings out of a yajl tree, and writing null for a missing
   value (XHologram's "reason": null), which json.h writes as "".  */
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
holo_json_key_nstr (yajl_gen g, const char *key, const char *value)
{
  holo_json_str (g, key);
  if (value)
    holo_json_str (g, value);
  else
    yajl_gen_null (g);
}
