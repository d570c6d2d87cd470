/* Memory: allocations that abort on exhaustion, string vectors.  */
#ifndef HOLO_ALLOC_H
#define HOLO_ALLOC_H

#include <stddef.h>

/* Part of the public API (libcontainer.h), as utils.h.  */
#pragma GCC visibility push(default)

void *holo_xmalloc (size_t size); /* zeroed; aborts on OOM */
void *holo_xrealloc (void *p, size_t size);
char *holo_xstrdup (const char *s); /* NULL stays NULL */
char *holo_xstrndup (const char *s, size_t n);
char *holo_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
size_t holo_strv_len (char **v);
char **holo_strv_dup (char **v);
void holo_strv_free (char **v); /* NULL-terminated; V may be NULL */

#pragma GCC visibility pop

#endif
