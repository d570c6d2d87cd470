/* External mounts.  CRIU dumps a mount namespace by itself as long as every
   mount's filesystem is reachable from inside it; a mount whose source lives
   only on the host (a bind mount of the config, a host device, /dev/null
   over a masked file, the cgroup2 hierarchy) must be named "external" at
   dump time -- ext_mnt {mount point, key} -- and given a host path at
   restore -- ext_mnt {key, path}.  holo uses the mount point itself as the
   key, so a restore from another bundle maps each destination to that
   bundle's source.  */
#define _GNU_SOURCE
#include "criu.h"
#include "../rootfs/rootfs.h"
#include "../rootfs/rootfs_internal.h"
#include "../utils.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* ---- /proc/PID/mountinfo ---- */

/* "\040" and friends back to bytes, in place.  */
static void
unescape_octal (char *s)
{
  char *o = s;
  for (char *p = s; *p;)
    {
      if (p[0] == '\\' && isdigit ((unsigned char) p[1]) && isdigit ((unsigned char) p[2])
          && isdigit ((unsigned char) p[3]))
        {
          *o++ = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
          p += 4;
        }
      else
        *o++ = *p++;
    }
  *o = '\0';
}

/* id parent major:minor root mount_point options [optional...] - fstype ... */
static bool
parse_mountinfo_line (char *line, struct holo_criu_mount *m)
{
  char *save = NULL;
  char *fields[5];
  char *tok;
  int i;

  for (i = 0; i < 5; i++)
    {
      fields[i] = strtok_r (i == 0 ? line : NULL, " ", &save);
      if (fields[i] == NULL)
        return false;
    }
  while ((tok = strtok_r (NULL, " ", &save)) && strcmp (tok, "-") != 0)
    ;
  tok = tok ? strtok_r (NULL, " ", &save) : NULL;
  if (tok == NULL)
    return false;
  m->id = atoi (fields[0]);
  unescape_octal (fields[4]);
  m->mount_point = holo_xstrdup (fields[4]);
  m->fs_type = holo_xstrdup (tok);
  return true;
}

int
holo_criu_read_mounts (pid_t pid, struct holo_criu_mount **out, size_t *n_out, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/mountinfo", (int) pid);
  cleanup_free char *buf = NULL;
  struct holo_criu_mount *v = NULL;
  size_t n = 0;
  char *save = NULL;

  if (holo_read_file (path, &buf, NULL, err) < 0)
    return -1;
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct holo_criu_mount m;
      if (!parse_mountinfo_line (line, &m))
        continue;
      v = holo_xrealloc (v, (n + 1) * sizeof *v);
      v[n++] = m;
    }
  *out = v;
  *n_out = n;
  return 0;
}

void
holo_criu_mounts_free (struct holo_criu_mount *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (m[i].mount_point);
      free (m[i].fs_type);
    }
  free (m);
}

/* ---- the config's mounts ---- */

static bool
is_bind_mount (const struct holo_mount *m)
{
  struct holo_mount_flags mf;
  cleanup_error holo_error_t ignored = NULL;
  bool bind;

  memset (&mf, 0, sizeof mf);
  if (m->type && strcmp (m->type, "bind") == 0)
    return true;
  if (holo_parse_mount_options (m->options, &mf, &ignored) < 0)
    return false;
  bind = mf.bind;
  holo_mount_flags_release (&mf);
  return bind;
}

static bool
in_strv (char **v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    {
      cleanup_free char *clean = holo_clean_path (v[i]);
      if (strcmp (clean, s) == 0)
        return true;
    }
  return false;
}

/* Host filesystems CRIU cannot find inside the container: devices bound from
   the host's devtmpfs, /dev/null over masked files, cgroup2.  */
static bool
is_external_fs (const struct holo_criu_mount *m, const struct holo_spec *spec)
{
  if (strcmp (m->fs_type, "devtmpfs") == 0 || strcmp (m->fs_type, "cgroup2") == 0)
    return true;
  /* A masked directory is an empty tmpfs, which CRIU dumps by itself.  */
  return strcmp (m->fs_type, "tmpfs") != 0 && in_strv (spec->linux_.masked_paths, m->mount_point);
}

int
holo_criu_dump_mounts (CriuOpts *o, const struct holo_spec *spec, pid_t pid, holo_error_t *err)
{
  struct holo_criu_mount *mounts = NULL;
  size_t n = 0;

  for (size_t i = 0; i < spec->n_mounts; i++)
    if (is_bind_mount (&spec->mounts[i]))
      {
        cleanup_free char *dest = holo_clean_path (spec->mounts[i].destination);
        holo_criu_add_ext_mount (o, dest, dest);
      }
  if (holo_criu_read_mounts (pid, &mounts, &n, err) < 0)
    return holo_error_prefix (err, "read the container's mounts");
  for (size_t i = 0; i < n; i++)
    if (is_external_fs (&mounts[i], spec))
      holo_criu_add_ext_mount (o, mounts[i].mount_point, mounts[i].mount_point);
  holo_criu_mounts_free (mounts, n);
  return 0;
}

/* ---- restore ---- */

/* The devices holo creates in every container (rootfs/devices.c); with a
   user namespace they are bind mounts of the host's.  */
static const char *const default_devices[]
    = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL };

static void
restore_bind_mounts (CriuOpts *o, const struct holo_spec *spec, const char *bundle)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const struct holo_mount *m = &spec->mounts[i];
      if (!is_bind_mount (m) || m->source == NULL)
        continue;
      cleanup_free char *dest = holo_clean_path (m->destination);
      cleanup_free char *source
          = m->source[0] == '/' ? holo_xstrdup (m->source) : holo_xasprintf ("%s/%s", bundle, m->source);
      holo_criu_add_ext_mount (o, dest, source);
    }
}

static void
restore_cgroup_mounts (CriuOpts *o, const struct holo_spec *spec, const char *cgroup_dir)
{
  /* Without a cgroup namespace a fresh cgroup2 mount shows the whole
     hierarchy; in one, the container's own cgroup.  */
  const char *source = spec->linux_.namespaces[HOLO_NS_CGROUP].present && cgroup_dir ? cgroup_dir : "/sys/fs/cgroup";
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type && strcmp (spec->mounts[i].type, "cgroup") == 0)
      {
        cleanup_free char *dest = holo_clean_path (spec->mounts[i].destination);
        holo_criu_add_ext_mount (o, dest, source);
      }
}

int
holo_criu_restore_mounts (CriuOpts *o, const struct holo_spec *spec, const char *bundle, const char *cgroup_dir,
                          holo_error_t *err)
{
  size_t i;

  restore_bind_mounts (o, spec, bundle);
  for (i = 0; spec->linux_.masked_paths && spec->linux_.masked_paths[i]; i++)
    {
      cleanup_free char *path = holo_clean_path (spec->linux_.masked_paths[i]);
      holo_criu_add_ext_mount (o, path, "/dev/null");
    }
  for (i = 0; i < spec->linux_.n_devices; i++)
    if (spec->linux_.devices[i].path)
      {
        cleanup_free char *path = holo_clean_path (spec->linux_.devices[i].path);
        holo_criu_add_ext_mount (o, path, path);
      }
  for (i = 0; default_devices[i]; i++)
    holo_criu_add_ext_mount (o, default_devices[i], default_devices[i]);
  if (holo_cgroup_mode () == HOLO_CGROUP_UNIFIED)
    restore_cgroup_mounts (o, spec, cgroup_dir);
  (void) err;
  return 0;
}
