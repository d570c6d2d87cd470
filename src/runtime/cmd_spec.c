#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int
holo_cmd_spec (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  int c;
  while ((c = getopt_long (argc, argv, "b:h", options, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == 'r')
        rootless = true;
      else if (c == 'h')
        {
          printf ("Usage: holo spec [--bundle DIR] [--rootless]\n\nWrites a config.json template into DIR.\n");
          return 0;
        }
      else
        return holo_cmd_usage_error ("spec", "invalid option");
    }
  if (optind != argc)
    return holo_cmd_usage_error ("spec", "\"spec\" requires exactly 0 argument(s)");

  holo_error_t err = NULL;
  cleanup_close int dfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      holo_make_error (&err, errno, "open bundle directory `%s`", bundle);
      return holo_cmd_fail (&err);
    }
  if (faccessat (dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    {
      holo_make_error (&err, 0, "File config.json exists. Remove it first");
      return holo_cmd_fail (&err);
    }
  cleanup_free char *json = holo_spec_default_json (rootless);
  if (holo_write_file_at (dfd, "config.json", json, strlen (json), &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
