/* Unit properties for the systemd driver: the scope's own properties,
   linux.resources converted the way runc converts them, and the
   org.systemd.property.* annotations (the list they go in:
   systemd_proplist.c).  */
#define _GNU_SOURCE
#include "systemd.h"
#include "convert.h"
#include "../utils.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* systemd's USEC_INFINITY and the "unlimited" of its byte and task limits. */
#define SD_INFINITY UINT64_MAX
/* The kernel's default CFS period (µs), which runc assumes when a quota
   comes without one.  */
#define DEFAULT_CPU_PERIOD 100000

/* ---- the scope ---- */

void
holo_systemd_scope_props (const struct holo_systemd_unit *u, const char *id, pid_t pid, struct holo_sd_props *out)
{
  cleanup_free char *desc = holo_xasprintf ("holo container %s", id);
  holo_sd_props_add_str (out, "Description", desc);
  holo_sd_props_add_str (out, "Slice", u->slice);
  holo_sd_props_add_bool (out, "Delegate", true);
  struct holo_sd_prop *pids = holo_sd_props_add (out, "PIDs", "au");
  holo_sd_prop_push (pids, (struct holo_sd_val){ .type = 'u', .u = (uint64_t) pid });
  /* As runc: accounting on, so the controllers are there from the start
     (the kernel does not like a process joining memory later).  */
  holo_sd_props_add_bool (out, "MemoryAccounting", true);
  holo_sd_props_add_bool (out, "CPUAccounting", true);
  holo_sd_props_add_bool (out, "IOAccounting", true);
  holo_sd_props_add_bool (out, "TasksAccounting", true);
  holo_sd_props_add_bool (out, "DefaultDependencies", false);
}

/* ---- resources ---- */

/* "0-3,5" as systemd's CPU/NUMA bitmask: byte i holds bits 8i..8i+7.  */
static int
add_cpuset_mask (struct holo_sd_props *out, const char *name, const char *what, const char *list, holo_error_t *err)
{
  unsigned char mask[1024] = { 0 };
  size_t used = 0;
  const char *p = list;
  while (*p)
    {
      char *end;
      errno = 0;
      unsigned long lo = strtoul (p, &end, 10), hi = lo;
      if (end == p || errno)
        goto bad;
      if (*end == '-')
        {
          p = end + 1;
          hi = strtoul (p, &end, 10);
          if (end == p || errno || hi < lo)
            goto bad;
        }
      if (hi >= sizeof mask * 8)
        return holo_make_error (err, 0, "linux.resources.cpu.%s `%s`: CPU or node %lu is out of range", what, list, hi);
      for (unsigned long b = lo; b <= hi; b++)
        mask[b / 8] |= (unsigned char) (1u << (b % 8));
      if (hi / 8 + 1 > used)
        used = hi / 8 + 1;
      p = end;
      if (*p == ',')
        p++;
      else if (*p)
        goto bad;
    }
  struct holo_sd_prop *prop = holo_sd_props_add (out, name, "ay");
  for (size_t i = 0; i < used; i++)
    holo_sd_prop_push (prop, (struct holo_sd_val){ .type = 'y', .u = mask[i] });
  return 0;
bad:
  return holo_make_error (err, 0, "linux.resources.cpu.%s `%s`: not a list of numbers and ranges", what, list);
}

/* runc's CPUQuotaPerSecUSec: the quota per second of CPU time, rounded up
   to whole percents (systemd keeps a percentage), so the cgroup's cpu.max
   ends up at least what was asked; USEC_INFINITY for no quota.  */
static void
add_cpu_quota (struct holo_sd_props *out, int64_t quota, uint64_t period)
{
  if (period)
    holo_sd_props_add_u64 (out, "CPUQuotaPeriodUSec", period);
  if (quota == 0 && period == 0)
    return;
  uint64_t per_sec = SD_INFINITY;
  if (quota > 0)
    {
      if (period == 0)
        period = DEFAULT_CPU_PERIOD;
      per_sec = (uint64_t) quota * 1000000 / period;
      if (per_sec % 10000)
        per_sec = (per_sec / 10000 + 1) * 10000;
    }
  holo_sd_props_add_u64 (out, "CPUQuotaPerSecUSec", per_sec);
}

static uint64_t
limit_u64 (int64_t v)
{
  return v < 0 ? SD_INFINITY : (uint64_t) v;
}

