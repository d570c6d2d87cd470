/* The systemd driver's property list: a small typed list of unit
   properties (what the D-Bus code sends, what systemd_props.c,
   systemd_devices.c and the GVariant parser fill in, and what tests read
   as text).  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void
prop_clear (struct holo_sd_prop *p)
{
  for (size_t i = 0; i < p->n_vals; i++)
    if (p->vals[i].type && strchr ("sog", p->vals[i].type))
      free (p->vals[i].s);
  free (p->vals);
  free (p->name);
  free (p->sig);
}

void
holo_sd_props_free (struct holo_sd_props *p)
{
  for (size_t i = 0; i < p->n; i++)
    prop_clear (&p->v[i]);
  free (p->v);
  p->v = NULL;
  p->n = 0;
}

struct holo_sd_prop *
holo_sd_props_add (struct holo_sd_props *p, const char *name, const char *sig)
{
  p->v = holo_xrealloc (p->v, (p->n + 1) * sizeof *p->v);
  struct holo_sd_prop *np = &p->v[p->n++];
  memset (np, 0, sizeof *np);
  np->name = holo_xstrdup (name);
  np->sig = holo_xstrdup (sig);
  return np;
}

void
holo_sd_prop_push (struct holo_sd_prop *p, struct holo_sd_val v)
{
  p->vals = holo_xrealloc (p->vals, (p->n_vals + 1) * sizeof *p->vals);
  p->vals[p->n_vals++] = v;
}

void
holo_sd_props_add_bool (struct holo_sd_props *p, const char *name, bool v)
{
  holo_sd_prop_push (holo_sd_props_add (p, name, "b"), (struct holo_sd_val){ .type = 'b', .b = v });
}

void
holo_sd_props_add_u64 (struct holo_sd_props *p, const char *name, uint64_t v)
{
  holo_sd_prop_push (holo_sd_props_add (p, name, "t"), (struct holo_sd_val){ .type = 't', .u = v });
}

void
holo_sd_props_add_str (struct holo_sd_props *p, const char *name, const char *v)
{
  holo_sd_prop_push (holo_sd_props_add (p, name, "s"), (struct holo_sd_val){ .type = 's', .s = holo_xstrdup (v) });
}

const struct holo_sd_prop *
holo_sd_props_find (const struct holo_sd_props *p, const char *name)
{
  for (size_t i = p->n; i-- > 0;)
    if (strcmp (p->v[i].name, name) == 0)
      return &p->v[i];
  return NULL;
}

static void
append_val (FILE *f, const struct holo_sd_val *v)
{
  switch (v->type)
    {
    case 'b':
      fputs (v->b ? "true" : "false", f);
      break;
    case 's':
    case 'o':
    case 'g':
      fputs (v->s, f);
      break;
    case 'd':
      fprintf (f, "%g", v->d);
      break;
    case 'n':
    case 'i':
    case 'x':
      fprintf (f, "%" PRId64, v->i);
      break;
    default:
      fprintf (f, "%" PRIu64, v->u);
    }
}

char *
holo_sd_prop_to_string (const struct holo_sd_prop *p)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    return holo_xstrdup (p->name);
  fprintf (f, "%s=%s ", p->name, p->sig);
  if (p->sig[0] != 'a')
    {
      if (p->n_vals)
        append_val (f, &p->vals[0]);
      fclose (f);
      return buf;
    }
  /* "a(ss)": 2 values an element, in parentheses.  */
  bool structs = p->sig[1] == '(';
  size_t per = structs ? strlen (p->sig) - 3 : 1;
  fputc ('[', f);
  for (size_t i = 0; per && i < p->n_vals; i += per)
    {
      if (i)
        fputs (", ", f);
      if (structs)
        fputc ('(', f);
      for (size_t k = 0; k < per && i + k < p->n_vals; k++)
        {
          if (k)
            fputs (", ", f);
          append_val (f, &p->vals[i + k]);
        }
      if (structs)
        fputc (')', f);
    }
  fputc (']', f);
  fclose (f);
  return buf;
}
