/* clang-format off */
/* fuzz-sources: src/shim/toml.c */
/* fuzz-libs: */
/* clang-format on */
/* libFuzzer target: the flat TOML reader of runtime options files
   (src/shim/toml.c, what a CRI ConfigPath names).  Every value handed to
   the callback is read whole, so a string that is not NUL-terminated or
   an out-of-bounds pointer shows under ASan.  Seeds in
   tests/fuzz/corpus/toml/.  */
#define _GNU_SOURCE
#include "shim/toml.h"
#include "libcontainer/utils.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
touch_value (void *data, const char *key, const struct shim_toml_value *v, holo_error_t *err)
{
  size_t *sum = data;

  *sum += strlen (key);
  if (v->type == SHIM_TOML_STRING)
    *sum += strlen (v->str);
  /* Callers refuse some values: the parser must carry that error out.  */
  if (v->type == SHIM_TOML_INT && v->i == 13)
    return holo_make_error (err, 0, "thirteen");
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  holo_error_t err = NULL;
  size_t sum = 0;

  memcpy (text, data, size);
  text[size] = '\0';
  if (shim_toml_parse (text, "fuzz.toml", touch_value, &sum, &err) < 0)
    {
      if (err == NULL || strncmp (err->msg, "fuzz.toml:", 10) != 0)
        abort (); /* every error names the file and the line */
      holo_error_release (&err);
    }
  else if (err != NULL)
    abort ();
  free (text);
  return 0;
}
