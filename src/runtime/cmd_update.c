/* holo update [--resources FILE|-] [limit flags] ID — runc's flags, plus
   --cpu-shares as another name for runc's --cpu-share.  With --resources the
   document (a runtime-spec LinuxResources object) is all that is applied. */
#define _GNU_SOURCE
#include "commands.h"
#include "libcontainer/cgroups/resources.h"
#include "libcontainer/utils.h"

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

static int
parse_flag (struct holo_resources *r, int opt, const char *name, const char *v)
{
  int64_t n;
  struct holo_res_memory *m = &r->memory;
  struct holo_res_cpu *c = &r->cpu;
  struct holo_opt_i64 *size_target = opt == OPT_MEMORY               ? &m->limit
                                     : opt == OPT_MEMORY_RESERVATION ? &m->reservation
                                     : opt == OPT_MEMORY_SWAP        ? &m->swap
                                     : opt == OPT_KERNEL_MEMORY      ? &m->kernel
                                     : opt == OPT_KERNEL_MEMORY_TCP  ? &m->kernel_tcp
                                                                     : NULL;
  if (size_target)
    {
      if (holo_parse_size (v, &n) < 0)
        return bad_value (name, v, "invalid size");
      *size_target = (struct holo_opt_i64){ true, n };
      return 0;
    }
  if (opt == OPT_CPUSET_CPUS || opt == OPT_CPUSET_MEMS)
    {
      char **target = opt == OPT_CPUSET_CPUS ? &c->cpus : &c->mems;
      free (*target);
      *target = holo_xstrdup (v);
      return 0;
    }
  bool is_signed = opt == OPT_CPU_QUOTA || opt == OPT_CPU_RT_RUNTIME || opt == OPT_PIDS_LIMIT;
  if (parse_int (name, v, is_signed ? INT64_MIN : 0, &n) != 0)
    return 1;
  switch (opt)
    {
    case OPT_CPU_SHARE:
      c->shares = (struct holo_opt_u64){ true, (uint64_t) n };
      break;
    case OPT_CPU_QUOTA:
      c->quota = (struct holo_opt_i64){ true, n };
      break;
    case OPT_CPU_PERIOD:
      c->period = (struct holo_opt_u64){ true, (uint64_t) n };
      break;
    case OPT_CPU_RT_PERIOD:
      c->realtime_period = (struct holo_opt_u64){ true, (uint64_t) n };
      break;
    case OPT_CPU_RT_RUNTIME:
      c->realtime_runtime = (struct holo_opt_i64){ true, n };
      break;
    case OPT_PIDS_LIMIT:
      r->pids_limit = (struct holo_opt_i64){ true, n };
      break;
    case OPT_BLKIO_WEIGHT:
      /* 0 is "no weight" (nothing is written), as in linux.resources.  */
      if (n != 0 && (n < 10 || n > 1000))
        return bad_value (name, v, "must be between 10 and 1000");
      r->blkio.weight = (struct holo_opt_u64){ true, (uint64_t) n };
      break;
    }
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
  cleanup_resources struct holo_resources *flags = holo_resources_new ();
  cleanup_resources struct holo_resources *doc = NULL;
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
          if (parse_flag (flags, c, options[idx].name, optarg) != 0)
            return 1;
        }
    }
  const char *id;
  if (holo_cmd_require_id ("update", argc, argv, optind, &id) != 0)
    return 1;
  holo_error_t err = NULL;
  if (resources_path && read_resources_file (resources_path, &doc, &err) < 0)
    return holo_cmd_fail (&err);
  if (holo_container_update (&g->ctx, id, doc ? doc : flags, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}
