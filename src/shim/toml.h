/* holo shim — a reader for the flat TOML files runtime options come in
   (containerd's CRI plugin hands a non-runc shim only the path of such a
   file, runtimeoptions.v1.Options' ConfigPath).  It reads top-level
   `key = value` lines, values being strings (basic and literal),
   booleans and integers, and refuses the rest of TOML (tables, arrays,
   dates, floats, multi-line strings, dotted keys) with an error naming
   the line, rather than guessing.  */
#ifndef HOLO_SHIM_TOML_H
#define HOLO_SHIM_TOML_H

#include "libcontainer/error.h"

#include <stdbool.h>

enum shim_toml_type
{
  SHIM_TOML_STRING,
  SHIM_TOML_BOOL,
  SHIM_TOML_INT,
};

struct shim_toml_value
{
  enum shim_toml_type type;
  const char *str; /* SHIM_TOML_STRING, UTF-8 without NUL */
  bool b;
  long long i;
};

/* Called for each key in the order of the file; a negative return stops
   the parse with *ERR (which the parser prefixes with NAME:LINE).  */
typedef int (*shim_toml_fn) (void *data, const char *key, const struct shim_toml_value *v, holo_error_t *err);

/* Parses TEXT (NAME is for messages: "NAME:LINE: what").  A key given
   twice is an error, as TOML has it.  */
int shim_toml_parse (const char *text, const char *name, shim_toml_fn fn, void *data, holo_error_t *err);

/* S as a double-quoted string with control characters escaped, for
   messages.  */
char *shim_toml_quote (const char *s);

/* The value of the hexadecimal digit C, or -1 (toml.c's \u escapes,
   logger.c's percent-decoding).  */
int shim_hex_digit (char c);

#endif
