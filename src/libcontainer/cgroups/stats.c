/* Statistics of a cgroup, as the "data" object of runc's `events` (the
   fields of runc's types.Stats): cpu, memory, pids, blkio, hugetlb.  Values
   a hierarchy does not have are left out or zero; "unlimited" is the
   largest uint64 on v2 and what the kernel prints on v1.  */
#define _GNU_SOURCE
#include "resources.h"
#include "../json.h"
#include "cgroups.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

/* KEY: the first number in DIR/FILE (0 when missing).  */
static void
gen_file_u64 (yajl_gen g, const char *key, const char *dir, const char *file)
{
  uint64_t v = 0;
  if (dir)
    holo_cg_read_u64 (dir, file, &v);
  holo_json_key_u64 (g, key, v);
}

static uint64_t
keyed (const char *dir, const char *file, const char *key)
{
  uint64_t v = 0;
  if (dir)
    holo_cg_read_keyed (dir, file, key, &v);
  return v;
}

/* KEY: [n, n, ...] from a file of space-separated numbers.  */
static void
gen_number_list (yajl_gen g, const char *key, const char *dir, const char *file)
{
  cleanup_free char *buf = NULL;
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  if (dir && holo_cg_read (dir, file, &buf, NULL) == 0)
    for (char *tok = strtok (buf, " \n"); tok; tok = strtok (NULL, " \n"))
      holo_json_u64 (g, strtoull (tok, NULL, 10));
  yajl_gen_array_close (g);
}

/* "raw": every "key value" line of a flat-keyed file.  */
static void
gen_flat_keyed (yajl_gen g, const char *key, const char *dir, const char *file)
{
  cleanup_free char *buf = NULL;
  holo_json_str (g, key);
  yajl_gen_map_open (g);
  if (dir && holo_cg_read (dir, file, &buf, NULL) == 0)
    for (char *line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
      {
        char *sp = strchr (line, ' ');
        if (sp == NULL)
          continue;
        *sp = '\0';
        holo_json_key_u64 (g, line, strtoull (sp + 1, NULL, 10));
      }
  yajl_gen_map_close (g);
}

/* ---- cpu ---- */

static void
gen_cpu_v1 (yajl_gen g, const char *path)
{
  cleanup_free char *acct = holo_cgroup_controller_dir (path, "cpuacct");
  cleanup_free char *cpu = holo_cgroup_controller_dir (path, "cpu");
  long hz = sysconf (_SC_CLK_TCK);
  uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / (uint64_t) hz : 10000000ULL;

  holo_json_str (g, "cpu");
  yajl_gen_map_open (g);
  holo_json_str (g, "usage");
  yajl_gen_map_open (g);
  gen_file_u64 (g, "total", acct, "cpuacct.usage");
  gen_number_list (g, "percpu", acct, "cpuacct.usage_percpu");
  gen_number_list (g, "percpu_kernel", acct, "cpuacct.usage_percpu_sys");
  gen_number_list (g, "percpu_user", acct, "cpuacct.usage_percpu_user");
  holo_json_key_u64 (g, "kernel", keyed (acct, "cpuacct.stat", "system") * ns_per_tick);
  holo_json_key_u64 (g, "user", keyed (acct, "cpuacct.stat", "user") * ns_per_tick);
  yajl_gen_map_close (g);
  holo_json_str (g, "throttling");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "periods", keyed (cpu, "cpu.stat", "nr_periods"));
  holo_json_key_u64 (g, "throttled_periods", keyed (cpu, "cpu.stat", "nr_throttled"));
  holo_json_key_u64 (g, "throttled_time", keyed (cpu, "cpu.stat", "throttled_time"));
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
gen_cpu_v2 (yajl_gen g, const char *dir)
{
  holo_json_str (g, "cpu");
  yajl_gen_map_open (g);
  holo_json_str (g, "usage");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "total", keyed (dir, "cpu.stat", "usage_usec") * 1000);
  holo_json_key_u64 (g, "kernel", keyed (dir, "cpu.stat", "system_usec") * 1000);
  holo_json_key_u64 (g, "user", keyed (dir, "cpu.stat", "user_usec") * 1000);
  yajl_gen_map_close (g);
  holo_json_str (g, "throttling");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "periods", keyed (dir, "cpu.stat", "nr_periods"));
  holo_json_key_u64 (g, "throttled_periods", keyed (dir, "cpu.stat", "nr_throttled"));
  holo_json_key_u64 (g, "throttled_time", keyed (dir, "cpu.stat", "throttled_usec") * 1000);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* ---- memory ---- */

