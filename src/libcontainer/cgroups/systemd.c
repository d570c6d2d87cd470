/* The systemd driver's entry points: what create, restore and update call
   (the naming, the properties and the D-Bus calls are in the other
   systemd_*.c files).  */
#define _GNU_SOURCE
#include "systemd.h"
#include "cgroups.h"
#include "internal.h"
#include "../utils.h"

#include <inttypes.h>
#include <string.h>

/* Every property the unit starts with: the scope's own, the resources
   (device rules included), then the annotations, which have the last
   word, as in runc.  */
static int
start_props (const struct holo_systemd_unit *u, const char *id, pid_t pid, const struct holo_spec *spec,
             struct holo_sd_props *out, holo_error_t *err)
{
  cleanup_resources struct holo_resources *r = NULL;
  if (holo_resources_parse (spec->linux_.resources, "config.json", "linux.resources", &r, err) < 0)
    return -1;
  holo_systemd_scope_props (u, id, pid, out);
  if (holo_systemd_resource_props (r, NULL, true, out, err) < 0)
    return holo_error_prefix (err, "config.json");
  return holo_systemd_annotation_props (spec->annotations, spec->n_annotations, out, err);
}

int
holo_systemd_validate (const struct holo_systemd_unit *u, const char *id, const struct holo_spec *spec,
                       holo_error_t *err)
{
  /* The config's errors first: they do not depend on the host.  */
  cleanup_sd_props struct holo_sd_props props = { 0 };
  if (start_props (u, id, 1, spec, &props, err) < 0)
    return -1;
  return holo_systemd_check_host (err);
}

int
holo_systemd_enter (const struct holo_systemd_unit *u, const char *id, pid_t pid, const struct holo_spec *spec,
                    char **cgroup_path, holo_error_t *err)
{
  cleanup_sd_props struct holo_sd_props props = { 0 };
  if (start_props (u, id, pid, spec, &props, err) < 0)
    return -1;
  for (size_t i = 0; i < props.n; i++)
    {
      cleanup_free char *s = holo_sd_prop_to_string (&props.v[i]);
      holo_log_debug ("systemd: %s: %s", u->name, s);
    }
  cleanup_free char *path = NULL;
  if (holo_systemd_start_unit (u, &props, &path, err) < 0)
    return -1;
  /* systemd put the pid into the unit's cgroup2 directory (and the v1
     hierarchies it manages); the others (freezer, ... on a v1 host) get
     the same path, as runc's v1 systemd driver does.  */
  if (holo_cgroup_mode () != HOLO_CGROUP_UNIFIED && holo_cgroup_enter (path, pid, err) < 0)
    {
      cleanup_error holo_error_t ignored = NULL;
      holo_systemd_stop_unit (u->name, u->user, &ignored);
      return -1;
    }
  *cgroup_path = steal_pointer (&path);
  return 0;
}

/* What an update leaves out but a property needs, from the cgroup.  */
static void
read_current (const char *cgroup_path, struct holo_sd_current *cur)
{
  cur->memory_limit = 0;
  cur->cpu_period = 0;
  cleanup_free char *dir = holo_cgroup_controller_dir (cgroup_path, "memory");
  uint64_t v;
  if (dir
      && holo_cg_read_u64 (dir, holo_cgroup_mode () == HOLO_CGROUP_UNIFIED ? "memory.max" : "memory.limit_in_bytes", &v)
             == 0)
    cur->memory_limit = v == UINT64_MAX ? -1 : (int64_t) v;
  cleanup_free char *cpu = holo_cgroup_controller_dir (cgroup_path, "cpu");
  cleanup_free char *max = NULL;
  if (cpu == NULL)
    return;
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    {
      unsigned long long period;
      if (holo_cg_read (cpu, "cpu.max", &max, NULL) == 0 && sscanf (max, "%*s %llu", &period) == 1)
        cur->cpu_period = period;
    }
  else if (holo_cg_read_u64 (cpu, "cpu.cfs_period_us", &v) == 0)
    cur->cpu_period = v;
}

int
holo_systemd_update (const char *unit, bool user, const char *cgroup_path, const struct holo_resources *r,
                     holo_error_t *err)
{
  struct holo_sd_current cur;
  read_current (cgroup_path, &cur);
  cleanup_sd_props struct holo_sd_props props = { 0 };
  /* The device rules stay as they are: update does not change them.  */
  if (holo_systemd_resource_props (r, &cur, false, &props, err) < 0)
    return -1;
  return holo_systemd_set_properties (unit, user, &props, err);
}
