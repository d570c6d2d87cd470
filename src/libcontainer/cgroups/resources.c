/* linux.resources: parsing (with JSON-path errors), the device rule list,
   sizes as update's flags write them, and the entry points create and
   update call, which pick the v1 or v2 backend.  */
#define _GNU_SOURCE
#include "resources.h"
#include "cgroups.h"
#include "internal.h"
#include "../spec/parse_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

struct holo_resources *
holo_resources_new (void)
{
  return holo_xmalloc (sizeof (struct holo_resources));
}

void
holo_resources_free (struct holo_resources *r)
{
  if (r == NULL)
    return;
  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->blkio.weight_devices);
  free (r->blkio.read_bps.v);
  free (r->blkio.write_bps.v);
  free (r->blkio.read_iops.v);
  free (r->blkio.write_iops.v);
  for (size_t i = 0; i < r->n_hugepages; i++)
    free (r->hugepages[i].page_size);
  free (r->hugepages);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    free (r->net_priorities[i].name);
  free (r->net_priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  for (size_t i = 0; i < r->n_unified; i++)
    {
      free (r->unified[i].key);
      free (r->unified[i].value);
    }
  free (r->unified);
  free (r);
}

/* ---- typed getters for optional members ---- */

static int
opt_i64 (const struct holo_jloc *loc, yajl_val obj, const char *key, int64_t min, struct holo_opt_i64 *out,
         holo_error_t *err)
{
  return holo_j_int (loc, obj, key, false, min, INT64_MAX, &out->v, &out->set, err);
}

static int
opt_u64 (const struct holo_jloc *loc, yajl_val obj, const char *key, uint64_t max, struct holo_opt_u64 *out,
         holo_error_t *err)
{
  return holo_j_uint (loc, obj, key, false, max, &out->v, &out->set, err);
}

static int
opt_bool (const struct holo_jloc *loc, yajl_val obj, const char *key, struct holo_opt_bool *out, holo_error_t *err)
{
  out->set = holo_j_member (obj, key) != NULL;
  return holo_j_bool (loc, obj, key, &out->v, err);
}

/* Calls PARSE_ONE on every element of array KEY of OBJ, with the element's
   location; ELEM_SIZE bytes per element in *OUT.  */
typedef int (*elem_parser) (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err);

