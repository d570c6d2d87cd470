/* holo — errors travel as an out-parameter (last argument); functions return
   a negative value on failure and callers add context on the way up. */
#ifndef HOLO_ERROR_H
#define HOLO_ERROR_H

#include "alloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#pragma GCC visibility push(default)

struct holo_error_s
{
  int status; /* errno value, 0 when not from a syscall */
  char *msg;
};
typedef struct holo_error_s *holo_error_t;

/* Sets *err (if not already set) and returns -1.  When STATUS is non-zero,
   ": strerror(STATUS)" is appended to the message.  */
int holo_make_error (holo_error_t *err, int status, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Prefixes the message of an existing error with context; returns -1.  */
int holo_error_prefix (holo_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void holo_error_release (holo_error_t *err);

/* Logging: where error/warning lines go (stderr always, plus --log file). */
enum holo_log_format
{
  HOLO_LOG_TEXT,
  HOLO_LOG_JSON
};
void holo_log_init (int log_fd, enum holo_log_format fmt, bool debug);
/* The container init closes holo's fds: log to stderr only from then on. */
void holo_log_detach_file (void);
void holo_log_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void holo_log_warning (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void holo_log_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Writes the error (if any) as an error log line and releases it.  */
void holo_log_release_error (holo_error_t *err);

/* cleanup helpers */
static inline void
holo_cleanup_freep (void *p)
{
  free (*(void **) p);
}
static inline void
holo_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
static inline void
holo_cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
}
static inline void
holo_cleanup_dirp (DIR **d)
{
  if (*d)
    closedir (*d);
}
static inline void
holo_cleanup_errorp (holo_error_t *err)
{
  holo_error_release (err);
}
static inline void
holo_cleanup_strvp (char ***v)
{
  holo_strv_free (*v);
}

#define cleanup_free __attribute__ ((cleanup (holo_cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (holo_cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (holo_cleanup_filep)))
#define cleanup_dir __attribute__ ((cleanup (holo_cleanup_dirp)))
#define cleanup_error __attribute__ ((cleanup (holo_cleanup_errorp)))
#define cleanup_strv __attribute__ ((cleanup (holo_cleanup_strvp)))

/* Moves ownership out of a cleanup variable.  */
#define steal_pointer(pp)                                                                                              \
  __extension__({                                                                                                      \
    __typeof__ (*(pp)) _p = *(pp);                                                                                     \
    *(pp) = NULL;                                                                                                      \
    _p;                                                                                                                \
  })
#define steal_fd(fdp)                                                                                                  \
  __extension__({                                                                                                      \
    int _fd = *(fdp);                                                                                                  \
    *(fdp) = -1;                                                                                                       \
    _fd;                                                                                                               \
  })

#pragma GCC visibility pop

#endif
