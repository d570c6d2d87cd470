/* cgroup v2: linux.resources onto the files of the container's cgroup2
   directory (Documentation/admin-guide/cgroup-v2.rst).  The controllers
   are first enabled in subtree_control of every ancestor; values that v2
   has no file for are converted (shares, blkio weights, memory+swap) or,
   where no equivalent exists, ignored with a warning (kernel memory,
   swappiness, network) or refused (realtime CPU).  linux.resources.unified
   is written last, so it has the final word.  */
#define _GNU_SOURCE
#include "resources.h"
#include "cgroups.h"
#include "convert.h"
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static const char *const v2_controllers[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

static bool
word_in (const char *list, const char *word)
{
  size_t n = strlen (word);
  for (const char *p = list; (p = strstr (p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

static bool
controller_enabled (const char *dir, const char *controller)
{
  cleanup_free char *list = NULL;
  return holo_cg_read (dir, "cgroup.controllers", &list, NULL) == 0 && word_in (list, controller);
}

/* Enables in DIR's subtree_control every controller DIR has.  A cgroup with
   processes of its own refuses (EBUSY): its children then go without.  */
static void
enable_subtree (const char *dir)
{
  cleanup_free char *have = NULL;
  cleanup_free char *enabled = NULL;
  if (holo_cg_read (dir, "cgroup.controllers", &have, NULL) < 0)
    return;
  holo_cg_read (dir, "cgroup.subtree_control", &enabled, NULL);
  for (size_t i = 0; i < sizeof v2_controllers / sizeof v2_controllers[0]; i++)
    {
      const char *c = v2_controllers[i];
      if (!word_in (have, c) || (enabled && word_in (enabled, c)))
        continue;
      cleanup_error holo_error_t ignored = NULL;
      if (holo_cg_writef (dir, "cgroup.subtree_control", &ignored, "+%s", c) < 0)
        holo_log_debug ("%s", ignored->msg);
    }
}

/* Every ancestor of DIR, from the hierarchy root down to its parent.  */
static void
enable_controllers (const char *dir)
{
  cleanup_free char *root = holo_cgroup_controller_dir ("", "");
  if (root == NULL)
    return;
  size_t root_len = strlen (root);
  cleanup_free char *copy = holo_xstrdup (dir);
  for (char *p = copy + root_len;; p++)
    {
      p = strchr (p, '/');
      if (p == NULL)
        break;
      *p = '\0';
      enable_subtree (copy);
      *p = '/';
    }
}

static int
need (const char *dir, const char *controller, holo_error_t *err)
{
  if (controller_enabled (dir, controller))
    return 0;
  return holo_make_error (err, 0, "cannot set %s limit: the %s controller is not enabled in `%s`", controller,
                          controller, dir);
}

/* ---- memory ---- */

static void
warn_ignored (bool cond, const char *what)
{
  if (cond)
    holo_log_warning ("linux.resources.%s is not supported on cgroup v2: ignored", what);
}

static int
set_swap (const char *dir, const struct holo_res_memory *m, bool update, holo_error_t *err)
{
  int64_t limit = m->limit.set ? m->limit.v : 0;
  int64_t swap = m->swap.set ? m->swap.v : 0;
  if (update && swap > 0 && limit == 0)
    {
      /* The memory limit the swap is counted on top of is the current one. */
      uint64_t cur;
      if (holo_cg_read_u64 (dir, "memory.max", &cur) == 0)
        limit = cur == UINT64_MAX ? -1 : (int64_t) cur;
    }
  int64_t v;
  bool set;
  if (holo_memory_swap_to_v2 (swap, limit, &v, &set, err) < 0)
    return -1;
  if (!set)
    return 0;
  if (!holo_cg_exists (dir, "memory.swap.max"))
    {
      if (v == -1)
        return 0; /* no swap accounting: unlimited is what there is */
      return holo_make_error (err, 0, "cannot set memory.swap: the kernel has no swap accounting (memory.swap.max)");
    }
  char buf[32];
  return holo_cg_write (dir, "memory.swap.max", holo_cg_limit_str (v, buf, sizeof buf), err);
}

static int
check_usage (const char *dir, int64_t limit, holo_error_t *err)
{
  uint64_t usage;
  if (limit > 0 && holo_cg_read_u64 (dir, "memory.current", &usage) == 0 && usage > (uint64_t) limit)
    return holo_make_error (err, 0, "unable to set memory limit to %" PRId64 " (current usage: %" PRIu64 ")", limit,
                            usage);
  return 0;
}

static int
apply_memory (const char *dir, const struct holo_res_memory *m, bool update, holo_error_t *err)
{
  int64_t limit = m->limit.set ? m->limit.v : 0;
  int64_t reservation = m->reservation.set ? m->reservation.v : 0;
  char buf[32];

  warn_ignored (m->kernel.set && m->kernel.v, "memory.kernel");
  warn_ignored (m->kernel_tcp.set && m->kernel_tcp.v, "memory.kernelTCP");
  warn_ignored (m->swappiness.set, "memory.swappiness");
  warn_ignored (m->disable_oom_killer.set && m->disable_oom_killer.v, "memory.disableOOMKiller");
  if (!limit && !reservation && !(m->swap.set && m->swap.v))
    return 0;
  if (need (dir, "memory", err) < 0)
    return -1;
  if (update && m->check_before_update.set && m->check_before_update.v && check_usage (dir, limit, err) < 0)
    return -1;
  if (set_swap (dir, m, update, err) < 0)
    return -1;
  if (limit)
    {
      cleanup_error holo_error_t werr = NULL;
      if (holo_cg_write (dir, "memory.max", holo_cg_limit_str (limit, buf, sizeof buf), &werr) < 0)
        {
          if (werr->status == EBUSY)
            return check_usage (dir, limit, err) < 0 ? -1 : holo_make_error (err, EBUSY, "set memory.max");
          *err = steal_pointer (&werr);
          return -1;
        }
    }
  if (reservation && holo_cg_write (dir, "memory.low", holo_cg_limit_str (reservation, buf, sizeof buf), err) < 0)
    return -1;
  return 0;
}

/* ---- cpu, cpuset, pids ---- */

/* cpu.max is "QUOTA PERIOD"; an update giving one of them keeps the other. */
static int
set_cpu_max (const char *dir, const struct holo_res_cpu *c, bool update, holo_error_t *err)
{
  int64_t quota = c->quota.set ? c->quota.v : 0;
  uint64_t period = c->period.set ? c->period.v : 0;
  if (!quota && !period)
    return 0;
  cleanup_free char *quota_str = quota > 0 ? holo_xasprintf ("%" PRId64, quota) : holo_xstrdup ("max");
  if (!quota && update)
    {
      cleanup_free char *cur = NULL;
      if (holo_cg_read (dir, "cpu.max", &cur, NULL) == 0)
        {
          free (quota_str);
          quota_str = holo_xstrndup (cur, strcspn (cur, " \n"));
        }
    }
  if (period)
    return holo_cg_writef (dir, "cpu.max", err, "%s %" PRIu64, quota_str, period);
  return holo_cg_write (dir, "cpu.max", quota_str, err);
}

static int
apply_cpu (const char *dir, const struct holo_res_cpu *c, bool update, holo_error_t *err)
{
  uint64_t shares = c->shares.set ? c->shares.v : 0;
  if ((c->realtime_period.set && c->realtime_period.v) || (c->realtime_runtime.set && c->realtime_runtime.v))
    return holo_make_error (err, 0,
                            "linux.resources.cpu.realtimeRuntime/realtimePeriod: realtime CPU limits are "
                            "not supported on cgroup v2");
  if (!shares && !(c->quota.set && c->quota.v) && !(c->period.set && c->period.v) && !c->burst.set && !c->idle.set)
    return 0;
  if (need (dir, "cpu", err) < 0)
    return -1;
  if (shares && holo_cg_writef (dir, "cpu.weight", err, "%" PRIu64, holo_cpu_shares_to_weight (shares)) < 0)
    return -1;
  if (set_cpu_max (dir, c, update, err) < 0)
    return -1;
  if (c->burst.set && holo_cg_writef (dir, "cpu.max.burst", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (c->idle.set && holo_cg_writef (dir, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  return 0;
}

static int
apply_cpuset (const char *dir, const struct holo_res_cpu *c, holo_error_t *err)
{
  bool cpus = c->cpus && *c->cpus, mems = c->mems && *c->mems;
  if (!cpus && !mems)
    return 0;
  if (need (dir, "cpuset", err) < 0)
    return -1;
  if (cpus && holo_cg_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (mems && holo_cg_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

static int
apply_pids (const char *dir, const struct holo_opt_i64 *limit, holo_error_t *err)
{
  if (!limit->set || limit->v == 0)
    return 0;
  char buf[32];
  if (need (dir, "pids", err) < 0)
    return -1;
  return holo_cg_write (dir, "pids.max", holo_cg_limit_str (limit->v, buf, sizeof buf), err);
}

/* ---- io ---- */

static int
write_io_max (const char *dir, const struct holo_throttle_list *l, const char *key, holo_error_t *err)
{
  for (size_t i = 0; i < l->n; i++)
    if (holo_cg_writef (dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, l->v[i].major, l->v[i].minor, key,
                        l->v[i].rate)
        < 0)
      return -1;
  return 0;
}

static int
apply_io (const char *dir, const struct holo_res_blkio *b, holo_error_t *err)
{
  bool weights = (b->weight.set && b->weight.v) || b->n_weight_devices;
  if (!weights && !b->read_bps.n && !b->write_bps.n && !b->read_iops.n && !b->write_iops.n)
    {
      warn_ignored (b->leaf_weight.set && b->leaf_weight.v, "blockIO.leafWeight");
      return 0;
    }
  if (need (dir, "io", err) < 0)
    return -1;
  warn_ignored (b->leaf_weight.set && b->leaf_weight.v, "blockIO.leafWeight");
  /* BFQ takes blkio's own scale [1, 1000]; io.weight has [1, 10000].  */
  bool bfq = holo_cg_exists (dir, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  if (weights && !bfq && !holo_cg_exists (dir, "io.weight"))
    return holo_make_error (err, 0, "cannot set blockIO weight: neither io.bfq.weight nor io.weight exist in `%s`",
                            dir);
  if (b->weight.set && b->weight.v
      && holo_cg_writef (dir, file, err, "%" PRIu64, bfq ? b->weight.v : holo_blkio_weight_to_io_weight (b->weight.v))
             < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_devices; i++)
    {
      const struct holo_blkio_weight_device *d = &b->weight_devices[i];
      warn_ignored (d->leaf_weight.set, "blockIO.weightDevice[].leafWeight");
      if (!d->weight.set)
        continue;
      uint64_t w = bfq ? d->weight.v : holo_blkio_weight_to_io_weight (d->weight.v);
      if (holo_cg_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, w) < 0)
        return -1;
    }
  if (write_io_max (dir, &b->read_bps, "rbps", err) < 0 || write_io_max (dir, &b->write_bps, "wbps", err) < 0
      || write_io_max (dir, &b->read_iops, "riops", err) < 0 || write_io_max (dir, &b->write_iops, "wiops", err) < 0)
    return -1;
  return 0;
}

/* ---- hugetlb, rdma, unified ---- */

static int
apply_hugetlb (const char *dir, const struct holo_resources *r, holo_error_t *err)
{
  if (r->n_hugepages == 0)
    return 0;
  if (need (dir, "hugetlb", err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      const struct holo_hugepage_limit *h = &r->hugepages[i];
      cleanup_free char *file = holo_xasprintf ("hugetlb.%s.max", h->page_size);
      cleanup_free char *rsvd = holo_xasprintf ("hugetlb.%s.rsvd.max", h->page_size);
      if (!holo_cg_exists (dir, file))
        return holo_make_error (err, 0, "invalid hugepage size `%s`: the host does not support it", h->page_size);
      if (holo_cg_writef (dir, file, err, "%" PRIu64, h->limit) < 0)
        return -1;
      if (holo_cg_exists (dir, rsvd) && holo_cg_writef (dir, rsvd, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

static int
apply_unified (const char *dir, const struct holo_resources *r, holo_error_t *err)
{
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const struct holo_kv *kv = &r->unified[i];
      if (!holo_cg_exists (dir, kv->key))
        {
          cleanup_free char *controller = holo_xstrndup (kv->key, strcspn (kv->key, "."));
          return holo_make_error (err, 0,
                                  "linux.resources.unified: cannot write `%s`: no such file in `%s` (is the %s "
                                  "controller enabled?)",
                                  kv->key, dir, controller);
        }
      if (holo_cg_write (dir, kv->key, kv->value, err) < 0)
        return holo_error_prefix (err, "linux.resources.unified");
    }
  return 0;
}

int
holo_cgroup_v2_apply (const char *path, const struct holo_resources *r, bool update, holo_error_t *err)
{
  cleanup_free char *dir = holo_cgroup_controller_dir (path, "");
  if (dir == NULL)
    return holo_make_error (err, 0, "cgroup2 hierarchy not found for `%s`", path);
  if (!update)
    enable_controllers (dir);
  warn_ignored ((r->net_class_id.set && r->net_class_id.v) || r->n_net_priorities, "network");
  if (apply_memory (dir, &r->memory, update, err) < 0 || apply_cpu (dir, &r->cpu, update, err) < 0
      || apply_cpuset (dir, &r->cpu, err) < 0 || apply_pids (dir, &r->pids_limit, err) < 0
      || apply_io (dir, &r->blkio, err) < 0 || apply_hugetlb (dir, r, err) < 0)
    return -1;
  if (r->n_rdma && (need (dir, "rdma", err) < 0 || holo_cgroup_write_rdma (dir, r, err) < 0))
    return -1;
  return apply_unified (dir, r, err);
}