static int
parse_array (const struct holo_jloc *loc, yajl_val obj, const char *key, size_t elem_size, elem_parser parse_one,
             void **out, size_t *n, holo_error_t *err)
{
  yajl_val arr;
  if (holo_j_array (loc, obj, key, false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  cleanup_free char *path = holo_j_join (loc->path, key);
  *out = holo_xmalloc ((arr->u.array.len + 1) * elem_size);
  *n = arr->u.array.len;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      yajl_val v = arr->u.array.values[i];
      if (!YAJL_IS_OBJECT (v))
        return holo_j_fail (err, &eloc, NULL, "must be an object");
      if (parse_one (&eloc, v, (char *) *out + i * elem_size, err) < 0)
        return -1;
    }
  return 0;
}

/* Location of member KEY of LOC (for sub-objects).  */
struct sub_loc
{
  struct holo_jloc loc;
  char *path;
};

static void
sub_loc_init (struct sub_loc *s, const struct holo_jloc *loc, const char *key)
{
  s->path = holo_j_join (loc->path, key);
  s->loc.file = loc->file;
  s->loc.path = s->path;
}

static void
sub_loc_release (struct sub_loc *s)
{
  free (s->path);
}
#define cleanup_sub_loc __attribute__ ((cleanup (sub_loc_release)))

/* ---- devices ---- */

static int
parse_access (const struct holo_jloc *loc, const char *s, unsigned *out, holo_error_t *err)
{
  *out = 0;
  for (const char *p = s; *p; p++)
    {
      unsigned bit = *p == 'r'   ? HOLO_DEV_ACC_READ
                     : *p == 'w' ? HOLO_DEV_ACC_WRITE
                     : *p == 'm' ? HOLO_DEV_ACC_MKNOD
                                 : 0;
      if (bit == 0)
        return holo_j_fail (err, loc, "access", "`%s`: must be a combination of r, w and m", s);
      *out |= bit;
    }
  return 0;
}

static int
parse_device_rule (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err)
{
  struct holo_device_rule *d = elem;
  cleanup_free char *type = NULL;
  cleanup_free char *access = NULL;
  bool has_major, has_minor;

  if (holo_j_member (v, "allow") == NULL)
    return holo_j_fail (err, loc, "allow", "must be specified");
  if (holo_j_bool (loc, v, "allow", &d->allow, err) < 0 || holo_j_string (loc, v, "type", false, &type, err) < 0
      || holo_j_int (loc, v, "major", false, -1, INT64_MAX, &d->major, &has_major, err) < 0
      || holo_j_int (loc, v, "minor", false, -1, INT64_MAX, &d->minor, &has_minor, err) < 0
      || holo_j_string (loc, v, "access", true, &access, err) < 0)
    return -1;
  if (!has_major)
    d->major = HOLO_DEV_WILDCARD;
  if (!has_minor)
    d->minor = HOLO_DEV_WILDCARD;
  d->type = 'a';
  if (type && *type)
    {
      if (strlen (type) != 1 || strchr ("abc", type[0]) == NULL)
        return holo_j_fail (err, loc, "type", "`%s`: must be \"a\", \"b\" or \"c\"", type);
      d->type = type[0];
    }
  /* runc refuses a rule without access too ("device access at N field
     cannot be empty"): taking it as "rwm" made {"allow":true} open every
     device.  */
  if (*access == '\0')
    return holo_j_fail (err, loc, "access", "must not be empty (a combination of r, w and m)");
  return parse_access (loc, access, &d->access, err);
}

/* ---- memory, cpu, pids ---- */

static int
parse_memory (const struct holo_jloc *parent, yajl_val obj, struct holo_res_memory *m, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "memory", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "memory");
  const struct holo_jloc *loc = &s.loc;
  if (opt_i64 (loc, v, "limit", -1, &m->limit, err) < 0 || opt_i64 (loc, v, "reservation", -1, &m->reservation, err) < 0
      || opt_i64 (loc, v, "swap", -1, &m->swap, err) < 0 || opt_i64 (loc, v, "kernel", -1, &m->kernel, err) < 0
      || opt_i64 (loc, v, "kernelTCP", -1, &m->kernel_tcp, err) < 0
      || opt_u64 (loc, v, "swappiness", UINT64_MAX, &m->swappiness, err) < 0
      || opt_bool (loc, v, "disableOOMKiller", &m->disable_oom_killer, err) < 0
      || opt_bool (loc, v, "useHierarchy", &m->use_hierarchy, err) < 0
      || opt_bool (loc, v, "checkBeforeUpdate", &m->check_before_update, err) < 0)
    return -1;
  if (m->swappiness.set && m->swappiness.v > 100)
    return holo_j_fail (err, loc, "swappiness", "invalid memory swappiness value %lu (valid range is 0-100)",
                        (unsigned long) m->swappiness.v);
  return 0;
}

/* cpuset lists: "0-3,5"; the kernel has the last word on which exist.  */
static int
check_cpuset_list (const struct holo_jloc *loc, const char *key, const char *s, holo_error_t *err)
{
  for (const char *p = s; *p; p++)
    if (!isdigit ((unsigned char) *p) && *p != ',' && *p != '-' && *p != ' ' && *p != '\n')
      return holo_j_fail (err, loc, key, "`%s`: must be a list of numbers and ranges such as \"0-3,5\"", s);
  return 0;
}

