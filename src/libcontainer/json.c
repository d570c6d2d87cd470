#define _GNU_SOURCE
#include "json.h"
#include "utils.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
