/* holo shim — a growable, NULL-terminated argument vector: every runtime
   command line is built with it, so that the next flag never overflows a
   fixed array.  The vector owns its strings.  */
#ifndef HOLO_SHIM_ARGV_H
#define HOLO_SHIM_ARGV_H

#include <stddef.h>

struct shim_argv
{
  char **v; /* NULL-terminated once anything was added */
  size_t n, cap;
};

void shim_argv_add (struct shim_argv *a, const char *s);
void shim_argv_addf (struct shim_argv *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Adds every string of the NULL-terminated V.  */
void shim_argv_add_all (struct shim_argv *a, char *const *v);
/* The NULL-terminated vector; the caller owns it (holo_strv_free) and A is
   empty again.  Never NULL.  */
char **shim_argv_steal (struct shim_argv *a);
void shim_argv_free (struct shim_argv *a);

static inline void
shim_argv_cleanup (struct shim_argv *a)
{
  shim_argv_free (a);
}
#define cleanup_argv __attribute__ ((cleanup (shim_argv_cleanup)))

#endif