/* {usage, max, failcnt, limit} from "memory.<PREFIX>usage_in_bytes" ...  */
static void
gen_memory_data_v1 (yajl_gen g, const char *key, const char *dir, const char *prefix)
{
  cleanup_free char *usage = holo_xasprintf ("memory.%susage_in_bytes", prefix);
  cleanup_free char *max = holo_xasprintf ("memory.%smax_usage_in_bytes", prefix);
  cleanup_free char *failcnt = holo_xasprintf ("memory.%sfailcnt", prefix);
  cleanup_free char *limit = holo_xasprintf ("memory.%slimit_in_bytes", prefix);
  holo_json_str (g, key);
  yajl_gen_map_open (g);
  gen_file_u64 (g, "usage", dir, usage);
  gen_file_u64 (g, "max", dir, max);
  gen_file_u64 (g, "failcnt", dir, failcnt);
  gen_file_u64 (g, "limit", dir, limit);
  yajl_gen_map_close (g);
}

static void
gen_memory_v1 (yajl_gen g, const char *path)
{
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "memory");
  holo_json_str (g, "memory");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "cache", keyed (dir, "memory.stat", "cache"));
  gen_memory_data_v1 (g, "usage", dir, "");
  gen_memory_data_v1 (g, "swap", dir, "memsw.");
  gen_memory_data_v1 (g, "kernel", dir, "kmem.");
  gen_memory_data_v1 (g, "kernelTCP", dir, "kmem.tcp.");
  gen_flat_keyed (g, "raw", dir, "memory.stat");
  yajl_gen_map_close (g);
}

static void
gen_memory_v2 (yajl_gen g, const char *dir)
{
  uint64_t usage = 0, limit = UINT64_MAX, peak = 0, swap = 0, swap_limit = UINT64_MAX;
  holo_cg_read_u64 (dir, "memory.current", &usage);
  holo_cg_read_u64 (dir, "memory.max", &limit);
  holo_cg_read_u64 (dir, "memory.peak", &peak);
  holo_cg_read_u64 (dir, "memory.swap.current", &swap);
  holo_cg_read_u64 (dir, "memory.swap.max", &swap_limit);
  holo_json_str (g, "memory");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "cache", keyed (dir, "memory.stat", "file"));
  holo_json_str (g, "usage");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "usage", usage);
  holo_json_key_u64 (g, "max", peak);
  holo_json_key_u64 (g, "failcnt", keyed (dir, "memory.events", "max"));
  holo_json_key_u64 (g, "limit", limit);
  yajl_gen_map_close (g);
  /* Reported as memory + swap, as cgroup v1 counts it.  */
  holo_json_str (g, "swap");
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "usage", swap + usage);
  holo_json_key_u64 (g, "limit", swap_limit == UINT64_MAX || limit == UINT64_MAX ? UINT64_MAX : swap_limit + limit);
  yajl_gen_map_close (g);
  gen_flat_keyed (g, "raw", dir, "memory.stat");
  yajl_gen_map_close (g);
}

/* ---- pids ---- */

static void
gen_pids (yajl_gen g, const char *dir)
{
  uint64_t limit = 0;
  holo_json_str (g, "pids");
  yajl_gen_map_open (g);
  gen_file_u64 (g, "current", dir, "pids.current");
  /* "max" is reported as 0, as runc does.  */
  if (dir && holo_cg_read_u64 (dir, "pids.max", &limit) == 0 && limit == UINT64_MAX)
    limit = 0;
  holo_json_key_u64 (g, "limit", limit);
  yajl_gen_map_close (g);
}

/* ---- blkio ---- */

static void
gen_blkio_entry (yajl_gen g, unsigned major, unsigned minor, const char *op, uint64_t value)
{
  yajl_gen_map_open (g);
  holo_json_key_u64 (g, "major", major);
  holo_json_key_u64 (g, "minor", minor);
  holo_json_str (g, "op");
  holo_json_str (g, op);
  holo_json_key_u64 (g, "value", value);
  yajl_gen_map_close (g);
}

