/* fuzz-sources: */
/* fuzz-libs: */
/* config.json parsing and validation (holo_spec_parse), the code every
   create and run feeds the bundle's file through; the standalone process
   object of `exec --process` (holo_spec_parse_process); and the
   LinuxResources document of `update --resources` (engines send it on
   stdin).  */
#include "libcontainer/libcontainer.h"
#include "libcontainer/spec/spec.h"

#include <stdint.h>
#include <string.h>

static void
parse_config (const char *json, size_t len)
{
  struct holo_spec *spec = NULL;
  holo_error_t err = NULL;

  if (holo_spec_parse (json, len, &spec, &err) < 0)
    {
      /* Every failure carries a message (callers print it).  */
      if (err == NULL || err->msg == NULL)
        __builtin_trap ();
      holo_error_release (&err);
      return;
    }
  /* What create reads right after parsing.  */
  (void) holo_spec_annotation (spec, "org.opencontainers.image.title");
  holo_spec_free (spec);
}

static void
parse_process (const char *json, size_t len)
{
  struct holo_process *p = NULL;
  yajl_val tree = NULL;
  holo_error_t err = NULL;

  if (holo_spec_parse_process (json, len, &p, &tree, &err) < 0)
    {
      if (err == NULL || err->msg == NULL)
        __builtin_trap ();
      holo_error_release (&err);
      return;
    }
  holo_process_free (p);
  yajl_tree_free (tree);
}

static void
parse_resources (const char *json, size_t len)
{
  struct holo_resources *r = NULL;
  holo_error_t err = NULL;

  if (holo_resources_parse_json (json, len, "resources", &r, &err) < 0)
    {
      if (err == NULL || err->msg == NULL)
        __builtin_trap ();
      holo_error_release (&err);
      return;
    }
  holo_resources_free (r);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* The callers hand a NUL-terminated buffer (holo_read_file).  */
  char *json = malloc (size + 1);
  if (json == NULL)
    return 0;
  memcpy (json, data, size);
  json[size] = '\0';
  parse_config (json, size);
  parse_process (json, size);
  parse_resources (json, size);
  free (json);
  return 0;
}