static int
parse_cpu (const struct holo_jloc *parent, yajl_val obj, struct holo_res_cpu *c, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "cpu", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "cpu");
  const struct holo_jloc *loc = &s.loc;
  if (opt_u64 (loc, v, "shares", UINT64_MAX, &c->shares, err) < 0 || opt_i64 (loc, v, "quota", -1, &c->quota, err) < 0
      || opt_u64 (loc, v, "burst", UINT64_MAX, &c->burst, err) < 0
      || opt_u64 (loc, v, "period", UINT64_MAX, &c->period, err) < 0
      || opt_i64 (loc, v, "realtimeRuntime", -1, &c->realtime_runtime, err) < 0
      || opt_u64 (loc, v, "realtimePeriod", UINT64_MAX, &c->realtime_period, err) < 0
      || holo_j_string (loc, v, "cpus", false, &c->cpus, err) < 0
      || holo_j_string (loc, v, "mems", false, &c->mems, err) < 0
      || holo_j_int (loc, v, "idle", false, INT64_MIN, INT64_MAX, &c->idle.v, &c->idle.set, err) < 0)
    return -1;
  if (c->cpus && check_cpuset_list (loc, "cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && check_cpuset_list (loc, "mems", c->mems, err) < 0)
    return -1;
  if (c->idle.set && c->idle.v != 0 && c->idle.v != 1)
    return holo_j_fail (err, loc, "idle", "must be 0 or 1");
  return 0;
}

static int
parse_pids (const struct holo_jloc *parent, yajl_val obj, struct holo_opt_i64 *limit, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "pids", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "pids");
  return holo_j_int (&s.loc, v, "limit", false, INT64_MIN, INT64_MAX, &limit->v, &limit->set, err);
}

/* ---- block I/O ---- */

#define BLKIO_WEIGHT_MAX 1000

static int
parse_weight_device (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err)
{
  struct holo_blkio_weight_device *d = elem;
  if (holo_j_int (loc, v, "major", true, 0, INT64_MAX, &d->major, NULL, err) < 0
      || holo_j_int (loc, v, "minor", true, 0, INT64_MAX, &d->minor, NULL, err) < 0
      || opt_u64 (loc, v, "weight", BLKIO_WEIGHT_MAX, &d->weight, err) < 0
      || opt_u64 (loc, v, "leafWeight", BLKIO_WEIGHT_MAX, &d->leaf_weight, err) < 0)
    return -1;
  return 0;
}

static int
parse_throttle_device (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err)
{
  struct holo_throttle_device *d = elem;
  if (holo_j_int (loc, v, "major", true, 0, INT64_MAX, &d->major, NULL, err) < 0
      || holo_j_int (loc, v, "minor", true, 0, INT64_MAX, &d->minor, NULL, err) < 0
      || holo_j_uint (loc, v, "rate", true, UINT64_MAX, &d->rate, NULL, err) < 0)
    return -1;
  return 0;
}

static int
parse_throttle_list (const struct holo_jloc *loc, yajl_val v, const char *key, struct holo_throttle_list *l,
                     holo_error_t *err)
{
  return parse_array (loc, v, key, sizeof *l->v, parse_throttle_device, (void **) &l->v, &l->n, err);
}

static int
parse_blkio (const struct holo_jloc *parent, yajl_val obj, struct holo_res_blkio *b, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "blockIO", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "blockIO");
  const struct holo_jloc *loc = &s.loc;
  if (opt_u64 (loc, v, "weight", BLKIO_WEIGHT_MAX, &b->weight, err) < 0
      || opt_u64 (loc, v, "leafWeight", BLKIO_WEIGHT_MAX, &b->leaf_weight, err) < 0
      || parse_array (loc, v, "weightDevice", sizeof *b->weight_devices, parse_weight_device,
                      (void **) &b->weight_devices, &b->n_weight_devices, err)
             < 0
      || parse_throttle_list (loc, v, "throttleReadBpsDevice", &b->read_bps, err) < 0
      || parse_throttle_list (loc, v, "throttleWriteBpsDevice", &b->write_bps, err) < 0
      || parse_throttle_list (loc, v, "throttleReadIOPSDevice", &b->read_iops, err) < 0
      || parse_throttle_list (loc, v, "throttleWriteIOPSDevice", &b->write_iops, err) < 0)
    return -1;
  return 0;
}

