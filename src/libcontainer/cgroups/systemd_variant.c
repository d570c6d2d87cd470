/* GVariant text values, the format of org.systemd.property.* annotations
   (runc parses them with godbus's ParseVariant): "true", "42" (int32),
   "1.5" (double), "'text'" or "\"text\"", "[1, 2]", a type keyword
   ("uint64 7", "int16 -3", "double 2") or a type annotation ("@t 7",
   "@as []").  What a unit property can hold: basic types and arrays of
   them.  Anything else (nested arrays, dictionaries, tuples, variants) is
   refused with an error saying where.  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct parser
{
  const char *text;
  const char *p;
};

static void
skip_space (struct parser *ps)
{
  while (isspace ((unsigned char) *ps->p))
    ps->p++;
}

static int
fail (struct parser *ps, holo_error_t *err, const char *what)
{
  return holo_make_error (err, 0, "%s at offset %d", what, (int) (ps->p - ps->text));
}

/* Type keywords and their codes.  */
static const struct
{
  const char *word;
  char type;
} keywords[] = {
  { "boolean", 'b' }, { "byte", 'y' },   { "int16", 'n' },      { "uint16", 'q' },
  { "int32", 'i' },   { "uint32", 'u' }, { "int64", 'x' },      { "uint64", 't' },
  { "double", 'd' },  { "string", 's' }, { "objectpath", 'o' }, { "signature", 'g' },
};

static bool
is_basic (char t)
{
  return t && strchr ("bynqiuxtdsog", t) != NULL;
}

static bool
word_at (struct parser *ps, const char *word)
{
  size_t n = strlen (word);
  return strncmp (ps->p, word, n) == 0 && !isalnum ((unsigned char) ps->p[n]) && ps->p[n] != '_';
}

static int
parse_string (struct parser *ps, struct holo_sd_val *v, holo_error_t *err)
{
  char quote = *ps->p++;
  char *buf = holo_xmalloc (strlen (ps->p) + 1);
  size_t n = 0;
  for (;;)
    {
      char c = *ps->p++;
      if (c == '\0')
        {
          free (buf);
          ps->p--;
          return fail (ps, err, "unterminated string");
        }
      if (c == quote)
        break;
      if (c == '\\')
        {
          c = *ps->p++;
          switch (c)
            {
            case 'n':
              c = '\n';
              break;
            case 't':
              c = '\t';
              break;
            case 'r':
              c = '\r';
              break;
            case '\0':
              free (buf);
              ps->p--;
              return fail (ps, err, "unterminated string");
            default:
              break; /* \\ \' \" and any other character as itself */
            }
        }
      buf[n++] = c;
    }
  buf[n] = '\0';
  v->type = 's';
  v->s = buf;
  return 0;
}

/* The range of each integer type.  */
static bool
int_fits (char type, long double x)
{
  switch (type)
    {
    case 'y':
      return x >= 0 && x <= UINT8_MAX;
    case 'n':
      return x >= INT16_MIN && x <= INT16_MAX;
    case 'q':
      return x >= 0 && x <= UINT16_MAX;
    case 'i':
      return x >= INT32_MIN && x <= INT32_MAX;
    case 'u':
      return x >= 0 && x <= UINT32_MAX;
    case 'x':
      return x >= (long double) INT64_MIN && x <= (long double) INT64_MAX;
    case 't':
      return x >= 0 && x <= (long double) UINT64_MAX;
    }
  return false;
}

static int
parse_number (struct parser *ps, char hint, struct holo_sd_val *v, holo_error_t *err)
{
  const char *start = ps->p;
  bool negative = *ps->p == '-';
  if (*ps->p == '-' || *ps->p == '+')
    ps->p++;
  const char *digits = ps->p;
  bool hex = ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X');
  if (hex)
    ps->p += 2;
  while (isalnum ((unsigned char) *ps->p) || *ps->p == '.'
         || ((*ps->p == '-' || *ps->p == '+') && !hex && (ps->p[-1] == 'e' || ps->p[-1] == 'E')))
    ps->p++;
  cleanup_free char *tok = holo_xstrndup (digits, (size_t) (ps->p - digits));
  bool floating = !hex && strpbrk (tok, ".eE") != NULL;
  if (hint == 'd' || (hint == 0 && floating))
    {
      cleanup_free char *whole = holo_xstrndup (start, (size_t) (ps->p - start));
      char *end;
      errno = 0;
      double d = strtod (whole, &end);
      if (*end || errno || !isfinite (d))
        return fail (ps, err, "not a number");
      v->type = 'd';
      v->d = d;
      return 0;
    }
  if (floating)
    return fail (ps, err, "a floating-point number for an integer type");
  char *end;
  errno = 0;
  unsigned long long mag = strtoull (tok, &end, hex ? 16 : 10);
  if (*end || errno || *tok == '\0')
    return fail (ps, err, "not a number");
  char type = hint ? hint : 'i';
  long double x = negative ? -(long double) mag : (long double) mag;
  if (!int_fits (type, x))
    return fail (ps, err, "number out of range for its type");
  v->type = type;
  if (strchr ("nix", type))
    v->i = negative ? -(int64_t) mag : (int64_t) mag;
  else
    v->u = mag;
  return 0;
}

