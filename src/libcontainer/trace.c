#define _GNU_SOURCE
#include "trace.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Set once by holo_trace_init before anything is traced; processes of the
   clone chain inherit it.  */
static const char *trace_path;

void
holo_trace_init (void)
{
  const char *p = getenv ("HOLO_TRACE");
  trace_path = p && *p ? p : NULL;
}

void
holo_trace (const char *phase)
{
  if (trace_path == NULL)
    return;
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  char line[160];
  int n = snprintf (line, sizeof line, "%d %lld %s\n", (int) getpid (),
                    (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000, phase);
  int fd = open (trace_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  /* One write with O_APPEND: lines of concurrent processes do not mix.  */
  ssize_t written = write (fd, line, (size_t) n);
  (void) written;
  close (fd);
}
