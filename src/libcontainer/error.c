#define _GNU_SOURCE
#include "error.h"
#include "alloc.h"
#include "escape.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static int log_fd = -1;
static enum holo_log_format log_format = HOLO_LOG_TEXT;
static bool log_debug;

int
holo_make_error (holo_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  if (err == NULL || *err != NULL)
    return -1;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);

  if (status != 0)
    {
      char *full = holo_xasprintf ("%s: %s", msg, strerror (status));
      free (msg);
      msg = full;
    }
  *err = holo_xmalloc (sizeof (**err));
  (*err)->status = status;
  (*err)->msg = msg;
  return -1;
}

int
holo_error_prefix (holo_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *prefix = NULL;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    abort ();
  va_end (ap);
  char *full = holo_xasprintf ("%s: %s", prefix, (*err)->msg);
  free (prefix);
  free ((*err)->msg);
  (*err)->msg = full;
  return -1;
}

void
holo_error_release (holo_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

void
holo_log_init (int fd, enum holo_log_format fmt, bool debug)
{
  log_fd = fd;
  log_format = fmt;
  log_debug = debug;
}

/* JSON string escaping for log lines.  */
static void
append_json_string (char **buf, size_t *len, size_t *cap, const char *s)
{
  char tmp[8];
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      const char *piece = tmp;
      if (c == '"')
        piece = "\\\"";
      else if (c == '\\')
        piece = "\\\\";
      else if (c == '\n')
        piece = "\\n";
      else if (c == '\t')
        piece = "\\t";
      else if (c < 0x20)
        snprintf (tmp, sizeof tmp, "\\u%04x", c);
      else
        {
          tmp[0] = (char) c;
          tmp[1] = '\0';
        }
      size_t n = strlen (piece);
      while (*len + n + 1 > *cap)
        {
          *cap = *cap ? *cap * 2 : 256;
          *buf = holo_xrealloc (*buf, *cap);
        }
      memcpy (*buf + *len, piece, n);
      *len += n;
      (*buf)[*len] = '\0';
    }
}

/* For the text log's msg="...": quotes and backslashes too.  */
static char *
quote_text (const char *s)
{
  char *out = holo_xmalloc (strlen (s) * 2 + 1);
  size_t o = 0;
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        out[o++] = '\\';
      out[o++] = *s;
    }
  out[o] = '\0';
  return out;
}

static void
log_line (const char *level, const char *fmt, va_list ap)
{
  cleanup_free char *raw = NULL;
  if (vasprintf (&raw, fmt, ap) < 0)
    return;
  /* Values in messages come from config.json and the command line: no
     control character reaches a terminal or a log raw, and the JSON log
     only gets UTF-8.  */
  cleanup_free char *msg = holo_escape_control (raw);

  bool is_debug = strcmp (level, "debug") == 0;
  if (is_debug && !log_debug)
    return;
  /* Errors always reach stderr (human-readable: conmon and users show it
     as is).  With --log, warnings and debug lines go to the log only, as
     with runc: under a shim, holo's stderr is the container's stderr.  */
  bool is_error = strcmp (level, "error") == 0;
  if (is_error || log_fd == -1 || log_fd == STDERR_FILENO)
    dprintf (STDERR_FILENO, "%s%s\n", is_error ? "" : "holo: ", msg);
  if (log_fd < 0 || log_fd == STDERR_FILENO)
    return;

  char timebuf[64];
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (timebuf, sizeof timebuf, "%Y-%m-%dT%H:%M:%S", &tm);

  if (log_format == HOLO_LOG_JSON)
    {
      cleanup_free char *esc = NULL;
      size_t len = 0, cap = 0;
      append_json_string (&esc, &len, &cap, msg);
      dprintf (log_fd, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n", level, esc ? esc : "", timebuf,
               ts.tv_nsec);
    }
  else
    {
      cleanup_free char *quoted = quote_text (msg);
      dprintf (log_fd, "time=\"%s.%09ldZ\" level=%s msg=\"%s\"\n", timebuf, ts.tv_nsec, level, quoted);
    }
}

void
holo_log_detach_file (void)
{
  /* -2: there was a --log file, now closed: warnings are dropped rather
     than sent to what is the container's stderr.  */
  if (log_fd >= 0 && log_fd != STDERR_FILENO)
    log_fd = -2;
}

void
holo_log_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_line ("error", fmt, ap);
  va_end (ap);
}

void
holo_log_warning (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_line ("warning", fmt, ap);
  va_end (ap);
}

void
holo_log_debug (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_line ("debug", fmt, ap);
  va_end (ap);
}

void
holo_log_release_error (holo_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  holo_log_error ("%s", (*err)->msg);
  holo_error_release (err);
}
