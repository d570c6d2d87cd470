/* holo shim — flat TOML (see toml.h).  One pass over the text, line by
   line; a value is decoded into a scratch buffer and handed to the
   caller, who copies what it keeps.  */
#define _GNU_SOURCE
#include "toml.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

struct parser
{
  const char *p;
  const char *name;
  int line;
  char **seen; /* keys so far, for duplicates */
  size_t n_seen;
};

char *
shim_toml_quote (const char *s)
{
  size_t n = strlen (s);
  char *out = holo_xmalloc (4 * n + 3), *o = out;

  *o++ = '"';
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        o += sprintf (o, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        o += sprintf (o, "\\x%02x", c);
      else
        *o++ = (char) c;
    }
  *o++ = '"';
  *o = '\0';
  return out;
}

static int fail (struct parser *ps, holo_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static int
fail (struct parser *ps, holo_error_t *err, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return holo_make_error (err, 0, "%s:%d: %s", ps->name, ps->line, msg);
}

static void
skip_blank (struct parser *ps)
{
  while (*ps->p == ' ' || *ps->p == '\t')
    ps->p++;
}

static bool
at_line_end (const char *p)
{
  return *p == '\0' || *p == '\n' || (*p == '\r' && p[1] == '\n');
}

/* After a value or on an empty line: blanks, a comment, the end of the
   line.  */
static int
end_line (struct parser *ps, holo_error_t *err)
{
  skip_blank (ps);
  if (*ps->p == '#')
    while (!at_line_end (ps->p))
      ps->p++;
  if (!at_line_end (ps->p))
    return fail (ps, err, "unexpected text after the value");
  if (*ps->p == '\r')
    ps->p++;
  if (*ps->p == '\n')
    {
      ps->p++;
      ps->line++;
    }
  return 0;
}

static bool
bare_key_char (char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int
shim_hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static size_t
put_utf8 (char *o, unsigned long cp)
{
  if (cp < 0x80)
    {
      o[0] = (char) cp;
      return 1;
    }
  if (cp < 0x800)
    {
      o[0] = (char) (0xc0 | (cp >> 6));
      o[1] = (char) (0x80 | (cp & 0x3f));
      return 2;
    }
  if (cp < 0x10000)
    {
      o[0] = (char) (0xe0 | (cp >> 12));
      o[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
      o[2] = (char) (0x80 | (cp & 0x3f));
      return 3;
    }
  o[0] = (char) (0xf0 | (cp >> 18));
  o[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char) (0x80 | (cp & 0x3f));
  return 4;
}

/* \uXXXX or \UXXXXXXXX at *P (past the backslash and the letter).  */
static int
unicode_escape (struct parser *ps, const char **p, int digits, char **o, holo_error_t *err)
{
  unsigned long cp = 0;

  for (int i = 0; i < digits; i++)
    {
      int d = shim_hex_digit ((*p)[i]);
      if (d < 0)
        return fail (ps, err, "\\%c needs %d hexadecimal digits", digits == 4 ? 'u' : 'U', digits);
      cp = cp * 16 + (unsigned long) d;
    }
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return fail (ps, err, "\\%c%.*s is not a character a value may hold", digits == 4 ? 'u' : 'U', digits, *p);
  *p += digits;
  *o += put_utf8 (*o, cp);
  return 0;
}

/* A string starting at ps->p (the quote), decoded into *OUT.  */
static int
parse_string (struct parser *ps, char **out, holo_error_t *err)
{
  char quote = *ps->p;
  const char *p = ps->p + 1;
  cleanup_free char *buf = NULL;
  char *o;

  if (p[0] == quote && p[1] == quote)
    return fail (ps, err, "multi-line strings are not supported here");
  /* Decoding never grows the text.  */
  buf = holo_xmalloc (strlen (p) + 1);
  o = buf;
  for (;;)
    {
      unsigned char c = (unsigned char) *p;

      if (c == '\0' || c == '\n' || c == '\r')
        return fail (ps, err, "the string does not end on its line");
      p++;
      if ((char) c == quote)
        break;
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return fail (ps, err, "a control character (0x%02x) in a string must be escaped", c);
      if (c != '\\' || quote == '\'')
        {
          *o++ = (char) c;
          continue;
        }
      c = (unsigned char) *p++;
      switch (c)
        {
        case 'b':
          *o++ = '\b';
          break;
        case 't':
          *o++ = '\t';
          break;
        case 'n':
          *o++ = '\n';
          break;
        case 'f':
          *o++ = '\f';
          break;
        case 'r':
          *o++ = '\r';
          break;
        case '"':
        case '\\':
          *o++ = (char) c;
          break;
        case 'u':
        case 'U':
          if (unicode_escape (ps, &p, c == 'u' ? 4 : 8, &o, err) < 0)
            return -1;
          break;
        default:
          return fail (ps, err, "unknown escape \\%c in a string", c >= 0x20 && c < 0x7f ? c : '?');
        }
    }
  *o = '\0';
  ps->p = p;
  *out = steal_pointer (&buf);
  return 0;
}

static int
parse_key (struct parser *ps, char **key, holo_error_t *err)
{
  const char *start = ps->p;

  if (*ps->p == '"' || *ps->p == '\'')
    {
      if (parse_string (ps, key, err) < 0)
        return -1;
    }
  else
    {
      while (bare_key_char (*ps->p))
        ps->p++;
      if (ps->p == start)
        return fail (ps, err, "expected a key (letters, digits, '_' or '-') or a [table]");
      *key = holo_xstrndup (start, ps->p - start);
    }
  skip_blank (ps);
  if (*ps->p == '.')
    return fail (ps, err, "dotted keys are not supported here: the options are top-level keys");
  return 0;
}

/* [+-]digits with single '_' between digits; no leading zero.  */
static int
parse_integer (struct parser *ps, const char *key, long long *out, holo_error_t *err)
{
  const char *p = ps->p;
  cleanup_free char *digits = holo_xmalloc (strlen (p) + 1);
  size_t n = 0;
  char *end;

  if (*p == '+' || *p == '-')
    digits[n++] = *p++;
  while ((*p >= '0' && *p <= '9') || (*p == '_' && n > 0 && p[1] >= '0' && p[1] <= '9' && p[-1] != '_'))
    {
      if (*p != '_')
        digits[n++] = *p;
      p++;
    }
  digits[n] = '\0';
  if (n == 0 || (n == 1 && (digits[0] == '+' || digits[0] == '-')) || bare_key_char (*p) || *p == '.')
    return fail (ps, err, "the value of %s must be a string, true, false or an integer", key);
  if ((digits[0] == '0' && n > 1) || ((digits[0] == '+' || digits[0] == '-') && digits[1] == '0' && n > 2))
    return fail (ps, err, "the integer of %s has a leading zero", key);
  errno = 0;
  *out = strtoll (digits, &end, 10);
  if (errno == ERANGE)
    return fail (ps, err, "the integer of %s is out of range", key);
  ps->p = p;
  return 0;
}

static int
parse_value (struct parser *ps, const char *key, struct shim_toml_value *v, char **owned, holo_error_t *err)
{
  memset (v, 0, sizeof (*v));
  if (*ps->p == '"' || *ps->p == '\'')
    {
      if (parse_string (ps, owned, err) < 0)
        return -1;
      v->type = SHIM_TOML_STRING;
      v->str = *owned;
      return 0;
    }
  if (strncmp (ps->p, "true", 4) == 0 && !bare_key_char (ps->p[4]))
    {
      v->type = SHIM_TOML_BOOL;
      v->b = true;
      ps->p += 4;
      return 0;
    }
  if (strncmp (ps->p, "false", 5) == 0 && !bare_key_char (ps->p[5]))
    {
      v->type = SHIM_TOML_BOOL;
      ps->p += 5;
      return 0;
    }
  if (at_line_end (ps->p) || *ps->p == '#')
    return fail (ps, err, "%s has no value", key);
  v->type = SHIM_TOML_INT;
  return parse_integer (ps, key, &v->i, err);
}

static bool
seen_before (struct parser *ps, const char *key)
{
  for (size_t i = 0; i < ps->n_seen; i++)
    if (strcmp (ps->seen[i], key) == 0)
      return true;
  ps->seen = holo_xrealloc (ps->seen, (ps->n_seen + 1) * sizeof (char *));
  ps->seen[ps->n_seen++] = holo_xstrdup (key);
  return false;
}

static int
parse_line (struct parser *ps, shim_toml_fn fn, void *data, holo_error_t *err)
{
  cleanup_free char *key = NULL;
  cleanup_free char *quoted = NULL;
  cleanup_free char *owned = NULL;
  struct shim_toml_value v;
  int line;

  skip_blank (ps);
  if (at_line_end (ps->p) || *ps->p == '#')
    return end_line (ps, err);
  if (*ps->p == '[')
    return fail (ps, err, "tables are not supported here: the options are top-level keys");
  if (parse_key (ps, &key, err) < 0)
    return -1;
  quoted = shim_toml_quote (key);
  if (*ps->p != '=')
    return fail (ps, err, "expected '=' after the key %s", quoted);
  ps->p++;
  skip_blank (ps);
  if (*ps->p == '[' || *ps->p == '{')
    return fail (ps, err, "the value of %s must be a string, true, false or an integer", quoted);
  if (parse_value (ps, quoted, &v, &owned, err) < 0)
    return -1;
  if (seen_before (ps, key))
    return fail (ps, err, "%s is given twice", quoted);
  line = ps->line;
  if (end_line (ps, err) < 0)
    return -1;
  if (fn (data, key, &v, err) < 0)
    return holo_error_prefix (err, "%s:%d", ps->name, line);
  return 0;
}

int
shim_toml_parse (const char *text, const char *name, shim_toml_fn fn, void *data, holo_error_t *err)
{
  struct parser ps = { .p = text, .name = name, .line = 1 };
  int ret = 0;

  while (*ps.p && ret == 0)
    ret = parse_line (&ps, fn, data, err);
  for (size_t i = 0; i < ps.n_seen; i++)
    free (ps.seen[i]);
  free (ps.seen);
  return ret;
}
