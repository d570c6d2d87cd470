/* Helpers shared by the config.json parser (parse.c, parse_process.c,
   parse_linux.c).  Every value is read through a typed getter that knows
   where it sits in the document, so each error names its JSON path:
     "config.json: mounts[2].destination: must be an absolute path"
   JSON null is treated as absent everywhere, as Go's decoder does.  */
#ifndef HOLO_SPEC_PARSE_INTERNAL_H
#define HOLO_SPEC_PARSE_INTERNAL_H

#include "spec.h"
#include "../utils.h"

/* Where the object being read sits: the document name ("config.json",
   "process.json") and the JSON path of the object ("" for the top level,
   "process.user", "mounts[2]").  */
struct holo_jloc
{
  const char *file;
  const char *path;
};

/* Member KEY of OBJ, or NULL when OBJ is not an object, KEY is missing or its
   value is null.  (holo_j_parse_tree refuses a key given twice.)  */
yajl_val holo_j_member (yajl_val obj, const char *key);

/* "PATH.KEY" (or "PATH[\"KEY\"]" when KEY is not a plain identifier) and
   "PATH[I]"; malloc'ed.  */
char *holo_j_join (const char *path, const char *key);
char *holo_j_join_index (const char *path, size_t i);

/* Sets "FILE: PATH.KEY: message" (KEY may be NULL) and returns -1.  */
int holo_j_fail (holo_error_t *err, const struct holo_jloc *loc, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Typed getters for member KEY of OBJ.  An absent optional member leaves *OUT
   untouched (strings: set to NULL) and *PRESENT (when given) false; an absent
   required member is "must be specified".  */
int holo_j_string (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, char **out,
                   holo_error_t *err);
int holo_j_bool (const struct holo_jloc *loc, yajl_val obj, const char *key, bool *out, holo_error_t *err);
int holo_j_uint (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, uint64_t max, uint64_t *out,
                 bool *present, holo_error_t *err);
int holo_j_int (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, int64_t min, int64_t max,
                int64_t *out, bool *present, holo_error_t *err);
/* The member as an object / array (NULL when absent and optional).  */
int holo_j_object (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, yajl_val *out,
                   holo_error_t *err);
int holo_j_array (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, yajl_val *out,
                  holo_error_t *err);
/* An array of strings as a NULL-terminated vector; NULL when absent.  */
int holo_j_strv (const struct holo_jloc *loc, yajl_val obj, const char *key, char ***out, holo_error_t *err);

/* Conversions of one value V (KEY names it inside LOC, or NULL when LOC->path
   already names V, e.g. an array element).  */
int holo_j_to_uint (const struct holo_jloc *loc, const char *key, yajl_val v, uint64_t max, uint64_t *out,
                    holo_error_t *err);
int holo_j_to_int (const struct holo_jloc *loc, const char *key, yajl_val v, int64_t min, int64_t max, int64_t *out,
                   holo_error_t *err);

/* An empty NULL-terminated vector when *V is NULL.  */
static inline void
holo_j_strv_ensure (char ***v)
{
  if (*v == NULL)
    *v = holo_xmalloc (sizeof (char *));
}

bool holo_j_is_abs (const char *path);

/* Arrays of {containerID, hostID, size} (linux.uidMappings, mounts[].uidMappings).  */
int holo_j_idmaps (const struct holo_jloc *loc, yajl_val obj, const char *key, struct holo_idmap **out, size_t *n,
                   holo_error_t *err);

/* Section parsers.  */
int holo_parse_process_object (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err);
void holo_process_clear (struct holo_process *p);
int holo_parse_linux_object (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err);
void holo_linux_clear (struct holo_linux *l);

/* Parses TEXT (LEN bytes) into a yajl tree; "FILE: invalid JSON: ..." on
   failure, and the top value must be an object.  A NUL byte, nesting deeper
   than HOLO_JSON_MAX_DEPTH and a key given twice in one object ("FILE:
   PATH: duplicate key") are refused too (json_tree.c).  */
#define HOLO_JSON_MAX_DEPTH 512
int holo_j_parse_tree (const char *file, const char *text, size_t len, yajl_val *out, holo_error_t *err);

#endif
