/* Memory: allocations that abort on exhaustion (a runtime that cannot
   allocate a few bytes cannot do anything useful or safe), and
   NULL-terminated string vectors.  Depends on nothing else of holo, so
   that error.c and utils.c can both use it.  */
#define _GNU_SOURCE
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *
holo_xmalloc (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
holo_xrealloc (void *p, size_t size)
{
  void *r = realloc (p, size ? size : 1);
  if (r == NULL)
    abort ();
  return r;
}

char *
holo_xstrdup (const char *s)
{
  if (s == NULL)
    return NULL;
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

char *
holo_xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return r;
}

size_t
holo_strv_len (char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

char **
holo_strv_dup (char **v)
{
  size_t n = holo_strv_len (v);
  char **r = holo_xmalloc ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = holo_xstrdup (v[i]);
  return r;
}

char *
holo_xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    abort ();
  return r;
}

void
holo_strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}
