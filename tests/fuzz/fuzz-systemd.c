/* fuzz-sources: */
/* fuzz-libs: */
/* The systemd cgroup driver's parsers of config input, before anything
   is asked of systemd: org.systemd.property.* annotation values (GVariant
   text, holo_gvariant_parse, through holo_systemd_annotation_props),
   linux.cgroupsPath as "slice:prefix:name" (holo_systemd_parse_path and
   the slice expansion), and linux.resources as unit properties
   (holo_systemd_resource_props, the device rules' emulation included).
   Every property built is also turned into text, as the debug log does.  */
#include "libcontainer/libcontainer.h"
#include "libcontainer/cgroups/resources.h"
#include "libcontainer/cgroups/systemd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
check_failure (holo_error_t *err)
{
  /* Every failure carries a message (callers print it).  */
  if (*err == NULL || (*err)->msg == NULL)
    __builtin_trap ();
  holo_error_release (err);
}

static void
to_text (const struct holo_sd_props *p)
{
  for (size_t i = 0; i < p->n; i++)
    free (holo_sd_prop_to_string (&p->v[i]));
}

static void
annotation (char *text)
{
  struct holo_kv kv = { (char *) "org.systemd.property.TimeoutStopSec", text };
  struct holo_sd_props p = { 0 };
  holo_error_t err = NULL;
  if (holo_systemd_annotation_props (&kv, 1, &p, &err) < 0)
    check_failure (&err);
  to_text (&p);
  holo_sd_props_free (&p);
  kv.key = (char *) "org.systemd.property.Description";
  if (holo_systemd_annotation_props (&kv, 1, &p, &err) < 0)
    check_failure (&err);
  to_text (&p);
  holo_sd_props_free (&p);
}

static void
cgroups_path (const char *text)
{
  struct holo_systemd_unit u = { 0 };
  holo_error_t err = NULL;
  if (holo_systemd_parse_path (text, "id", false, &u, &err) < 0)
    {
      check_failure (&err);
      return;
    }
  char *slice = holo_systemd_expand_slice (u.slice, &err);
  if (slice == NULL)
    __builtin_trap (); /* parse_path checked the slice */
  struct holo_sd_props p = { 0 };
  holo_systemd_scope_props (&u, "id", 1, &p);
  to_text (&p);
  holo_sd_props_free (&p);
  free (slice);
  holo_systemd_unit_clear (&u);
}

static void
resources (const char *json, size_t len)
{
  struct holo_resources *r = NULL;
  holo_error_t err = NULL;
  if (holo_resources_parse_json (json, len, "config.json", &r, &err) < 0)
    {
      check_failure (&err);
      return;
    }
  struct holo_sd_current cur = { .memory_limit = 4096, .cpu_period = 50000 };
  struct holo_sd_props p = { 0 };
  if (holo_systemd_resource_props (r, &cur, true, &p, &err) < 0)
    check_failure (&err);
  to_text (&p);
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  if (text == NULL)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  annotation (text);
  cgroups_path (text);
  resources (text, size);
  free (text);
  return 0;
}