/* One basic value; HINT is the type it must have (0: infer).  */
static int
parse_basic (struct parser *ps, char hint, struct holo_sd_val *v, holo_error_t *err)
{
  skip_space (ps);
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (word_at (ps, keywords[i].word))
      {
        if (hint && hint != keywords[i].type)
          return fail (ps, err, "type keyword does not match the array's element type");
        ps->p += strlen (keywords[i].word);
        return parse_basic (ps, keywords[i].type, v, err);
      }
  if (word_at (ps, "true") || word_at (ps, "false"))
    {
      if (hint && hint != 'b')
        return fail (ps, err, "a boolean where another type is expected");
      v->type = 'b';
      v->b = *ps->p == 't';
      ps->p += v->b ? 4 : 5;
      return 0;
    }
  if (*ps->p == '\'' || *ps->p == '"')
    {
      if (hint && hint != 's' && hint != 'o' && hint != 'g')
        return fail (ps, err, "a string where another type is expected");
      if (parse_string (ps, v, err) < 0)
        return -1;
      v->type = hint ? hint : 's';
      return 0;
    }
  if (isdigit ((unsigned char) *ps->p) || *ps->p == '-' || *ps->p == '+' || *ps->p == '.')
    {
      if (hint && strchr ("bsog", hint))
        return fail (ps, err, "a number where another type is expected");
      return parse_number (ps, hint, v, err);
    }
  if (*ps->p == '[' || *ps->p == '(' || *ps->p == '{' || *ps->p == '<')
    return fail (ps, err, "only basic values and arrays of them are supported");
  return fail (ps, err, "unexpected text");
}

/* "[v, v, ...]" of one basic type (ELEM, or the first element's).  */
static int
parse_array (struct parser *ps, char elem, struct holo_sd_prop *out, holo_error_t *err)
{
  ps->p++; /* '[' */
  skip_space (ps);
  if (*ps->p == ']')
    {
      if (elem == 0)
        return fail (ps, err, "an empty array needs a type annotation (\"@as []\")");
      ps->p++;
    }
  else
    for (;;)
      {
        struct holo_sd_val v = { 0 };
        if (parse_basic (ps, elem, &v, err) < 0)
          return -1;
        holo_sd_prop_push (out, v);
        if (elem == 0)
          elem = v.type;
        skip_space (ps);
        if (*ps->p == ',')
          {
            ps->p++;
            continue;
          }
        if (*ps->p != ']')
          return fail (ps, err, "expected `,` or `]`");
        ps->p++;
        break;
      }
  free (out->sig);
  out->sig = holo_xasprintf ("a%c", elem);
  return 0;
}

int
holo_gvariant_parse (const char *text, struct holo_sd_prop *p, holo_error_t *err)
{
  struct parser ps = { text, text };
  char elem = 0, type = 0;
  bool array = false;
  skip_space (&ps);
  if (*ps.p == '@')
    {
      ps.p++;
      if (*ps.p == 'a')
        {
          array = true;
          ps.p++;
        }
      if (!is_basic (*ps.p))
        return fail (&ps, err, "unsupported type annotation");
      if (array)
        elem = *ps.p++;
      else
        type = *ps.p++;
      if (!isspace ((unsigned char) *ps.p) && *ps.p != '[' && *ps.p != '\'' && *ps.p != '"')
        return fail (&ps, err, "unsupported type annotation");
      skip_space (&ps);
    }
  if (array || *ps.p == '[')
    {
      if (*ps.p != '[')
        return fail (&ps, err, "expected an array");
      if (parse_array (&ps, elem, p, err) < 0)
        return -1;
    }
  else
    {
      struct holo_sd_val v = { 0 };
      if (parse_basic (&ps, type, &v, err) < 0)
        return -1;
      holo_sd_prop_push (p, v);
      free (p->sig);
      p->sig = holo_xasprintf ("%c", v.type);
    }
  skip_space (&ps);
  if (*ps.p)
    return fail (&ps, err, "unexpected text after the value");
  return 0;
}
