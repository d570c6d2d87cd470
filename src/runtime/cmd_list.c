#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
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

  struct holo_container_summary *list = NULL;
  size_t n = 0;
  holo_error_t err = NULL;
  if (holo_container_list (&g->ctx, &list, &n, &err) < 0)
    return holo_cmd_fail (&err);
  if (fmt == LIST_TABLE)
    printf ("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  if (fmt == LIST_JSON)
    printf ("[");
  for (size_t i = 0; i < n; i++)
    {
      const struct holo_container_summary *c = &list[i];
      if (fmt == LIST_QUIET)
        printf ("%s\n", c->id);
      else if (fmt == LIST_TABLE)
        printf ("%-12s %-8d %-10s %-40s %-30s %s\n", c->id, (int) c->pid, holo_status_name (c->status), c->bundle,
                c->created, c->owner);
      else
        printf ("%s%s", i ? "," : "", c->state_json);
    }
  holo_container_summaries_free (list, n);
  if (fmt == LIST_JSON)
    printf ("]\n");
  return 0;
}
