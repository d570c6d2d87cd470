#define _GNU_SOURCE
#include "json.h"
#include "utils.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

yajl_gen
holo_json_new (const char *indent)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    abort ();
  if (indent)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, indent);
    }
  return g;
}

char *
holo_json_finish (yajl_gen g, size_t *len)
{
  const unsigned char *buf;
  size_t n;
  yajl_gen_get_buf (g, &buf, &n);
  while (n > 0 && buf[n - 1] == '\n')
    n--;
  char *r = holo_xstrndup ((const char *) buf, n);
  yajl_gen_free (g);
  if (len)
    *len = n;
  return r;
}

void
holo_json_str (yajl_gen g, const char *s)
{
  s = s ? s : "";
  yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

/* yajl_gen_integer takes a long long: larger values go in as a number
   literal.  */
void
holo_json_u64 (yajl_gen g, uint64_t v)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t) n);
}

void
holo_json_key_str (yajl_gen g, const char *key, const char *value)
{
  holo_json_str (g, key);
  holo_json_str (g, value);
}

void
holo_json_key_int (yajl_gen g, const char *key, long long value)
{
  holo_json_str (g, key);
  yajl_gen_integer (g, value);
}

void
holo_json_key_u64 (yajl_gen g, const char *key, uint64_t value)
{
  holo_json_str (g, key);
  holo_json_u64 (g, value);
}

void
holo_json_key_bool (yajl_gen g, const char *key, bool value)
{
  holo_json_str (g, key);
  yajl_gen_bool (g, value);
}

void
holo_json_key_strv (yajl_gen g, const char *key, const char *const *v)
{
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    holo_json_str (g, *v);
  yajl_gen_array_close (g);
}

void
holo_json_value (yajl_gen g, const struct yajl_val_s *v)
{
  if (v == NULL || YAJL_IS_NULL (v))
    yajl_gen_null (g);
  else if (YAJL_IS_STRING (v))
    holo_json_str (g, YAJL_GET_STRING (v));
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, YAJL_GET_NUMBER (v), strlen (YAJL_GET_NUMBER (v)));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    yajl_gen_bool (g, YAJL_IS_TRUE (v));
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        holo_json_value (g, v->u.array.values[i]);
      yajl_gen_array_close (g);
    }
  else
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          holo_json_str (g, v->u.object.keys[i]);
          holo_json_value (g, v->u.object.values[i]);
        }
      yajl_gen_map_close (g);
    }
}
