/* Writing JSON: one small layer over yajl's generator, so that every
   document holo produces (state, features, the default config, stats,
   hook and listener payloads) is built the same way.  */
#ifndef HOLO_JSON_H
#define HOLO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#pragma GCC visibility push(default)

/* A new generator; INDENT non-NULL = pretty-printed with that indent.
   Aborts when out of memory, as holo_xmalloc does.  */
yajl_gen holo_json_new (const char *indent);
/* The document as a malloc'ed NUL-terminated string (*LEN its length when
   LEN is not NULL, trailing newlines of the pretty printer removed); frees
   the generator.  */
char *holo_json_finish (yajl_gen g, size_t *len);

/* A string; NULL is written as "" (state fields that are not set).  */
void holo_json_str (yajl_gen g, const char *s);
void holo_json_u64 (yajl_gen g, uint64_t v);
void holo_json_key_str (yajl_gen g, const char *key, const char *value);
void holo_json_key_int (yajl_gen g, const char *key, long long value);
void holo_json_key_u64 (yajl_gen g, const char *key, uint64_t value);
void holo_json_key_bool (yajl_gen g, const char *key, bool value);
/* KEY: [ V[0], V[1], ... ] for a NULL-terminated V.  */
void holo_json_key_strv (yajl_gen g, const char *key, const char *const *v);
/* A parsed value (yajl's tree) written back as it was: keys in their
   order, numbers as written.  */
struct yajl_val_s;
void holo_json_value (yajl_gen g, const struct yajl_val_s *v);

#pragma GCC visibility pop

#endif
