/* holo events [--stats] [--interval DURATION] ID — JSON lines of the
   container's statistics (every interval) and OOM events, like runc's.  */
#define _GNU_SOURCE
#include "commands.h"

#include <ctype.h>
#include <string.h>

/* A Go-style duration: "5s", "100ms", "1m30s", "1.5s" (units ns, us, ms, s,
   m, h); milliseconds in *OUT.  */
static int
parse_duration (const char *s, unsigned *out)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 },  { "ms", 1 },
                { "s", 1000 },  { "m", 60000 }, { "h", 3600000 } };
  double total = 0;
  if (*s == '\0')
    return -1;
  while (*s)
    {
      char *end;
      double v = strtod (s, &end);
      if (end == s || v < 0 || !isdigit ((unsigned char) *s))
        return -1;
      size_t ulen = 0;
      double mult = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        {
          size_t l = strlen (units[i].unit);
          if (strncmp (end, units[i].unit, l) == 0 && l > ulen)
            {
              ulen = l;
              mult = units[i].ms;
            }
        }
      if (ulen == 0)
        return -1;
      total += v * mult;
      s = end + ulen;
    }
  if (total < 1 || total > 86400000.0 * 365)
    return -1;
  *out = (unsigned) total;
  return 0;
}

int
holo_cmd_events (struct holo_global *g, int argc, char **argv)
{
  enum
  {
    OPT_INTERVAL = 256,
    OPT_STATS
  };
  static const struct option options[] = {
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { "stats", no_argument, NULL, OPT_STATS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  unsigned interval_ms = 5000;
  bool stats = false;
  int c;
  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_INTERVAL:
          if (parse_duration (optarg, &interval_ms) < 0)
            return holo_cmd_usage_error ("events", "invalid --interval `%s`: expected a duration such as 5s or 500ms",
                                         optarg);
          break;
        case OPT_STATS:
          stats = true;
          break;
        case 'h':
          printf ("Usage: holo events [--stats] [--interval DURATION] <container-id>\n\n"
                  "  --stats              print one statistics event and exit\n"
                  "  --interval DURATION  statistics interval (default 5s)\n");
          return 0;
        default:
          return holo_cmd_usage_error ("events", "invalid option");
        }
    }
  const char *id;
  if (holo_cmd_require_id ("events", argc, argv, optind, &id) != 0)
    return 1;
  holo_error_t err = NULL;
  if (holo_container_events (&g->ctx, id, interval_ms, stats, stdout, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
