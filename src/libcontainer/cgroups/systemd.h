/* The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
   transient scope unit that systemd creates over D-Bus, as runc and crun do,
   so that systemd knows it, accounts for it and does not prune or migrate
   it.  linux.cgroupsPath is "slice:prefix:name"; the unit is
   "<prefix>-<name>.scope" in <slice>, Delegate=yes, with the init's pid in
   it.  The resources systemd owns are set as unit properties (at start and
   by `update` through SetUnitProperties); everything is also written into
   the delegated cgroup by the cgroupfs code, as runc does.

   systemd_unit.c  naming: "slice:prefix:name", the slice expansion
   systemd_props.c linux.resources and annotations as unit properties
   systemd_devices.c the device rules as DevicePolicy/DeviceAllow
   systemd_variant.c GVariant text values of org.systemd.property.* annotations
   systemd_bus.c   the D-Bus calls (sd-bus; optional at build time)  */
#ifndef HOLO_CGROUP_SYSTEMD_H
#define HOLO_CGROUP_SYSTEMD_H

#include "../spec/spec.h"
#include "resources.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- the driver (systemd.c) ---- */

struct holo_systemd_unit;
/* Before anything exists: the host runs systemd, and the unit's properties
   (resources, annotations) can be built from SPEC.  */
int holo_systemd_validate (const struct holo_systemd_unit *u, const char *id, const struct holo_spec *spec,
                           holo_error_t *err);
/* Starts the scope U holding PID with SPEC's resources and annotations as
   properties; *CGROUP_PATH gets its cgroup.  The cgroup's files are not
   written here (holo_cgroup_apply_spec does that next).  */
int holo_systemd_enter (const struct holo_systemd_unit *u, const char *id, pid_t pid, const struct holo_spec *spec,
                        char **cgroup_path, holo_error_t *err);
/* `update`: R's properties on UNIT (the cgroup's files are written by
   holo_cgroup_update).  */
int holo_systemd_update (const char *unit, bool user, const char *cgroup_path, const struct holo_resources *r,
                         holo_error_t *err);

/* ---- naming (systemd_unit.c) ---- */

struct holo_systemd_unit
{
  char *slice; /* "system.slice", "a-b.slice", "-.slice" */
  char *name;  /* "<prefix>-<name>.scope" */
  bool user;   /* the calling user's own systemd instance (rootless) */
};

void holo_systemd_unit_clear (struct holo_systemd_unit *u);

/* Parses linux.cgroupsPath for the systemd driver: "slice:prefix:name" (an
   empty slice is the default one), or, when empty, ("", "holo", ID).  The
   default slice is system.slice, or user.slice for the user instance
   (USER).  Errors name linux.cgroupsPath and what is wrong; nothing is
   asked of systemd.  */
int holo_systemd_parse_path (const char *cgroups_path, const char *id, bool user, struct holo_systemd_unit *out,
                             holo_error_t *err);

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" (how systemd nests
   slices), "-.slice" -> "".  NULL with an error for an invalid slice.  */
char *holo_systemd_expand_slice (const char *slice, holo_error_t *err);

/* ---- properties (systemd_props.c) ---- */

/* One D-Bus value in a property: its type code and the value.  */
struct holo_sd_val
{
  char type; /* b y n q i u x t d, or s o g (in .s) */
  union
  {
    bool b;
    uint64_t u;
    int64_t i;
    double d;
    char *s;
  };
};

/* A unit property as StartTransientUnit and SetUnitProperties take it:
   NAME, the variant's signature SIG (a basic type, "a" of a basic type, or
   "a(..)" of basic types) and its values in order, flattened.  */
struct holo_sd_prop
{
  char *name;
  char *sig;
  struct holo_sd_val *vals;
  size_t n_vals;
};

struct holo_sd_props
{
  struct holo_sd_prop *v;
  size_t n;
};

void holo_sd_props_free (struct holo_sd_props *p);
static inline void
holo_cleanup_sd_propsp (struct holo_sd_props *p)
{
  holo_sd_props_free (p);
}
#define cleanup_sd_props __attribute__ ((cleanup (holo_cleanup_sd_propsp)))

