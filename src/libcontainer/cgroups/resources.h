/* linux.resources: the runtime-spec's resource limits in typed form, parsed
   once (from config.json at create, from the --resources document or the
   flags at update) and applied to the container's cgroup by the v1 or v2
   backend.  Also: freezing, statistics and OOM notification of a cgroup.

   A value the document does not set stays unset (`set` false) and its cgroup
   file is left alone.  As in runc, 0 means "unset" for the byte limits, the
   CPU shares/quota/period, the block I/O weights and pids.limit.  */
#ifndef HOLO_CGROUP_RESOURCES_H
#define HOLO_CGROUP_RESOURCES_H

#include "../spec/spec.h"
#include <stdbool.h>
#include <stdint.h>

struct holo_opt_i64
{
  bool set;
  int64_t v;
};

struct holo_opt_u64
{
  bool set;
  uint64_t v;
};

struct holo_opt_bool
{
  bool set;
  bool v;
};

#define HOLO_DEV_WILDCARD (-1)

enum
{
  HOLO_DEV_ACC_READ = 1,
  HOLO_DEV_ACC_WRITE = 2,
  HOLO_DEV_ACC_MKNOD = 4,
  HOLO_DEV_ACC_ALL = 7
};

/* One linux.resources.devices entry: type 'a' (all), 'b' or 'c'; major and
   minor HOLO_DEV_WILDCARD when absent; access as HOLO_DEV_ACC_* bits.  */
struct holo_device_rule
{
  bool allow;
  char type;
  int64_t major;
  int64_t minor;
  unsigned access;
};

struct holo_res_memory
{
  struct holo_opt_i64 limit;
  struct holo_opt_i64 reservation;
  struct holo_opt_i64 swap; /* memory + swap, as cgroup v1 counts it */
  struct holo_opt_i64 kernel;
  struct holo_opt_i64 kernel_tcp;
  struct holo_opt_u64 swappiness;
  struct holo_opt_bool disable_oom_killer;
  struct holo_opt_bool use_hierarchy;
  struct holo_opt_bool check_before_update;
};

struct holo_res_cpu
{
  struct holo_opt_u64 shares;
  struct holo_opt_i64 quota;
  struct holo_opt_u64 burst;
  struct holo_opt_u64 period;
  struct holo_opt_i64 realtime_runtime;
  struct holo_opt_u64 realtime_period;
  char *cpus; /* NULL = unset */
  char *mems;
  struct holo_opt_i64 idle;
};

struct holo_blkio_weight_device
{
  int64_t major;
  int64_t minor;
  struct holo_opt_u64 weight;
  struct holo_opt_u64 leaf_weight;
};

struct holo_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct holo_throttle_list
{
  struct holo_throttle_device *v;
  size_t n;
};

struct holo_res_blkio
{
  struct holo_opt_u64 weight;
  struct holo_opt_u64 leaf_weight;
  struct holo_blkio_weight_device *weight_devices;
  size_t n_weight_devices;
  struct holo_throttle_list read_bps;
  struct holo_throttle_list write_bps;
  struct holo_throttle_list read_iops;
  struct holo_throttle_list write_iops;
};

struct holo_hugepage_limit
{
  char *page_size; /* "2MB", "1GB", "64KB" */
  uint64_t limit;
};

struct holo_net_priority
{
  char *name;
  uint32_t priority;
};

struct holo_rdma_limit
{
  char *device;
  struct holo_opt_u64 hca_handles;
  struct holo_opt_u64 hca_objects;
};

struct holo_resources
{
  struct holo_device_rule *devices;
  size_t n_devices;
  struct holo_res_memory memory;
  struct holo_res_cpu cpu;
  struct holo_opt_i64 pids_limit;
  struct holo_res_blkio blkio;
  struct holo_hugepage_limit *hugepages;
  size_t n_hugepages;
  struct holo_opt_u64 net_class_id;
  struct holo_net_priority *net_priorities;
  size_t n_net_priorities;
  struct holo_rdma_limit *rdma;
  size_t n_rdma;
  struct holo_kv *unified;
  size_t n_unified;
};

/* Parses a LinuxResources object; OBJ NULL gives an empty struct.  FILE and
   PATH name the object in errors: ("config.json", "linux.resources") gives
   "config.json: linux.resources.memory.limit: must be an integer".  */
int holo_resources_parse (yajl_val obj, const char *file, const char *path, struct holo_resources **out,
                          holo_error_t *err);
/* The same from JSON text (the document `update --resources` reads).  */

/* The device rules a container's cgroup gets: those of linux.resources.devices
   in order, then the devices every container may use (runc's list: mknod of
   any device, null, zero, full, random, urandom, tty, ptmx, pts, tun).  The
   last rule matching an access decides.  As in runc, a linux.devices entry
   is created in /dev but usable only when linux.resources.devices allows
   it (engines add the rule with the device).  */
void holo_resources_device_rules (const struct holo_resources *r, struct holo_device_rule **rules, size_t *n);

/* holo_parse_size: public, libcontainer.h.  */

/* Checks of the config that can be made before anything exists: the
   document itself, and what the host's cgroup layout cannot do ("unified"
   needs cgroup v2).  */
int holo_resources_validate_spec (const struct holo_spec *spec, holo_error_t *err);

/* Applies linux.resources (and the device rules) of SPEC to the cgroup PATH
   right after the init entered it.  */
int holo_cgroup_apply_spec (const char *path, const struct holo_spec *spec, holo_error_t *err);
/* Applies R to a running container's cgroup.  Device rules are not changed
   by an update (as in runc).  */
int holo_cgroup_update (const char *path, const struct holo_resources *r, holo_error_t *err);

/* Backends (v1.c, v2.c): UPDATE is true for `update` (read the current
   values where an order or a partial value depends on them).  */
int holo_cgroup_v1_apply (const char *path, const struct holo_resources *r, bool update, holo_error_t *err);
int holo_cgroup_v2_apply (const char *path, const struct holo_resources *r, bool update, holo_error_t *err);
/* Device rules: v1 devices.allow/deny (default deny first); v2 an eBPF
   BPF_CGROUP_DEVICE program attached to the cgroup directory.  */
int holo_cgroup_v1_devices (const char *dir, const struct holo_device_rule *rules, size_t n, holo_error_t *err);
int holo_cgroup_bpf_devices (const char *dir, const struct holo_device_rule *rules, size_t n, holo_error_t *err);

/* Freezer: v1 freezer.state or v2 cgroup.freeze, waiting until the state has
   settled.  */
int holo_cgroup_freeze (const char *path, bool freeze, holo_error_t *err);

/* Statistics as the "data" object of runc's events: {cpu, memory, pids,
   blkio, hugetlb, ...} (malloc'ed JSON).  */
int holo_cgroup_stats_json (const char *path, char **json, holo_error_t *err);

/* OOM notification: an fd that becomes readable when a process of the
   cgroup is OOM-killed (v1: eventfd on memory.oom_control; v2: inotify on
   memory.events).  holo_cgroup_oom_read returns the number of new OOM
   events (0 after a spurious wake-up) or -1 when the cgroup is gone.  */
struct holo_oom_watch;
int holo_cgroup_oom_watch (const char *path, struct holo_oom_watch **out, holo_error_t *err);
int holo_cgroup_oom_fd (const struct holo_oom_watch *w);
int holo_cgroup_oom_read (struct holo_oom_watch *w);
void holo_cgroup_oom_free (struct holo_oom_watch *w);

#endif
