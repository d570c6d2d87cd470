/* holo shim — config.json's namespaces and log.json's error lines, read
   with yajl's tree API.  */
#define _GNU_SOURCE
#include "json.h"
#include "libcontainer/utils.h"

#include <string.h>
#include <yajl/yajl_tree.h>

static inline void
cleanup_yajl_valp (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
}
#define cleanup_yajl __attribute__ ((cleanup (cleanup_yajl_valp)))

/* The string member KEY of object V, or NULL.  */
static const char *
member_string (yajl_val v, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val s = yajl_tree_get (v, path, yajl_t_string);

  return s ? YAJL_GET_STRING (s) : NULL;
}

bool
shim_json_own_pid_namespace (const char *config)
{
  static const char *path[] = { "linux", "namespaces", NULL };
  cleanup_yajl yajl_val root = yajl_tree_parse (config, NULL, 0);
  yajl_val list;

  if (root == NULL)
    return true;
  list = yajl_tree_get (root, path, yajl_t_any);
  if (list == NULL)
    return false;
  if (!YAJL_IS_ARRAY (list))
    return true; /* not a config the runtime would accept */
  for (size_t i = 0; i < YAJL_GET_ARRAY (list)->len; i++)
    {
      yajl_val ns = YAJL_GET_ARRAY (list)->values[i];
      const char *type = member_string (ns, "type");
      const char *ns_path = member_string (ns, "path");

      if (type && strcmp (type, "pid") == 0 && (ns_path == NULL || *ns_path == '\0'))
        return true;
    }
  return false;
}

/* The msg of LINE when it is an error line, else NULL.  */
static char *
error_line_msg (const char *line)
{
  cleanup_yajl yajl_val v = yajl_tree_parse (line, NULL, 0);
  const char *level, *msg;

  if (v == NULL || !YAJL_IS_OBJECT (v))
    return NULL;
  level = member_string (v, "level");
  msg = member_string (v, "msg");
  if (level == NULL || strcmp (level, "error") != 0 || msg == NULL)
    return NULL;
  return holo_xstrdup (msg);
}

char *
shim_json_last_error (const char *log)
{
  cleanup_free char *text = holo_xstrdup (log);
  char *msg = NULL, *line, *save = NULL;

  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *m = error_line_msg (line);
      if (m)
        {
          free (msg);
          msg = m;
        }
    }
  return msg;
}
