#define _GNU_SOURCE
#include "commands.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum list_format
{
  LIST_TABLE,
  LIST_JSON,
  LIST_QUIET
};

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Container ids under the root, sorted.  */
static char **
container_ids (const char *root, size_t *n)
{
  cleanup_dir DIR *d = opendir (root);
  char **ids = NULL;
  *n = 0;
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      ids = holo_xrealloc (ids, (*n + 1) * sizeof (char *));
      ids[(*n)++] = holo_xstrdup (de->d_name);
    }
  if (*n)
    qsort (ids, *n, sizeof (char *), compare_names);
  return ids;
}

/* The owner column, as runc's: the user owning the container's state
   directory, "#UID" when it has no name.  Looked up here, not at create:
   an NSS lookup there cost every container start.  */
static char *
state_dir_owner (const char *root, const char *id)
{
  struct stat st;
  cleanup_free char *dir = holo_xasprintf ("%s/%s", root, id);
  if (stat (dir, &st) < 0)
    return holo_xstrdup ("");
  struct passwd *pw = getpwuid (st.st_uid);
  return pw ? holo_xstrdup (pw->pw_name) : holo_xasprintf ("#%u", (unsigned) st.st_uid);
}

int
holo_cmd_list (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  enum list_format fmt = LIST_TABLE;
  int c;
  while ((c = getopt_long (argc, argv, "f:qh", options, NULL)) != -1)
    {
      if (c == 'q')
        fmt = LIST_QUIET;
      else if (c == 'f' && strcmp (optarg, "json") == 0)
        fmt = fmt == LIST_QUIET ? fmt : LIST_JSON;
      else if (c == 'f' && strcmp (optarg, "table") == 0)
        ;
      else if (c == 'f')
        return holo_cmd_usage_error ("list", "invalid format option");
      else if (c == 'h')
        {
          printf ("Usage: holo list [--format table|json] [-q]\n");
          return 0;
        }
      else
        return holo_cmd_usage_error ("list", "invalid option");
    }

  size_t n = 0;
  char **ids = container_ids (g->ctx.root, &n);
  if (fmt == LIST_TABLE)
    printf ("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  if (fmt == LIST_JSON)
    printf ("[");
  bool first = true;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_state struct holo_state *s = NULL;
      cleanup_error holo_error_t err = NULL;
      enum holo_status st;
      if (holo_container_load (&g->ctx, ids[i], &s, &st, &err) < 0)
        {
          free (ids[i]);
          continue; /* being created or deleted right now */
        }
      if (fmt != LIST_QUIET)
        {
          free (s->owner);
          s->owner = state_dir_owner (g->ctx.root, ids[i]);
        }
      if (fmt == LIST_QUIET)
        printf ("%s\n", s->id);
      else if (fmt == LIST_TABLE)
        printf ("%-12s %-8d %-10s %-40s %-30s %s\n", s->id, st == HOLO_STATUS_STOPPED ? 0 : s->pid,
                holo_status_name (st), s->bundle, s->created, s->owner);
      else
        {
          cleanup_free char *json = holo_state_to_json (s, st, false);
          printf ("%s%s", first ? "" : ",", json);
        }
      first = false;
      free (ids[i]);
    }
  free (ids);
  if (fmt == LIST_JSON)
    printf ("]\n");
  return 0;
}
