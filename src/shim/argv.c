/* holo shim — growable argument vectors.  */
#define _GNU_SOURCE
#include "argv.h"
#include "libcontainer/utils.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
push (struct shim_argv *a, char *owned)
{
  /* One slot more than the strings, for the terminating NULL.  */
  if (a->n + 2 > a->cap)
    {
      a->cap = a->cap ? a->cap * 2 : 16;
      a->v = holo_xrealloc (a->v, a->cap * sizeof (char *));
    }
  a->v[a->n++] = owned;
  a->v[a->n] = NULL;
}

void
shim_argv_add (struct shim_argv *a, const char *s)
{
  push (a, holo_xstrdup (s));
}

void
shim_argv_addf (struct shim_argv *a, const char *fmt, ...)
{
  char *s = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  va_end (ap);
  push (a, s);
}

void
shim_argv_add_all (struct shim_argv *a, char *const *v)
{
  for (; v && *v; v++)
    shim_argv_add (a, *v);
}

char **
shim_argv_steal (struct shim_argv *a)
{
  char **v = a->v;

  if (v == NULL)
    v = holo_xmalloc (sizeof (char *));
  a->v = NULL;
  a->n = a->cap = 0;
  return v;
}

void
shim_argv_free (struct shim_argv *a)
{
  holo_strv_free (a->v);
  a->v = NULL;
  a->n = a->cap = 0;
}
