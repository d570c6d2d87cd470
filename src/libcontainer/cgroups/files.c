/* Reading and writing cgroup files (see internal.h).  */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int
holo_cg_write (const char *dir, const char *file, const char *value, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", path);
  /* A cgroup file takes one value per write(2); a short write is an error. */
  ssize_t n = write (fd, value, strlen (value));
  if (n < 0)
    return holo_make_error (err, errno, "write `%s` to `%s`", value, path);
  return 0;
}

int
holo_cg_writef (const char *dir, const char *file, holo_error_t *err, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&value, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return holo_cg_write (dir, file, value, err);
}

int
holo_cg_read (const char *dir, const char *file, char **out, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("%s/%s", dir, file);
  return holo_read_file (path, out, NULL, err);
}

static int
parse_u64 (const char *s, uint64_t *out)
{
  while (*s == ' ')
    s++;
  if (strncmp (s, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || end == s)
    return -1;
  *out = v;
  return 0;
}

int
holo_cg_read_u64 (const char *dir, const char *file, uint64_t *out)
{
  cleanup_free char *buf = NULL;
  if (holo_cg_read (dir, file, &buf, NULL) < 0)
    return -1;
  return parse_u64 (buf, out);
}

int
holo_cg_read_keyed (const char *dir, const char *file, const char *key, uint64_t *out)
{
  cleanup_free char *buf = NULL;
  if (holo_cg_read (dir, file, &buf, NULL) < 0)
    return -1;
  size_t klen = strlen (key);
  for (char *line = buf; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      return parse_u64 (line + klen + 1, out);
  return -1;
}

bool
holo_cg_exists (const char *dir, const char *file)
{
  cleanup_free char *path = holo_xasprintf ("%s/%s", dir, file);
  return access (path, F_OK) == 0;
}

const char *
holo_cg_limit_str (int64_t v, char *buf, size_t size)
{
  if (v < 0)
    return "max";
  snprintf (buf, size, "%" PRId64, v);
  return buf;
}