static int
add_memory (const struct holo_res_memory *m, const struct holo_sd_current *cur, struct holo_sd_props *out,
            holo_error_t *err)
{
  int64_t limit = m->limit.set ? m->limit.v : 0;
  if (limit)
    holo_sd_props_add_u64 (out, "MemoryMax", limit_u64 (limit));
  if (m->reservation.set && m->reservation.v)
    holo_sd_props_add_u64 (out, "MemoryLow", limit_u64 (m->reservation.v));
  int64_t swap = m->swap.set ? m->swap.v : 0;
  if (swap > 0 && limit == 0 && cur)
    limit = cur->memory_limit;
  int64_t v;
  bool set;
  if (holo_memory_swap_to_v2 (swap, limit, &v, &set, err) < 0)
    return holo_error_prefix (err, "linux.resources.memory");
  if (set)
    holo_sd_props_add_u64 (out, "MemorySwapMax", limit_u64 (v));
  return 0;
}

static void
add_io (const struct holo_res_blkio *b, struct holo_sd_props *out)
{
  if (b->weight.set && b->weight.v)
    holo_sd_props_add_u64 (out, "IOWeight", holo_blkio_weight_to_io_weight (b->weight.v));
  struct holo_sd_prop *dw = NULL;
  for (size_t i = 0; i < b->n_weight_devices; i++)
    {
      const struct holo_blkio_weight_device *d = &b->weight_devices[i];
      if (!d->weight.set || d->weight.v == 0)
        continue;
      if (dw == NULL)
        dw = holo_sd_props_add (out, "IODeviceWeight", "a(st)");
      char *path = holo_xasprintf ("/dev/block/%" PRId64 ":%" PRId64, d->major, d->minor);
      holo_sd_prop_push (dw, (struct holo_sd_val){ .type = 's', .s = path });
      holo_sd_prop_push (dw, (struct holo_sd_val){ .type = 't', .u = holo_blkio_weight_to_io_weight (d->weight.v) });
    }
}

/* "max" or a number, for the unified keys that map to a property.  */
static int
unified_u64 (const char *key, const char *value, uint64_t *out, holo_error_t *err)
{
  while (isspace ((unsigned char) *value))
    value++;
  if (strncmp (value, "max", 3) == 0 && (value[3] == '\0' || isspace ((unsigned char) value[3])))
    {
      *out = SD_INFINITY;
      return 0;
    }
  char *end;
  errno = 0;
  *out = strtoull (value, &end, 10);
  while (isspace ((unsigned char) *end))
    end++;
  if (errno || end == value || *end || *value == '-')
    return holo_make_error (err, 0, "linux.resources.unified: `%s`: `%s` is not a number or \"max\"", key, value);
  return 0;
}

static int
unified_cpu_max (const char *value, struct holo_sd_props *out, holo_error_t *err)
{
  char quota[32] = "", extra[2] = "";
  unsigned long long period = DEFAULT_CPU_PERIOD;
  int n = sscanf (value, " %31s %llu %1s", quota, &period, extra);
  if (n < 1 || n > 2)
    return holo_make_error (err, 0, "linux.resources.unified: `cpu.max`: `%s` is not \"QUOTA [PERIOD]\"", value);
  int64_t q = 0;
  if (strcmp (quota, "max") != 0)
    {
      char *end;
      errno = 0;
      q = strtoll (quota, &end, 10);
      if (errno || *end || q <= 0)
        return holo_make_error (err, 0, "linux.resources.unified: `cpu.max`: `%s` is not \"QUOTA [PERIOD]\"", value);
    }
  add_cpu_quota (out, q, period);
  return 0;
}

/* linux.resources.unified keys with a property (runc's table); the others
   reach the cgroup through the cgroupfs code only.  */
static int
add_unified (const struct holo_resources *r, struct holo_sd_props *out, holo_error_t *err)
{
  static const struct
  {
    const char *key, *prop;
  } memory_keys[] = {
    { "memory.high", "MemoryHigh" }, { "memory.low", "MemoryLow" },          { "memory.min", "MemoryMin" },
    { "memory.max", "MemoryMax" },   { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
    { "cpu.weight", "CPUWeight" },
  };
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const char *k = r->unified[i].key, *v = r->unified[i].value;
      if (strcmp (k, "cpu.max") == 0)
        {
          if (unified_cpu_max (v, out, err) < 0)
            return -1;
          continue;
        }
      if (strcmp (k, "cpuset.cpus") == 0 || strcmp (k, "cpuset.mems") == 0)
        {
          bool cpus = k[7] == 'c';
          if (add_cpuset_mask (out, cpus ? "AllowedCPUs" : "AllowedMemoryNodes", cpus ? "cpus" : "mems", v, err) < 0)
            return holo_error_prefix (err, "linux.resources.unified: `%s`", k);
          continue;
        }
      for (size_t m = 0; m < sizeof memory_keys / sizeof memory_keys[0]; m++)
        if (strcmp (k, memory_keys[m].key) == 0)
          {
            uint64_t n;
            if (unified_u64 (k, v, &n, err) < 0)
              return -1;
            holo_sd_props_add_u64 (out, memory_keys[m].prop, n);
          }
    }
  return 0;
}

