/* cgroup v1 (and hybrid hosts): linux.resources onto the files of each
   controller's hierarchy (Documentation/admin-guide/cgroup-v1/).  A value
   for a controller that is not mounted is an error, as in runc: the limit
   would silently not exist.  */
#define _GNU_SOURCE
#include "resources.h"
#include "cgroups.h"
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* The directory of PATH in CONTROLLER's hierarchy, or an error naming the
   limit that cannot be set.  */
static char *
need_controller (const char *path, const char *controller, holo_error_t *err)
{
  char *dir = holo_cgroup_controller_dir (path, controller);
  if (dir == NULL)
    holo_make_error (err, 0, "cannot set %s limit: the %s cgroup controller is not mounted", controller, controller);
  return dir;
}

/* ---- memory ---- */

static int
write_i64 (const char *dir, const char *file, int64_t v, holo_error_t *err)
{
  return holo_cg_writef (dir, file, err, "%" PRId64, v);
}

static int
write_memory_limit (const char *dir, int64_t limit, holo_error_t *err)
{
  cleanup_error holo_error_t werr = NULL;
  if (write_i64 (dir, "memory.limit_in_bytes", limit, &werr) == 0)
    return 0;
  if (werr->status == EBUSY)
    {
      uint64_t usage = 0, peak = 0;
      holo_cg_read_u64 (dir, "memory.usage_in_bytes", &usage);
      holo_cg_read_u64 (dir, "memory.max_usage_in_bytes", &peak);
      return holo_make_error (
          err, 0, "unable to set memory limit to %" PRId64 " (current usage: %" PRIu64 ", peak usage: %" PRIu64 ")",
          limit, usage, peak);
    }
  *err = steal_pointer (&werr);
  return -1;
}

/* The kernel keeps memory.limit <= memory.memsw.limit at every step, so the
   order of the two writes depends on where the limits move.  */
static int
set_memory_and_swap (const char *dir, const struct holo_res_memory *m, holo_error_t *err)
{
  int64_t limit = m->limit.set ? m->limit.v : 0;
  int64_t swap = m->swap.set ? m->swap.v : 0;
  bool have_memsw = holo_cg_exists (dir, "memory.memsw.limit_in_bytes");

  if (limit == -1 && swap == 0 && have_memsw)
    swap = -1; /* "memory: -1" alone lifts both limits */
  if (swap != 0 && !have_memsw)
    return holo_make_error (err, 0,
                            "cannot set memory.swap: the kernel has no swap accounting "
                            "(memory.memsw.limit_in_bytes is missing)");
  if (limit != 0 && swap != 0)
    {
      uint64_t current = 0;
      if (holo_cg_read_u64 (dir, "memory.limit_in_bytes", &current) < 0)
        return holo_make_error (err, errno, "read memory.limit_in_bytes in `%s`", dir);
      if (swap == -1 || (uint64_t) swap >= current)
        {
          if (write_i64 (dir, "memory.memsw.limit_in_bytes", swap, err) < 0)
            return -1;
          return write_memory_limit (dir, limit, err);
        }
    }
  if (limit != 0 && write_memory_limit (dir, limit, err) < 0)
    return -1;
  if (swap != 0 && write_i64 (dir, "memory.memsw.limit_in_bytes", swap, err) < 0)
    return -1;
  return 0;
}

static bool
memory_is_set (const struct holo_res_memory *m)
{
  return (m->limit.set && m->limit.v) || (m->swap.set && m->swap.v) || (m->reservation.set && m->reservation.v)
         || (m->kernel.set && m->kernel.v) || (m->kernel_tcp.set && m->kernel_tcp.v) || m->swappiness.set
         || m->disable_oom_killer.set || m->use_hierarchy.set;
}

