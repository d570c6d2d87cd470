/* holo update [--resources FILE|-] [limit flags] ID — runc's flags, plus
   --cpu-shares as another name for runc's --cpu-share.  With --resources the
   document (a runtime-spec LinuxResources object) is all that is applied. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

enum
{
  OPT_MEMORY = 256,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARE,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
  OPT_L3_CACHE,
  OPT_MEM_BW,
};

static const struct option options[] = {
  { "resources", required_argument, NULL, 'r' },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
  { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE },
  { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
usage (void)
{
  printf ("Usage: holo update [command options] <container-id>\n\n"
          "  -r, --resources FILE|-      a runtime-spec linux.resources JSON document (- for stdin);\n"
          "                              all other options are then ignored\n"
          "  --memory SIZE               memory limit (512m, 1g, ... or -1)\n"
          "  --memory-reservation SIZE   memory soft limit\n"
          "  --memory-swap SIZE          memory + swap limit (-1: unlimited swap)\n"
          "  --kernel-memory SIZE        kernel memory limit (cgroup v1; no effect since Linux 5.16)\n"
          "  --kernel-memory-tcp SIZE    kernel TCP buffer limit (cgroup v1)\n"
          "  --cpu-share(s) N            CPU shares (relative weight)\n"
          "  --cpu-quota N               CFS quota in microseconds per period (-1: none)\n"
          "  --cpu-period N              CFS period in microseconds\n"
          "  --cpu-rt-period N           realtime period in microseconds\n"
          "  --cpu-rt-runtime N          realtime runtime in microseconds per period\n"
          "  --cpuset-cpus LIST          CPUs to use (0-3,5)\n"
          "  --cpuset-mems LIST          memory nodes to use\n"
          "  --pids-limit N              maximum number of tasks (-1: unlimited)\n"
          "  --blkio-weight N            block I/O weight (10-1000)\n");
}

static int
bad_value (const char *flag, const char *value, const char *why)
{
  return holo_cmd_usage_error ("update", "invalid value for %s: %s: '%s'", flag, why, value);
}

static int
parse_int (const char *flag, const char *s, int64_t min, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s || *end || v < min)
    return bad_value (flag, s, "invalid number");
  *out = v;
  return 0;
}

/* Where each limit flag goes in the LinuxResources document: the flags are
   another way of writing one, parsed and checked by the same code as
   --resources.  */
enum flag_kind
{
  FLAG_SIZE,
  FLAG_UNSIGNED,
  FLAG_SIGNED,
  FLAG_STRING
};

struct flag_target
{
  int opt;
  const char *object;
  const char *key;
  enum flag_kind kind;
};

static const struct flag_target flag_targets[] = {
  { OPT_MEMORY, "memory", "limit", FLAG_SIZE },
  { OPT_MEMORY_RESERVATION, "memory", "reservation", FLAG_SIZE },
  { OPT_MEMORY_SWAP, "memory", "swap", FLAG_SIZE },
  { OPT_KERNEL_MEMORY, "memory", "kernel", FLAG_SIZE },
  { OPT_KERNEL_MEMORY_TCP, "memory", "kernelTCP", FLAG_SIZE },
  { OPT_CPU_SHARE, "cpu", "shares", FLAG_UNSIGNED },
  { OPT_CPU_QUOTA, "cpu", "quota", FLAG_SIGNED },
  { OPT_CPU_PERIOD, "cpu", "period", FLAG_UNSIGNED },
  { OPT_CPU_RT_PERIOD, "cpu", "realtimePeriod", FLAG_UNSIGNED },
  { OPT_CPU_RT_RUNTIME, "cpu", "realtimeRuntime", FLAG_SIGNED },
  { OPT_CPUSET_CPUS, "cpu", "cpus", FLAG_STRING },
  { OPT_CPUSET_MEMS, "cpu", "mems", FLAG_STRING },
  { OPT_PIDS_LIMIT, "pids", "limit", FLAG_SIGNED },
  { OPT_BLKIO_WEIGHT, "blockIO", "weight", FLAG_UNSIGNED },
};
#define N_FLAG_TARGETS (sizeof flag_targets / sizeof flag_targets[0])

/* The last value given for each flag (NULL = not given).  */
struct flag_values
{
  const char *value[N_FLAG_TARGETS];
  const char *name[N_FLAG_TARGETS];
};