int
holo_systemd_resource_props (const struct holo_resources *r, const struct holo_sd_current *cur, bool devices,
                             struct holo_sd_props *out, holo_error_t *err)
{
  if (devices)
    {
      cleanup_free struct holo_device_rule *rules = NULL;
      size_t n = 0;
      holo_resources_device_rules (r, &rules, &n);
      holo_systemd_device_props (rules, n, out);
    }
  if (add_memory (&r->memory, cur, out, err) < 0)
    return -1;
  const struct holo_res_cpu *c = &r->cpu;
  if (c->shares.set && c->shares.v)
    holo_sd_props_add_u64 (out, "CPUWeight", holo_cpu_shares_to_weight (c->shares.v));
  int64_t quota = c->quota.set ? c->quota.v : 0;
  uint64_t period = c->period.set ? c->period.v : 0;
  /* An update of the quota alone keeps the cgroup's period.  */
  if (quota > 0 && period == 0 && cur && cur->cpu_period)
    period = cur->cpu_period;
  add_cpu_quota (out, quota, period);
  if (r->pids_limit.set && (r->pids_limit.v > 0 || r->pids_limit.v == -1))
    holo_sd_props_add_u64 (out, "TasksMax", limit_u64 (r->pids_limit.v));
  if (c->cpus && *c->cpus && add_cpuset_mask (out, "AllowedCPUs", "cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && *c->mems && add_cpuset_mask (out, "AllowedMemoryNodes", "mems", c->mems, err) < 0)
    return -1;
  add_io (&r->blkio, out);
  return add_unified (r, out, err);
}

/* ---- annotations ---- */

#define ANNOTATION_PREFIX "org.systemd.property."

static int
check_property_name (const char *key, const char *name, holo_error_t *err)
{
  if (strlen (name) < 3)
    return holo_make_error (err, 0, "config.json: annotations: `%s`: the property name is too short", key);
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
      return holo_make_error (
          err, 0, "config.json: annotations: `%s`: the property name contains a non-alphabetic character", key);
  return 0;
}

/* "TimeoutStopSec" (a lowercase letter before "Sec") is set as
   "TimeoutStopUSec" in microseconds, as runc does.  */
static int
sec_to_usec (const char *key, const char *value, struct holo_sd_prop *p, holo_error_t *err)
{
  size_t n = strlen (p->name);
  if (n < 4 || strcmp (p->name + n - 3, "Sec") != 0 || !islower ((unsigned char) p->name[n - 4]))
    return 0;
  if (strlen (p->sig) != 1 || p->n_vals != 1 || !strchr ("ynqiuxtd", p->sig[0]))
    return holo_make_error (err, 0, "config.json: annotations: `%s=%s`: value parse error: not a number", key, value);
  struct holo_sd_val *v = &p->vals[0];
  /* Seconds, at most what microseconds in a uint64 can say.  */
  const uint64_t max_sec = UINT64_MAX / 1000000;
  bool negative = v->type == 'd' ? v->d < 0 : strchr ("nix", v->type) ? v->i < 0 : false;
  bool too_big = v->type == 'd'            ? v->d >= (double) max_sec
                 : strchr ("nix", v->type) ? (uint64_t) v->i > max_sec
                                           : v->u > max_sec;
  if (negative || too_big)
    return holo_make_error (err, 0, "config.json: annotations: `%s=%s`: value parse error: out of range", key, value);
  uint64_t usec;
  if (v->type == 'd')
    usec = (uint64_t) (v->d * 1000000);
  else if (strchr ("nix", v->type))
    usec = (uint64_t) v->i * 1000000;
  else
    usec = v->u * 1000000;
  char *name = holo_xasprintf ("%.*sUSec", (int) (n - 3), p->name);
  free (p->name);
  p->name = name;
  free (p->sig);
  p->sig = holo_xstrdup ("t");
  *v = (struct holo_sd_val){ .type = 't', .u = usec };
  return 0;
}

int
holo_systemd_annotation_props (const struct holo_kv *annotations, size_t n, struct holo_sd_props *out,
                               holo_error_t *err)
{
  size_t plen = strlen (ANNOTATION_PREFIX);
  for (size_t i = 0; i < n; i++)
    {
      const char *key = annotations[i].key, *value = annotations[i].value;
      if (strncmp (key, ANNOTATION_PREFIX, plen) != 0)
        continue;
      const char *name = key + plen;
      if (check_property_name (key, name, err) < 0)
        return -1;
      struct holo_sd_prop *p = holo_sd_props_add (out, name, "");
      if (holo_gvariant_parse (value, p, err) < 0)
        return holo_error_prefix (err, "config.json: annotations: `%s=%s`: value parse error", key, value);
      if (sec_to_usec (key, value, p, err) < 0)
        return -1;
    }
  return 0;
}