static int
apply_memory (const char *path, const struct holo_res_memory *m, holo_error_t *err)
{
  if (!memory_is_set (m))
    return 0;
  cleanup_free char *dir = need_controller (path, "memory", err);
  if (dir == NULL)
    return -1;
  if (set_memory_and_swap (dir, m, err) < 0)
    return -1;
  if (m->reservation.set && m->reservation.v
      && write_i64 (dir, "memory.soft_limit_in_bytes", m->reservation.v, err) < 0)
    return -1;
  /* Since Linux 5.16 a kernel memory limit is accepted and has no effect.  */
  if (m->kernel.set && m->kernel.v && holo_cg_exists (dir, "memory.kmem.limit_in_bytes")
      && write_i64 (dir, "memory.kmem.limit_in_bytes", m->kernel.v, err) < 0)
    return -1;
  if (m->kernel_tcp.set && m->kernel_tcp.v
      && write_i64 (dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v, err) < 0)
    return -1;
  if (m->swappiness.set && holo_cg_writef (dir, "memory.swappiness", err, "%" PRIu64, m->swappiness.v) < 0)
    return -1;
  if (m->disable_oom_killer.set
      && holo_cg_write (dir, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0", err) < 0)
    return -1;
  if (m->use_hierarchy.set)
    {
      /* Kernels since 5.x are always hierarchical and refuse "0".  */
      cleanup_error holo_error_t ignored = NULL;
      if (holo_cg_write (dir, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0", &ignored) < 0)
        {
          if (m->use_hierarchy.v || ignored->status != EINVAL)
            {
              *err = steal_pointer (&ignored);
              return -1;
            }
          holo_log_debug ("memory.use_hierarchy cannot be disabled on this kernel");
        }
    }
  return 0;
}

/* ---- cpu, cpuset ---- */

static int
set_cpu_shares (const char *dir, uint64_t shares, holo_error_t *err)
{
  uint64_t got = 0;
  if (holo_cg_writef (dir, "cpu.shares", err, "%" PRIu64, shares) < 0)
    return -1;
  /* The kernel clamps out-of-range values silently.  */
  if (holo_cg_read_u64 (dir, "cpu.shares", &got) == 0 && got != shares)
    return holo_make_error (err, 0, "the %s allowed cpu-shares is %" PRIu64, got > shares ? "minimum" : "maximum", got);
  return 0;
}

/* A period and its budget (cfs_period_us/cfs_quota_us, rt_period_us/
   rt_runtime_us): a smaller period can be refused (EINVAL) while the old
   budget would exceed what the parent allows per period; then the budget
   goes first.  */
static int
set_period_and_budget (const char *dir, const char *period_file, uint64_t period, const char *budget_file,
                       bool has_budget, int64_t budget, holo_error_t *err)
{
  bool period_pending = false;
  if (period)
    {
      cleanup_error holo_error_t perr = NULL;
      if (holo_cg_writef (dir, period_file, &perr, "%" PRIu64, period) < 0)
        {
          if (perr->status != EINVAL || !has_budget)
            {
              *err = steal_pointer (&perr);
              return -1;
            }
          period_pending = true;
        }
    }
  if (has_budget && write_i64 (dir, budget_file, budget, err) < 0)
    return -1;
  if (period_pending && holo_cg_writef (dir, period_file, err, "%" PRIu64, period) < 0)
    return -1;
  return 0;
}

static int
apply_cpu (const char *path, const struct holo_res_cpu *c, holo_error_t *err)
{
  uint64_t shares = c->shares.set ? c->shares.v : 0;
  uint64_t period = c->period.set ? c->period.v : 0;
  int64_t quota = c->quota.set ? c->quota.v : 0;
  uint64_t rt_period = c->realtime_period.set ? c->realtime_period.v : 0;
  int64_t rt_runtime = c->realtime_runtime.set ? c->realtime_runtime.v : 0;

  if (!shares && !period && !quota && !rt_period && !rt_runtime && !c->burst.set && !c->idle.set)
    return 0;
  cleanup_free char *dir = need_controller (path, "cpu", err);
  if (dir == NULL)
    return -1;
  if (shares && set_cpu_shares (dir, shares, err) < 0)
    return -1;
  if (set_period_and_budget (dir, "cpu.cfs_period_us", period, "cpu.cfs_quota_us", quota != 0, quota, err) < 0)
    return -1;
  if (c->burst.set && holo_cg_writef (dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (set_period_and_budget (dir, "cpu.rt_period_us", rt_period, "cpu.rt_runtime_us", rt_runtime != 0, rt_runtime, err)
      < 0)
    return -1;
  if (c->idle.set && write_i64 (dir, "cpu.idle", c->idle.v, err) < 0)
    return -1;
  return 0;
}

static int
apply_cpuset (const char *path, const struct holo_res_cpu *c, holo_error_t *err)
{
  if ((c->cpus == NULL || *c->cpus == '\0') && (c->mems == NULL || *c->mems == '\0'))
    return 0;
  cleanup_free char *dir = need_controller (path, "cpuset", err);
  if (dir == NULL)
    return -1;
  if (c->cpus && *c->cpus && holo_cg_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && *c->mems && holo_cg_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

/* ---- pids ---- */

static int
apply_pids (const char *path, const struct holo_opt_i64 *limit, holo_error_t *err)
{
  if (!limit->set || limit->v == 0)
    return 0;
  cleanup_free char *dir = need_controller (path, "pids", err);
  if (dir == NULL)
    return -1;
  char buf[32];
  return holo_cg_write (dir, "pids.max", holo_cg_limit_str (limit->v, buf, sizeof buf), err);
}

/* ---- blkio ---- */

static int
write_throttle (const char *dir, const char *file, const struct holo_throttle_list *l, holo_error_t *err)
{
  for (size_t i = 0; i < l->n; i++)
    if (holo_cg_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, l->v[i].major, l->v[i].minor, l->v[i].rate)
        < 0)
      return -1;
  return 0;
}

static bool
blkio_is_set (const struct holo_res_blkio *b)
{
  return (b->weight.set && b->weight.v) || (b->leaf_weight.set && b->leaf_weight.v) || b->n_weight_devices
         || b->read_bps.n || b->write_bps.n || b->read_iops.n || b->write_iops.n;
}

static int
apply_blkio (const char *path, const struct holo_res_blkio *b, holo_error_t *err)
{
  if (!blkio_is_set (b))
    return 0;
  cleanup_free char *dir = need_controller (path, "blkio", err);
  if (dir == NULL)
    return -1;
  /* With the BFQ scheduler (CFQ is gone since 5.0) the weights live in
     blkio.bfq.*.  */
  bool bfq = !holo_cg_exists (dir, "blkio.weight") && holo_cg_exists (dir, "blkio.bfq.weight");
  const char *weight_file = bfq ? "blkio.bfq.weight" : "blkio.weight";
  const char *weight_device_file = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";

  if (b->weight.set && b->weight.v && holo_cg_writef (dir, weight_file, err, "%" PRIu64, b->weight.v) < 0)
    return -1;
  if (b->leaf_weight.set && b->leaf_weight.v
      && holo_cg_writef (dir, "blkio.leaf_weight", err, "%" PRIu64, b->leaf_weight.v) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_devices; i++)
    {
      const struct holo_blkio_weight_device *d = &b->weight_devices[i];
      if (d->weight.set
          && holo_cg_writef (dir, weight_device_file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                             d->weight.v)
                 < 0)
        return -1;
      if (d->leaf_weight.set
          && holo_cg_writef (dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                             d->minor, d->leaf_weight.v)
                 < 0)
        return -1;
    }
  if (write_throttle (dir, "blkio.throttle.read_bps_device", &b->read_bps, err) < 0
      || write_throttle (dir, "blkio.throttle.write_bps_device", &b->write_bps, err) < 0
      || write_throttle (dir, "blkio.throttle.read_iops_device", &b->read_iops, err) < 0
      || write_throttle (dir, "blkio.throttle.write_iops_device", &b->write_iops, err) < 0)
    return -1;
  return 0;
}

/* ---- hugetlb, network, rdma ---- */

/* A hybrid host may have hugetlb on the cgroup2 hierarchy only; it is used
   when the container's cgroup2 directory has it enabled (holo does not
   change the host's cgroup2 subtree_control).  */
static int
hugetlb_dir (const char *path, char **dir, bool *v2, holo_error_t *err)
{
  *dir = holo_cgroup_controller_dir (path, "hugetlb");
  *v2 = false;
  if (*dir)
    return 0;
  cleanup_free char *unified = holo_cgroup_controller_dir (path, "");
  cleanup_free char *controllers = NULL;
  if (unified && holo_cg_read (unified, "cgroup.controllers", &controllers, NULL) == 0)
    {
      cleanup_free char *padded = holo_xasprintf (" %s ", controllers);
      for (char *p = padded; *p; p++)
        if (*p == '\n')
          *p = ' ';
      if (strstr (padded, " hugetlb "))
        {
          *dir = steal_pointer (&unified);
          *v2 = true;
          return 0;
        }
    }
  return holo_make_error (err, 0, "cannot set hugetlb limit: the hugetlb cgroup controller is not available");
}

static int
apply_hugetlb (const char *path, const struct holo_resources *r, holo_error_t *err)
{
  if (r->n_hugepages == 0)
    return 0;
  cleanup_free char *dir = NULL;
  bool v2;
  if (hugetlb_dir (path, &dir, &v2, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      const struct holo_hugepage_limit *h = &r->hugepages[i];
      cleanup_free char *file = holo_xasprintf ("hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
      cleanup_free char *rsvd = holo_xasprintf ("hugetlb.%s.rsvd.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
      if (!holo_cg_exists (dir, file))
        return holo_make_error (err, 0, "invalid hugepage size `%s`: the host does not support it", h->page_size);
      if (holo_cg_writef (dir, file, err, "%" PRIu64, h->limit) < 0)
        return -1;
      /* Keep the reservation limit in step, as runc does.  */
      if (holo_cg_exists (dir, rsvd) && holo_cg_writef (dir, rsvd, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

static int
apply_network (const char *path, const struct holo_resources *r, holo_error_t *err)
{
  if (r->net_class_id.set && r->net_class_id.v)
    {
      cleanup_free char *dir = need_controller (path, "net_cls", err);
      if (dir == NULL || holo_cg_writef (dir, "net_cls.classid", err, "%" PRIu64, r->net_class_id.v) < 0)
        return -1;
    }
  if (r->n_net_priorities)
    {
      cleanup_free char *dir = need_controller (path, "net_prio", err);
      if (dir == NULL)
        return -1;
      for (size_t i = 0; i < r->n_net_priorities; i++)
        if (holo_cg_writef (dir, "net_prio.ifpriomap", err, "%s %u", r->net_priorities[i].name,
                            r->net_priorities[i].priority)
            < 0)
          return -1;
    }
  return 0;
}

int
holo_cgroup_write_rdma (const char *dir, const struct holo_resources *r, holo_error_t *err)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct holo_rdma_limit *l = &r->rdma[i];
      cleanup_free char *handles
          = l->hca_handles.set ? holo_xasprintf (" hca_handle=%" PRIu64, l->hca_handles.v) : holo_xstrdup ("");
      cleanup_free char *objects
          = l->hca_objects.set ? holo_xasprintf (" hca_object=%" PRIu64, l->hca_objects.v) : holo_xstrdup ("");
      if (*handles == '\0' && *objects == '\0')
        continue;
      if (holo_cg_writef (dir, "rdma.max", err, "%s%s%s", l->device, handles, objects) < 0)
        return -1;
    }
  return 0;
}

static int
apply_rdma (const char *path, const struct holo_resources *r, holo_error_t *err)
{
  if (r->n_rdma == 0)
    return 0;
  cleanup_free char *dir = need_controller (path, "rdma", err);
  if (dir == NULL)
    return -1;
  return holo_cgroup_write_rdma (dir, r, err);
}

int
holo_cgroup_v1_apply (const char *path, const struct holo_resources *r, bool update, holo_error_t *err)
{
  (void) update; /* v1 files take each value alone: nothing to merge */
  if (apply_memory (path, &r->memory, err) < 0 || apply_cpu (path, &r->cpu, err) < 0
      || apply_cpuset (path, &r->cpu, err) < 0 || apply_pids (path, &r->pids_limit, err) < 0
      || apply_blkio (path, &r->blkio, err) < 0 || apply_hugetlb (path, r, err) < 0 || apply_network (path, r, err) < 0
      || apply_rdma (path, r, err) < 0)
    return -1;
  return 0;
}