/* ---- hugetlb, network, rdma, unified ---- */

/* "<number><K|M|G|T|P>B", the names the hugetlb controller's files use. */
static bool
valid_page_size (const char *s)
{
  const char *p = s;
  while (isdigit ((unsigned char) *p))
    p++;
  return p != s && *s != '0' && p[0] && strchr ("KMGTP", p[0]) && p[1] == 'B' && p[2] == '\0';
}

static int
parse_hugepage (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err)
{
  struct holo_hugepage_limit *h = elem;
  if (holo_j_string (loc, v, "pageSize", true, &h->page_size, err) < 0
      || holo_j_uint (loc, v, "limit", true, UINT64_MAX, &h->limit, NULL, err) < 0)
    return -1;
  if (!valid_page_size (h->page_size))
    return holo_j_fail (err, loc, "pageSize", "`%s`: must be a size such as \"2MB\" or \"1GB\"", h->page_size);
  return 0;
}

static int
parse_net_priority (const struct holo_jloc *loc, yajl_val v, void *elem, holo_error_t *err)
{
  struct holo_net_priority *p = elem;
  uint64_t prio = 0;
  if (holo_j_string (loc, v, "name", true, &p->name, err) < 0
      || holo_j_uint (loc, v, "priority", true, UINT32_MAX, &prio, NULL, err) < 0)
    return -1;
  if (*p->name == '\0' || strpbrk (p->name, " \n/"))
    return holo_j_fail (err, loc, "name", "`%s`: must be an interface name", p->name);
  p->priority = (uint32_t) prio;
  return 0;
}

static int
parse_network (const struct holo_jloc *parent, yajl_val obj, struct holo_resources *r, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "network", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "network");
  if (opt_u64 (&s.loc, v, "classID", UINT32_MAX, &r->net_class_id, err) < 0)
    return -1;
  return parse_array (&s.loc, v, "priorities", sizeof *r->net_priorities, parse_net_priority,
                      (void **) &r->net_priorities, &r->n_net_priorities, err);
}

static int
parse_rdma (const struct holo_jloc *parent, yajl_val obj, struct holo_resources *r, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "rdma", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "rdma");
  size_t n = v->u.object.len;
  r->rdma = holo_xmalloc ((n + 1) * sizeof *r->rdma);
  for (size_t i = 0; i < n; i++)
    {
      const char *dev = v->u.object.keys[i];
      yajl_val lim = v->u.object.values[i];
      struct holo_rdma_limit *l = &r->rdma[r->n_rdma++];
      l->device = holo_xstrdup (dev);
      cleanup_free char *dpath = holo_j_join (s.path, dev);
      struct holo_jloc dloc = { s.loc.file, dpath };
      if (*dev == '\0' || strpbrk (dev, " \n"))
        return holo_j_fail (err, &dloc, NULL, "must name an RDMA device");
      if (!YAJL_IS_OBJECT (lim))
        return holo_j_fail (err, &dloc, NULL, "must be an object");
      if (opt_u64 (&dloc, lim, "hcaHandles", UINT32_MAX, &l->hca_handles, err) < 0
          || opt_u64 (&dloc, lim, "hcaObjects", UINT32_MAX, &l->hca_objects, err) < 0)
        return -1;
    }
  return 0;
}

/* A key of linux.resources.unified names a file of the cgroup directory:
   "<controller>.<name>", nothing that leaves the directory.  */
static bool
valid_unified_key (const char *key)
{
  const char *dot = strchr (key, '.');
  return dot && dot != key && dot[1] && strchr (key, '/') == NULL && strcmp (key, "..") != 0;
}

