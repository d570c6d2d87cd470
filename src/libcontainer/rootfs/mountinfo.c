/* Reading /proc/self/mountinfo: what is mounted at which path.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo.  */
static char *
unescape_mountinfo (const char *s)
{
  char *out = holo_xmalloc (strlen (s) + 1);
  char *o = out;

  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
        {
          *o++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}

static bool
parse_mountinfo_line (char *line, struct holo_mountinfo *mi)
{
  char *save = NULL;
  char *field[6];
  char *tok;
  int i;

  memset (mi, 0, sizeof (*mi));
  for (i = 0; i < 6; i++)
    {
      field[i] = strtok_r (i == 0 ? line : NULL, " \n", &save);
      if (field[i] == NULL)
        return false;
    }
  /* Optional fields up to the "-" separator.  */
  while ((tok = strtok_r (NULL, " \n", &save)) && strcmp (tok, "-") != 0)
    if (strncmp (tok, "shared:", 7) == 0)
      mi->shared = true;
  if (tok == NULL)
    return false;
  tok = strtok_r (NULL, " \n", &save);
  if (tok == NULL)
    return false;
  mi->fs_type = holo_xstrdup (tok);
  strtok_r (NULL, " \n", &save); /* source */
  tok = strtok_r (NULL, " \n", &save);
  mi->super_options = holo_xstrdup (tok ? tok : "");
  mi->mount_id = atoi (field[0]);
  mi->root = unescape_mountinfo (field[3]);
  mi->mount_point = unescape_mountinfo (field[4]);
  return true;
}

void
holo_mountinfo_free (struct holo_mountinfo *mi, size_t n)
{
  size_t i;

  for (i = 0; mi && i < n; i++)
    {
      free (mi[i].root);
      free (mi[i].mount_point);
      free (mi[i].fs_type);
      free (mi[i].super_options);
    }
  free (mi);
}

int
holo_read_mountinfo (struct holo_mountinfo **out, size_t *n, holo_error_t *err)
{
  cleanup_file FILE *f = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  struct holo_mountinfo *mi = NULL;
  size_t count = 0, cap = 0, line_cap = 0;

  if (f == NULL)
    return holo_make_error (err, errno, "open `/proc/self/mountinfo`");
  while (getline (&line, &line_cap, f) >= 0)
    {
      if (count == cap)
        {
          cap = cap ? cap * 2 : 64;
          mi = holo_xrealloc (mi, cap * sizeof (*mi));
        }
      if (parse_mountinfo_line (line, &mi[count]))
        count++;
    }
  *out = mi;
  *n = count;
  return 0;
}
