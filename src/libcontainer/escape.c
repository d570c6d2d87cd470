/* Control characters escaped for messages (see escape.h).  */
#define _GNU_SOURCE
#include "escape.h"
#include "alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (1-4), or 0 when it is not one
   (overlong forms, surrogates and values above U+10FFFF are not).  */
static size_t
utf8_length (const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  unsigned min, cp;

  if (c < 0x80)
    return 1;
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

char *
holo_escape_control (const char *s)
{
  const unsigned char *p = (const unsigned char *) s;
  /* The longest replacement, "\u0085" or "\xff", is 6 bytes for 1 or 2. */
  char *out = holo_xmalloc (strlen (s) * 6 + 1);
  size_t o = 0;

  while (*p)
    {
      size_t n = utf8_length (p);
      if (n == 1 && (*p < 0x20 || *p == 0x7f))
        {
          if (*p == '\n')
            o += (size_t) sprintf (out + o, "\\n");
          else if (*p == '\r')
            o += (size_t) sprintf (out + o, "\\r");
          else if (*p == '\t')
            o += (size_t) sprintf (out + o, "\\t");
          else
            o += (size_t) sprintf (out + o, "\\x%02x", *p);
        }
      else if (n == 0)
        {
          o += (size_t) sprintf (out + o, "\\x%02x", *p);
          n = 1;
        }
      else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
        o += (size_t) sprintf (out + o, "\\u%04x", p[1]); /* U+0080..U+009F */
      else
        {
          memcpy (out + o, p, n);
          o += n;
        }
      p += n;
    }
  out[o] = '\0';
  return out;
}