static int
parse_unified (const struct holo_jloc *parent, yajl_val obj, struct holo_resources *r, holo_error_t *err)
{
  yajl_val v;
  if (holo_j_object (parent, obj, "unified", false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cleanup_sub_loc struct sub_loc s;
  sub_loc_init (&s, parent, "unified");
  size_t n = v->u.object.len;
  r->unified = holo_xmalloc ((n + 1) * sizeof *r->unified);
  for (size_t i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      yajl_val val = v->u.object.values[i];
      if (!valid_unified_key (key))
        return holo_j_fail (err, &s.loc, key, "must name a cgroup file such as \"memory.high\"");
      if (!YAJL_IS_STRING (val))
        return holo_j_fail (err, &s.loc, key, "must be a string");
      r->unified[r->n_unified].key = holo_xstrdup (key);
      r->unified[r->n_unified].value = holo_xstrdup (YAJL_GET_STRING (val));
      r->n_unified++;
    }
  return 0;
}

int
holo_resources_parse (yajl_val obj, const char *file, const char *path, struct holo_resources **out, holo_error_t *err)
{
  struct holo_resources *r = holo_resources_new ();
  struct holo_jloc loc = { file, path };

  if (obj && !YAJL_IS_OBJECT (obj))
    {
      holo_resources_free (r);
      return holo_j_fail (err, &loc, NULL, "must be an object");
    }
  if (obj
      && (parse_array (&loc, obj, "devices", sizeof *r->devices, parse_device_rule, (void **) &r->devices,
                       &r->n_devices, err)
              < 0
          || parse_memory (&loc, obj, &r->memory, err) < 0 || parse_cpu (&loc, obj, &r->cpu, err) < 0
          || parse_pids (&loc, obj, &r->pids_limit, err) < 0 || parse_blkio (&loc, obj, &r->blkio, err) < 0
          || parse_array (&loc, obj, "hugepageLimits", sizeof *r->hugepages, parse_hugepage, (void **) &r->hugepages,
                          &r->n_hugepages, err)
                 < 0
          || parse_network (&loc, obj, r, err) < 0 || parse_rdma (&loc, obj, r, err) < 0
          || parse_unified (&loc, obj, r, err) < 0))
    {
      holo_resources_free (r);
      return -1;
    }
  *out = r;
  return 0;
}

int
holo_resources_parse_json (const char *text, size_t len, const char *file, struct holo_resources **out,
                           holo_error_t *err)
{
  yajl_val tree = NULL;
  if (holo_j_parse_tree (file, text, len, &tree, err) < 0)
    return -1;
  int ret = holo_resources_parse (tree, file, "", out, err);
  yajl_tree_free (tree);
  return ret;
}

/* ---- device rules ---- */

#define DEFAULT_RULE(t, maj, min, acc)                                                                                 \
  {                                                                                                                    \
    .allow = true, .type = (t), .major = (maj), .minor = (min), .access = (acc)                                        \
  }

/* What runc allows every container, whatever the config says.  */
static const struct holo_device_rule default_rules[] = {
  DEFAULT_RULE ('c', HOLO_DEV_WILDCARD, HOLO_DEV_WILDCARD, HOLO_DEV_ACC_MKNOD),
  DEFAULT_RULE ('b', HOLO_DEV_WILDCARD, HOLO_DEV_WILDCARD, HOLO_DEV_ACC_MKNOD),
  DEFAULT_RULE ('c', 1, 3, HOLO_DEV_ACC_ALL),                   /* null */
  DEFAULT_RULE ('c', 1, 5, HOLO_DEV_ACC_ALL),                   /* zero */
  DEFAULT_RULE ('c', 1, 7, HOLO_DEV_ACC_ALL),                   /* full */
  DEFAULT_RULE ('c', 1, 8, HOLO_DEV_ACC_ALL),                   /* random */
  DEFAULT_RULE ('c', 1, 9, HOLO_DEV_ACC_ALL),                   /* urandom */
  DEFAULT_RULE ('c', 5, 0, HOLO_DEV_ACC_ALL),                   /* tty */
  DEFAULT_RULE ('c', 5, 2, HOLO_DEV_ACC_ALL),                   /* ptmx */
  DEFAULT_RULE ('c', 136, HOLO_DEV_WILDCARD, HOLO_DEV_ACC_ALL), /* pts */
  DEFAULT_RULE ('c', 10, 200, HOLO_DEV_ACC_ALL),                /* net/tun */
};

void
holo_resources_device_rules (const struct holo_resources *r, struct holo_device_rule **rules, size_t *n)
{
  size_t n_defaults = sizeof default_rules / sizeof default_rules[0];
  size_t n_config = r ? r->n_devices : 0;
  struct holo_device_rule *out = holo_xmalloc ((n_config + n_defaults + 1) * sizeof *out);
  size_t k = 0;

  for (size_t i = 0; i < n_config; i++)
    out[k++] = r->devices[i];
  for (size_t i = 0; i < n_defaults; i++)
    out[k++] = default_rules[i];
  *rules = out;
  *n = k;
}

/* ---- sizes ---- */

int
holo_parse_size (const char *s, int64_t *out)
{
  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (errno || end == s || !isdigit ((unsigned char) *s) || v < 0)
    return -1;
  while (*end == ' ')
    end++;
  double mult = 1;
  const char *units = "kmgtp";
  const char *u = *end ? strchr (units, tolower ((unsigned char) *end)) : NULL;
  if (u)
    {
      for (const char *p = units; p <= u; p++)
        mult *= 1024;
      end++;
      if (*end == 'i' || *end == 'I')
        end++;
    }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0')
    return -1;
  v *= mult;
  if (v >= 9.2e18)
    return -1;
  *out = (int64_t) v;
  return 0;
}

/* ---- entry points ---- */

int
holo_resources_validate_spec (const struct holo_spec *spec, holo_error_t *err)
{
  cleanup_resources struct holo_resources *r = NULL;
  if (holo_resources_parse (spec->linux_.resources, "config.json", "linux.resources", &r, err) < 0)
    return -1;
  if (r->n_unified && holo_cgroup_mode () != HOLO_CGROUP_UNIFIED)
    return holo_make_error (err, 0, "invalid configuration: cannot use unified on cgroup v1");
  return 0;
}

static int
apply (const char *path, const struct holo_resources *r, bool update, holo_error_t *err)
{
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    return holo_cgroup_v2_apply (path, r, update, err);
  if (r->n_unified)
    return holo_make_error (err, 0, "invalid configuration: cannot use unified on cgroup v1");
  return holo_cgroup_v1_apply (path, r, update, err);
}

static int
apply_devices (const char *path, const struct holo_resources *r, holo_error_t *err)
{
  cleanup_free struct holo_device_rule *rules = NULL;
  size_t n = 0;
  holo_resources_device_rules (r, &rules, &n);
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    {
      cleanup_free char *dir = holo_cgroup_controller_dir (path, "");
      if (dir == NULL)
        return holo_make_error (err, 0, "cgroup2 hierarchy not found for `%s`", path);
      return holo_cgroup_bpf_devices (dir, rules, n, err);
    }
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "devices");
  if (dir == NULL)
    return 0; /* no devices controller: nothing the kernel can enforce */
  return holo_cgroup_v1_devices (dir, rules, n, err);
}

int
holo_cgroup_apply_spec (const char *path, const struct holo_spec *spec, holo_error_t *err)
{
  cleanup_resources struct holo_resources *r = NULL;
  if (holo_resources_parse (spec->linux_.resources, "config.json", "linux.resources", &r, err) < 0)
    return -1;
  if (apply (path, r, false, err) < 0)
    return -1;
  return apply_devices (path, r, err);
}

int
holo_cgroup_update (const char *path, const struct holo_resources *r, holo_error_t *err)
{
  return apply (path, r, true, err);
}