struct holo_sd_prop *holo_sd_props_add (struct holo_sd_props *p, const char *name, const char *sig);
void holo_sd_prop_push (struct holo_sd_prop *p, struct holo_sd_val v);
void holo_sd_props_add_bool (struct holo_sd_props *p, const char *name, bool v);
void holo_sd_props_add_u64 (struct holo_sd_props *p, const char *name, uint64_t v);
void holo_sd_props_add_str (struct holo_sd_props *p, const char *name, const char *v);
/* The last property named NAME, or NULL.  */
const struct holo_sd_prop *holo_sd_props_find (const struct holo_sd_props *p, const char *name);
/* "Name=SIG VALUE" (arrays "[a, b]", structs "(a, b)"): for logs and tests.
   Malloc'ed.  */
char *holo_sd_prop_to_string (const struct holo_sd_prop *p);

/* The values a request leaves out but a property needs (an update of the
   swap limit alone, of the CPU quota alone): taken from the cgroup.  */
struct holo_sd_current
{
  int64_t memory_limit; /* bytes, -1 unlimited, 0 unknown */
  uint64_t cpu_period;  /* µs, 0 unknown */
};

/* The properties for R (runc's set: CPUWeight, CPUQuotaPerSecUSec,
   CPUQuotaPeriodUSec, AllowedCPUs, AllowedMemoryNodes, MemoryMax, MemoryLow,
   MemorySwapMax, TasksMax, IOWeight, IODeviceWeight, what
   linux.resources.unified has a property for, and, with DEVICES, the device
   rules), appended to OUT.  */
int holo_systemd_resource_props (const struct holo_resources *r, const struct holo_sd_current *cur, bool devices,
                                 struct holo_sd_props *out, holo_error_t *err);

/* The properties of every transient scope (Description, Slice, Delegate,
   PIDs, the accounting switches, DefaultDependencies=no).  */
void holo_systemd_scope_props (const struct holo_systemd_unit *u, const char *id, pid_t pid, struct holo_sd_props *out);

/* org.systemd.property.NAME annotations as properties, as runc: NAME is
   letters only (at least 3), the value a GVariant text ("uint64 7", "true",
   "'str'", "['a', 'b']"), and a NAME ending in "Sec" after a lowercase
   letter becomes "...USec" with the value in microseconds.  */
int holo_systemd_annotation_props (const struct holo_kv *annotations, size_t n, struct holo_sd_props *out,
                                   holo_error_t *err);

/* ---- device rules (systemd_devices.c) ---- */

/* DevicePolicy and DeviceAllow for the rules (linux.resources.devices and
   the defaults, holo_resources_device_rules): runc's emulation of the
   devices cgroup, since systemd knows allow lists only.  Never narrower
   than the rules (holo's own filter enforces them exactly).  */
void holo_systemd_device_props (const struct holo_device_rule *rules, size_t n, struct holo_sd_props *out);

/* ---- GVariant text (systemd_variant.c) ---- */

/* Parses TEXT as a GVariant text value into P (its signature and values).
   Returns -1 with an error saying what is wrong.  */
int holo_gvariant_parse (const char *text, struct holo_sd_prop *p, holo_error_t *err);

/* ---- D-Bus (systemd_bus.c) ---- */

/* Whether holo was built with sd-bus.  */
bool holo_systemd_supported (void);
/* Loads libsystemd (sd_bus_dl.c), once; an error says why it cannot.  */
int holo_sd_bus_load (holo_error_t *err);
/* Checked before anything exists: holo has sd-bus and the host runs
   systemd (/run/systemd/system, as sd_booted(3) and runc check).  */
int holo_systemd_check_host (holo_error_t *err);

/* Starts U as a transient scope holding PID with PROPS and waits for the
   job; *CGROUP_PATH gets the unit's cgroup (ControlGroup, relative to the
   cgroup2 root).  On failure nothing is left: a started unit is stopped.  */
int holo_systemd_start_unit (const struct holo_systemd_unit *u, const struct holo_sd_props *props, char **cgroup_path,
                             holo_error_t *err);
/* SetUnitProperties (runtime) on unit NAME.  */
int holo_systemd_set_properties (const char *name, bool user, const struct holo_sd_props *props, holo_error_t *err);
/* Stops unit NAME and waits for it; a unit that is gone already is fine.
   Resets it if it failed, so that systemd forgets it.  */
int holo_systemd_stop_unit (const char *name, bool user, holo_error_t *err);

#endif