static int
record_flag (struct flag_values *fv, int opt, const char *name, const char *v)
{
  for (size_t i = 0; i < N_FLAG_TARGETS; i++)
    if (flag_targets[i].opt == opt)
      {
        fv->value[i] = v;
        fv->name[i] = name;
        return 0;
      }
  return holo_cmd_usage_error ("update", "invalid option");
}

static int
check_flag (const struct flag_target *t, const char *name, const char *v, int64_t *n)
{
  switch (t->kind)
    {
    case FLAG_STRING:
      return 0;
    case FLAG_SIZE:
      if (holo_parse_size (v, n) < 0)
        return bad_value (name, v, "invalid size");
      return 0;
    case FLAG_SIGNED:
      return parse_int (name, v, INT64_MIN, n);
    case FLAG_UNSIGNED:
      if (parse_int (name, v, 0, n) != 0)
        return 1;
      /* 0 is "no weight" (nothing is written), as in linux.resources.  */
      if (t->opt == OPT_BLKIO_WEIGHT && *n != 0 && (*n < 10 || *n > 1000))
        return bad_value (name, v, "must be between 10 and 1000");
      return 0;
    }
  return 0;
}

/* The flags given, as a LinuxResources JSON document.  */
static int
flags_to_json (const struct flag_values *fv, char **json, size_t *len)
{
  static const char *const objects[] = { "memory", "cpu", "pids", "blockIO" };
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  for (size_t o = 0; o < sizeof objects / sizeof objects[0]; o++)
    {
      bool open = false;
      for (size_t i = 0; i < N_FLAG_TARGETS; i++)
        {
          const struct flag_target *t = &flag_targets[i];
          int64_t n = 0;
          if (fv->value[i] == NULL || strcmp (t->object, objects[o]) != 0)
            continue;
          if (check_flag (t, fv->name[i], fv->value[i], &n) != 0)
            {
              yajl_gen_free (g);
              return 1;
            }
          if (!open)
            {
              holo_json_str (g, objects[o]);
              yajl_gen_map_open (g);
              open = true;
            }
          if (t->kind == FLAG_STRING)
            holo_json_key_str (g, t->key, fv->value[i]);
          else if (t->kind == FLAG_UNSIGNED)
            holo_json_key_u64 (g, t->key, (uint64_t) n);
          else
            holo_json_key_int (g, t->key, n);
        }
      if (open)
        yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  *json = holo_json_finish (g, len);
  return 0;
}

static int
read_resources_file (const char *path, struct holo_resources **out, holo_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (strcmp (path, "-") == 0)
    {
      size_t cap = 0;
      char buf[4096];
      size_t n;
      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
        {
          if (len + n + 1 > cap)
            text = holo_xrealloc (text, cap = (len + n + 1) * 2);
          memcpy (text + len, buf, n);
          len += n;
        }
      if (ferror (stdin))
        return holo_make_error (err, errno, "read resources from stdin");
      if (text == NULL)
        text = holo_xstrdup ("");
    }
  else if (holo_read_file (path, &text, &len, err) < 0)
    return -1;
  return holo_resources_parse_json (text, len, "resources", out, err);
}

int
holo_cmd_update (struct holo_global *g, int argc, char **argv)
{
  struct flag_values fv = { 0 };
  cleanup_resources struct holo_resources *res = NULL;
  const char *resources_path = NULL;
  int c, idx;

  while ((c = getopt_long (argc, argv, "r:h", options, &idx)) != -1)
    {
      switch (c)
        {
        case 'r':
          resources_path = optarg;
          break;
        case 'h':
          usage ();
          return 0;
        case OPT_L3_CACHE:
        case OPT_MEM_BW:
          return holo_cmd_usage_error ("update", "--%s: Intel RDT is not supported by holo", options[idx].name);
        case '?':
          return holo_cmd_usage_error ("update", "invalid option");
        default:
          if (record_flag (&fv, c, options[idx].name, optarg) != 0)
            return 1;
        }
    }
  const char *id;
  if (holo_cmd_require_id ("update", argc, argv, optind, &id) != 0)
    return 1;
  holo_error_t err = NULL;
  if (resources_path)
    {
      if (read_resources_file (resources_path, &res, &err) < 0)
        return holo_cmd_fail (&err);
    }
  else
    {
      cleanup_free char *json = NULL;
      size_t len = 0;
      if (flags_to_json (&fv, &json, &len) != 0)
        return 1;
      if (holo_resources_parse_json (json, len, "update flags", &res, &err) < 0)
        return holo_cmd_fail (&err);
    }
  if (holo_container_update (&g->ctx, id, res, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
