/* The systemd driver's naming: linux.cgroupsPath "slice:prefix:name" to a
   slice and a scope unit name, the way runc reads it, checked against
   systemd's rules for unit names before anything is asked of systemd.  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#include <string.h>

/* systemd's UNIT_NAME_MAX counts the NUL.  */
#define UNIT_NAME_MAX 256

void
holo_systemd_unit_clear (struct holo_systemd_unit *u)
{
  free (u->slice);
  free (u->name);
  u->slice = u->name = NULL;
}

/* The characters systemd allows in a unit name (unit-name.c VALID_CHARS). */
static bool
valid_unit_chars (const char *s)
{
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr (":-_.\\", *p)))
      return false;
  return true;
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), k = strlen (suffix);
  return n >= k && strcmp (s + n - k, suffix) == 0;
}

char *
holo_systemd_expand_slice (const char *slice, holo_error_t *err)
{
  size_t len = strlen (slice);
  if (!ends_with (slice, ".slice") || strchr (slice, '/') || !valid_unit_chars (slice) || len >= UNIT_NAME_MAX)
    {
      holo_make_error (err, 0, "invalid systemd slice name `%s`", slice);
      return NULL;
    }
  if (strcmp (slice, "-.slice") == 0)
    return holo_xstrdup ("");
  cleanup_free char *base = holo_xstrndup (slice, len - strlen (".slice"));
  char *result = holo_xstrdup ("");
  /* Every dash-separated component must be non-empty: "a--b.slice",
     "-a.slice", "a-.slice" and ".slice" are not slices.  */
  for (const char *start = base;;)
    {
      const char *dash = strchr (start, '-');
      size_t clen = dash ? (size_t) (dash - start) : strlen (start);
      if (clen == 0)
        {
          free (result);
          holo_make_error (err, 0, "invalid systemd slice name `%s`", slice);
          return NULL;
        }
      size_t upto = (size_t) (start - base) + clen;
      char *next = holo_xasprintf ("%s/%.*s.slice", result, (int) upto, base);
      free (result);
      result = next;
      if (dash == NULL)
        break;
      start = dash + 1;
    }
  return result;
}

int
holo_systemd_parse_path (const char *cgroups_path, const char *id, bool user, struct holo_systemd_unit *out,
                         holo_error_t *err)
{
  cleanup_free char *copy = holo_xstrdup (cgroups_path && *cgroups_path ? cgroups_path : "");
  const char *slice = "", *prefix = "holo", *name = id;
  if (*copy)
    {
      char *c1 = strchr (copy, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c1 == NULL || c2 == NULL || strchr (c2 + 1, ':'))
        return holo_make_error (err, 0,
                                "config.json: linux.cgroupsPath: expected \"slice:prefix:name\" for systemd cgroups, "
                                "got `%s`",
                                cgroups_path);
      *c1 = *c2 = '\0';
      slice = copy;
      prefix = c1 + 1;
      name = c2 + 1;
    }
  if (*slice == '\0')
    slice = user ? "user.slice" : "system.slice";
  cleanup_free char *expanded = holo_systemd_expand_slice (slice, err);
  if (expanded == NULL)
    return holo_error_prefix (err, "config.json: linux.cgroupsPath `%s`", cgroups_path ? cgroups_path : "");
  if (*name == '\0')
    return holo_make_error (err, 0, "config.json: linux.cgroupsPath `%s`: the name part is empty", cgroups_path);
  /* runc would ask systemd for a slice unit here, which cannot hold the
     init (systemd: "Cannot set property PIDs"): say so up front.  */
  if (ends_with (name, ".slice"))
    return holo_make_error (err, 0,
                            "config.json: linux.cgroupsPath `%s`: the name `%s` is a slice; a container needs a scope "
                            "(a name without .slice)",
                            cgroups_path, name);
  /* runc's naming, also for an empty prefix ("-name.scope").  */
  cleanup_free char *unit = holo_xasprintf ("%s-%s.scope", prefix, name);
  if (!valid_unit_chars (unit) || strlen (unit) >= UNIT_NAME_MAX)
    return holo_make_error (err, 0,
                            "config.json: linux.cgroupsPath `%s`: `%s` is not a valid systemd unit name (at most %d "
                            "characters: ASCII letters, digits, \":\", \"-\", \"_\", \".\" and \"\\\")",
                            cgroups_path && *cgroups_path ? cgroups_path : "", unit, UNIT_NAME_MAX - 1);
  out->slice = holo_xstrdup (slice);
  out->name = steal_pointer (&unit);
  out->user = user;
  return 0;
}