/* v1 "MAJ:MIN Op VALUE" lines (the "Total" line has no device).  */
static void
gen_blkio_v1_list (yajl_gen g, const char *key, const char *dir, const char *file)
{
  cleanup_free char *buf = NULL;
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  if (dir && holo_cg_read (dir, file, &buf, NULL) == 0)
    for (char *line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
      {
        unsigned major, minor;
        char op[32];
        unsigned long long value;
        if (sscanf (line, "%u:%u %31s %llu", &major, &minor, op, &value) == 4)
          gen_blkio_entry (g, major, minor, op, value);
      }
  yajl_gen_array_close (g);
}

static void
gen_blkio_v1 (yajl_gen g, const char *path)
{
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "blkio");
  holo_json_str (g, "blkio");
  yajl_gen_map_open (g);
  gen_blkio_v1_list (g, "ioServiceBytesRecursive", dir, "blkio.throttle.io_service_bytes_recursive");
  gen_blkio_v1_list (g, "ioServicedRecursive", dir, "blkio.throttle.io_serviced_recursive");
  yajl_gen_map_close (g);
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void
gen_io_v2_list (yajl_gen g, const char *key, const char *stat, const char *read_key, const char *write_key)
{
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  cleanup_free char *copy = holo_xstrdup (stat ? stat : "");
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned major, minor;
      if (sscanf (line, "%u:%u", &major, &minor) != 2)
        continue;
      const char *keys[2] = { read_key, write_key };
      const char *ops[2] = { "Read", "Write" };
      for (int i = 0; i < 2; i++)
        {
          cleanup_free char *pat = holo_xasprintf (" %s=", keys[i]);
          char *p = strstr (line, pat);
          if (p)
            gen_blkio_entry (g, major, minor, ops[i], strtoull (p + strlen (pat), NULL, 10));
        }
    }
  yajl_gen_array_close (g);
}

static void
gen_io_v2 (yajl_gen g, const char *dir)
{
  cleanup_free char *stat = NULL;
  holo_cg_read (dir, "io.stat", &stat, NULL);
  holo_json_str (g, "blkio");
  yajl_gen_map_open (g);
  gen_io_v2_list (g, "ioServiceBytesRecursive", stat, "rbytes", "wbytes");
  gen_io_v2_list (g, "ioServicedRecursive", stat, "rios", "wios");
  yajl_gen_map_close (g);
}

/* ---- hugetlb ---- */

/* "hugepages-2048kB" -> "2MB", the name hugetlb's files use.  */
static char *
page_size_name (const char *dirent_name)
{
  unsigned long long kb;
  if (sscanf (dirent_name, "hugepages-%llukB", &kb) != 1)
    return NULL;
  const char *units[] = { "KB", "MB", "GB", "TB" };
  int u = 0;
  while (kb >= 1024 && kb % 1024 == 0 && u < 3)
    {
      kb /= 1024;
      u++;
    }
  return holo_xasprintf ("%llu%s", kb, units[u]);
}

static void
gen_hugetlb (yajl_gen g, const char *dir, bool v2)
{
  holo_json_str (g, "hugetlb");
  yajl_gen_map_open (g);
  cleanup_dir DIR *d = dir ? opendir ("/sys/kernel/mm/hugepages") : NULL;
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      cleanup_free char *size = page_size_name (de->d_name);
      if (size == NULL)
        continue;
      cleanup_free char *usage = holo_xasprintf ("hugetlb.%s.%s", size, v2 ? "current" : "usage_in_bytes");
      cleanup_free char *max = holo_xasprintf ("hugetlb.%s.max_usage_in_bytes", size);
      cleanup_free char *failcnt = holo_xasprintf ("hugetlb.%s.failcnt", size);
      cleanup_free char *events = holo_xasprintf ("hugetlb.%s.events", size);
      if (!holo_cg_exists (dir, usage))
        continue;
      holo_json_str (g, size);
      yajl_gen_map_open (g);
      gen_file_u64 (g, "usage", dir, usage);
      if (v2)
        holo_json_key_u64 (g, "failcnt", keyed (dir, events, "max"));
      else
        {
          gen_file_u64 (g, "max", dir, max);
          gen_file_u64 (g, "failcnt", dir, failcnt);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

int
holo_cgroup_stats_json (const char *path, char **json, holo_error_t *err)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    {
      cleanup_free char *dir = holo_cgroup_controller_dir (path, "");
      gen_cpu_v2 (g, dir);
      gen_memory_v2 (g, dir);
      gen_pids (g, dir);
      gen_io_v2 (g, dir);
      gen_hugetlb (g, dir, true);
    }
  else
    {
      cleanup_free char *pids = holo_cgroup_controller_dir (path, "pids");
      cleanup_free char *hugetlb = holo_cgroup_controller_dir (path, "hugetlb");
      gen_cpu_v1 (g, path);
      gen_memory_v1 (g, path);
      gen_pids (g, pids);
      gen_blkio_v1 (g, path);
      gen_hugetlb (g, hugetlb, false);
    }
  holo_json_str (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  holo_json_str (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
  *json = holo_json_finish (g, NULL);
  return 0;
}
