/* The runtime-spec linux object.  linux.resources and linux.seccomp are only
   type-checked here: the cgroup and seccomp code read them from the tree.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "parse_internal.h"

#include <inttypes.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

static int
ns_kind_from_name (const char *name)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (strcmp (holo_ns_spec_name ((enum holo_ns_kind) k), name) == 0)
      return k;
  return -1;
}

static int
parse_namespace (const struct holo_jloc *loc, yajl_val v, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *type = NULL;
  cleanup_free char *path = NULL;
  int kind;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_string (loc, v, "type", true, &type, err) < 0)
    return -1;
  kind = ns_kind_from_name (type);
  if (kind < 0)
    return holo_j_fail (err, loc, "type", "unknown namespace type \"%s\"", type);
  if (l->namespaces[kind].present)
    return holo_j_fail (err, loc, "type", "duplicate namespace type \"%s\"", type);
  if (holo_j_string (loc, v, "path", false, &path, err) < 0)
    return -1;
  l->namespaces[kind].present = true;
  /* An empty path means "create a new one", as when it is absent.  */
  if (path && path[0])
    l->namespaces[kind].path = steal_pointer (&path);
  return 0;
}

static int
parse_namespaces (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, "namespaces");
  yajl_val arr;

  if (holo_j_array (loc, obj, "namespaces", false, &arr, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      if (parse_namespace (&eloc, arr->u.array.values[i], l, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_id_mappings (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  if (holo_j_idmaps (loc, obj, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err) < 0
      || holo_j_idmaps (loc, obj, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err) < 0)
    return -1;
  if (l->namespaces[HOLO_NS_USER].present)
    return 0;
  if (l->n_uid_mappings > 0)
    return holo_j_fail (err, loc, "uidMappings", "requires a user namespace in linux.namespaces");
  if (l->n_gid_mappings > 0)
    return holo_j_fail (err, loc, "gidMappings", "requires a user namespace in linux.namespaces");
  return 0;
}

static int
parse_time_offset (const struct holo_jloc *loc, yajl_val v, struct holo_time_offset *t, holo_error_t *err)
{
  uint64_t nanosecs = 0;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_int (loc, v, "secs", false, INT64_MIN, INT64_MAX, &t->secs, NULL, err) < 0
      || holo_j_uint (loc, v, "nanosecs", false, 999999999, &nanosecs, NULL, err) < 0)
    return -1;
  t->present = true;
  t->nanosecs = (uint32_t) nanosecs;
  return 0;
}

static int
parse_time_offsets (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, "timeOffsets");
  struct holo_jloc tloc = { loc->file, path };
  yajl_val offsets;

  if (holo_j_object (loc, obj, "timeOffsets", false, &offsets, err) < 0)
    return -1;
  if (offsets == NULL)
    return 0;
  for (size_t i = 0; i < offsets->u.object.len; i++)
    {
      const char *clock = offsets->u.object.keys[i];
      cleanup_free char *cpath = holo_j_join (path, clock);
      struct holo_jloc cloc = { loc->file, cpath };
      struct holo_time_offset *t;

      if (strcmp (clock, "monotonic") == 0)
        t = &l->time_monotonic;
      else if (strcmp (clock, "boottime") == 0)
        t = &l->time_boottime;
      else
        return holo_j_fail (err, &tloc, NULL, "unknown clock \"%s\"", clock);
      if (parse_time_offset (&cloc, offsets->u.object.values[i], t, err) < 0)
        return -1;
    }
  if (offsets->u.object.len > 0 && !l->namespaces[HOLO_NS_TIME].present)
    return holo_j_fail (err, loc, "timeOffsets", "requires a time namespace in linux.namespaces");
  return 0;
}

static int
parse_device_type (const struct holo_jloc *loc, yajl_val v, struct holo_device *d, holo_error_t *err)
{
  cleanup_free char *type = NULL;

  if (holo_j_string (loc, v, "type", true, &type, err) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return holo_j_fail (err, loc, "type", "invalid device type \"%s\" (expected c, b, u or p)", type);
  d->type = type[0];
  return 0;
}

static int
parse_device (const struct holo_jloc *loc, yajl_val v, struct holo_device *d, holo_error_t *err)
{
  bool numbers_required;
  uint64_t mode = 0, uid = 0, gid = 0;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_string (loc, v, "path", true, &d->path, err) < 0)
    return -1;
  if (!holo_j_is_abs (d->path))
    return holo_j_fail (err, loc, "path", "must be an absolute path");
  if (parse_device_type (loc, v, d, err) < 0)
    return -1;
  /* A FIFO has no device numbers.  */
  numbers_required = d->type != 'p';
  if (holo_j_int (loc, v, "major", numbers_required, INT64_MIN, INT64_MAX, &d->major, NULL, err) < 0
      || holo_j_int (loc, v, "minor", numbers_required, INT64_MIN, INT64_MAX, &d->minor, NULL, err) < 0
      || holo_j_uint (loc, v, "fileMode", false, UINT32_MAX, &mode, &d->has_file_mode, err) < 0
      || holo_j_uint (loc, v, "uid", false, UINT32_MAX - 1, &uid, &d->has_uid, err) < 0
      || holo_j_uint (loc, v, "gid", false, UINT32_MAX - 1, &gid, &d->has_gid, err) < 0)
    return -1;
  /* Only permission bits: the file type comes from "type".  */
  d->file_mode = (mode_t) (mode & 07777);
  d->uid = (uid_t) uid;
  d->gid = (gid_t) gid;
  return 0;
}

static int
parse_devices (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, "devices");
  yajl_val arr;

  if (holo_j_array (loc, obj, "devices", false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  l->devices = holo_xmalloc (arr->u.array.len * sizeof (struct holo_device));
  l->n_devices = arr->u.array.len;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      if (parse_device (&eloc, arr->u.array.values[i], &l->devices[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_rootfs_propagation (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } modes[] = {
    { "shared", MS_SHARED },
    { "slave", MS_SLAVE },
    { "private", MS_PRIVATE },
    { "unbindable", MS_UNBINDABLE },
    { "rshared", MS_SHARED | MS_REC },
    { "rslave", MS_SLAVE | MS_REC },
    { "rprivate", MS_PRIVATE | MS_REC },
    { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  cleanup_free char *value = NULL;

  if (holo_j_string (loc, obj, "rootfsPropagation", false, &value, err) < 0)
    return -1;
  if (value == NULL || value[0] == '\0')
    return 0;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp (modes[i].name, value) == 0)
      {
        l->rootfs_propagation = modes[i].flags;
        return 0;
      }
  return holo_j_fail (err, loc, "rootfsPropagation", "invalid propagation \"%s\"", value);
}

static int
parse_path_list (const struct holo_jloc *loc, yajl_val obj, const char *key, char ***out, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, key);

  if (holo_j_strv (loc, obj, key, out, err) < 0)
    return -1;
  holo_j_strv_ensure (out);
  for (size_t i = 0; (*out)[i]; i++)
    if (!holo_j_is_abs ((*out)[i]))
      {
        cleanup_free char *epath = holo_j_join_index (path, i);
        struct holo_jloc eloc = { loc->file, epath };
        return holo_j_fail (err, &eloc, NULL, "must be an absolute path");
      }
  return 0;
}

/* Only the shape of the name is checked here; which sysctls a container may
   set depends on its namespaces and is checked at create time
   (holo_sysctl_validate).  */
static int
check_sysctl_name (const struct holo_jloc *loc, const char *name, holo_error_t *err)
{
  if (name[0] == '\0' || name[0] == '.' || name[0] == '/' || strstr (name, "..") != NULL)
    return holo_j_fail (err, loc, name, "invalid sysctl name");
  return 0;
}

static int
parse_sysctl (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, "sysctl");
  struct holo_jloc sloc = { loc->file, path };
  yajl_val sysctl;

  if (holo_j_object (loc, obj, "sysctl", false, &sysctl, err) < 0)
    return -1;
  if (sysctl == NULL)
    return 0;
  l->sysctl = holo_xmalloc (sysctl->u.object.len * sizeof (struct holo_kv));
  for (size_t i = 0; i < sysctl->u.object.len; i++)
    {
      const char *key = sysctl->u.object.keys[i];
      yajl_val v = sysctl->u.object.values[i];
      if (!YAJL_IS_STRING (v))
        return holo_j_fail (err, &sloc, key, "must be a string");
      if (check_sysctl_name (&sloc, key, err) < 0)
        return -1;
      l->sysctl[i].key = holo_xstrdup (key);
      l->sysctl[i].value = holo_xstrdup (YAJL_GET_STRING (v));
      l->n_sysctl++;
    }
  return 0;
}

static int
parse_personality (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, "personality");
  struct holo_jloc ploc = { loc->file, path };
  cleanup_free char *domain = NULL;
  cleanup_strv char **flags = NULL;
  yajl_val p;

  if (holo_j_object (loc, obj, "personality", false, &p, err) < 0)
    return -1;
  if (p == NULL)
    return 0;
  if (holo_j_string (&ploc, p, "domain", true, &domain, err) < 0)
    return -1;
  if (strcmp (domain, "LINUX") == 0)
    l->personality = PER_LINUX;
  else if (strcmp (domain, "LINUX32") == 0)
    l->personality = PER_LINUX32;
  else
    return holo_j_fail (err, &ploc, "domain", "unknown personality domain \"%s\" (expected LINUX or LINUX32)", domain);
  /* The spec defines no flag values yet.  */
  if (holo_j_strv (&ploc, p, "flags", &flags, err) < 0)
    return -1;
  if (flags && flags[0])
    return holo_j_fail (err, &ploc, "flags", "unsupported personality flag \"%s\"", flags[0]);
  l->has_personality = true;
  return 0;
}

/* holo does not implement Intel RDT (resctrl).  The runtime-spec: a
   runtime that cannot apply a property MUST fail, and MUST fail when
   intelRdt is set and no resctrl is mounted.  */
static int
refuse_intel_rdt (const struct holo_jloc *loc, yajl_val obj, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, "intelRdt");
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  return holo_j_fail (err, loc, "intelRdt", "Intel RDT (resctrl) is not supported by holo");
}

int
holo_parse_linux_object (const struct holo_jloc *loc, yajl_val obj, struct holo_linux *l, holo_error_t *err)
{
  if (refuse_intel_rdt (loc, obj, err) < 0 || parse_namespaces (loc, obj, l, err) < 0
      || parse_id_mappings (loc, obj, l, err) < 0 || parse_time_offsets (loc, obj, l, err) < 0
      || parse_devices (loc, obj, l, err) < 0
      || holo_j_string (loc, obj, "cgroupsPath", false, &l->cgroups_path, err) < 0
      || parse_rootfs_propagation (loc, obj, l, err) < 0
      || parse_path_list (loc, obj, "maskedPaths", &l->masked_paths, err) < 0
      || parse_path_list (loc, obj, "readonlyPaths", &l->readonly_paths, err) < 0
      || holo_j_string (loc, obj, "mountLabel", false, &l->mount_label, err) < 0 || parse_sysctl (loc, obj, l, err) < 0
      || parse_personality (loc, obj, l, err) < 0
      || holo_j_object (loc, obj, "resources", false, &l->resources, err) < 0
      || holo_j_object (loc, obj, "seccomp", false, &l->seccomp, err) < 0)
    return -1;
  return 0;
}

void
holo_linux_clear (struct holo_linux *l)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    free (l->namespaces[k].path);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  holo_strv_free (l->masked_paths);
  holo_strv_free (l->readonly_paths);
  free (l->mount_label);
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      free (l->sysctl[i].key);
      free (l->sysctl[i].value);
    }
  free (l->sysctl);
  memset (l, 0, sizeof *l);
}
