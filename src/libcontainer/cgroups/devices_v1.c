/* cgroup v1 device rules: the devices controller keeps a default (allow or
   deny) and a list of exceptions.  Writing "a" to devices.deny makes the
   default deny and empties the list; each rule is then written in order to
   devices.allow or devices.deny, so a later rule overrides an earlier one
   (Documentation/admin-guide/cgroup-v1/devices.rst).  */
#define _GNU_SOURCE
#include "resources.h"
#include "internal.h"

#include <inttypes.h>
#include <string.h>

static void
number_or_star (char *buf, size_t size, int64_t v)
{
  if (v == HOLO_DEV_WILDCARD)
    snprintf (buf, size, "*");
  else
    snprintf (buf, size, "%" PRId64, v);
}

/* "c 1:3 rwm" for TYPE ('b' or 'c'), as devices.allow takes it.  */
static char *
rule_text (const struct holo_device_rule *r, char type)
{
  char major[32], minor[32], access[4];
  size_t k = 0;
  number_or_star (major, sizeof major, r->major);
  number_or_star (minor, sizeof minor, r->minor);
  if (r->access & HOLO_DEV_ACC_READ)
    access[k++] = 'r';
  if (r->access & HOLO_DEV_ACC_WRITE)
    access[k++] = 'w';
  if (r->access & HOLO_DEV_ACC_MKNOD)
    access[k++] = 'm';
  access[k] = '\0';
  return holo_xasprintf ("%c %s:%s %s", type, major, minor, access);
}

static bool
is_everything (const struct holo_device_rule *r)
{
  return r->type == 'a' && r->major == HOLO_DEV_WILDCARD && r->minor == HOLO_DEV_WILDCARD
         && r->access == HOLO_DEV_ACC_ALL;
}

/* The kernel reads any line starting with "a" as "all devices, all access"
   (changing the default), so a narrower type-"a" rule is written as the
   same rule for character and for block devices.  */
static int
write_rule (const char *dir, const struct holo_device_rule *r, holo_error_t *err)
{
  const char *file = r->allow ? "devices.allow" : "devices.deny";
  if (is_everything (r))
    return holo_cg_write (dir, file, "a", err);
  for (const char *t = r->type == 'a' ? "cb" : (r->type == 'b' ? "b" : "c"); *t; t++)
    {
      cleanup_free char *text = rule_text (r, *t);
      if (holo_cg_write (dir, file, text, err) < 0)
        return -1;
    }
  return 0;
}

int
holo_cgroup_v1_devices (const char *dir, const struct holo_device_rule *rules, size_t n, holo_error_t *err)
{
  if (holo_cg_write (dir, "devices.deny", "a", err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      if (rules[i].access != 0 && write_rule (dir, &rules[i], err) < 0)
        return -1;
    }
  return 0;
}
