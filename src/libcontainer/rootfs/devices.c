/* /dev inside the container: linux.devices plus runc's default devices,
   the /proc/self/fd symlinks and /dev/ptmx.  /dev/console belongs to the
   terminal code.  Nodes are created with mknod(2) where the kernel lets us;
   in a user namespace (no device nodes allowed) the host's node of the same
   path is bind-mounted instead.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* What every container gets, unless linux.devices names the same path.  */
/* In runc's order, so the mount table inside a user namespace (where they
   are bind mounts) reads the same under both runtimes.  */
static const struct holo_device default_devices[] = {
  { .path = (char *) "/dev/null", .type = 'c', .major = 1, .minor = 3 },
  { .path = (char *) "/dev/random", .type = 'c', .major = 1, .minor = 8 },
  { .path = (char *) "/dev/full", .type = 'c', .major = 1, .minor = 7 },
  { .path = (char *) "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
  { .path = (char *) "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
  { .path = (char *) "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
};

static const struct
{
  const char *target;
  const char *name;
} dev_symlinks[] = {
  { "/proc/self/fd", "fd" },
  { "/proc/self/fd/0", "stdin" },
  { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" },
};

static int
device_type_bits (char type, mode_t *out)
{
  switch (type)
    {
    case 'c':
    case 'u': /* unbuffered character device: a character device to mknod */
      *out = S_IFCHR;
      return 0;
    case 'b':
      *out = S_IFBLK;
      return 0;
    case 'p':
      *out = S_IFIFO;
      return 0;
    default:
      return -1;
    }
}

/* Bind-mounts the host's node at the same path over an empty file.  */
static int
bind_host_device (int root_fd, const struct holo_device *dev, holo_error_t *err)
{
  cleanup_close int target_fd = -1;
  int tree_fd;

  target_fd = holo_ensure_in_root (root_fd, dev->path, false, err);
  if (target_fd < 0)
    return -1;
  tree_fd = holo_bind_mount_fd (AT_FDCWD, dev->path, 0, false, target_fd, NULL, NULL);
  if (tree_fd < 0)
    return holo_make_error (err, errno, "bind mount the host's `%s`", dev->path);
  close (tree_fd);
  return 0;
}

/* Returns 1 when mknod was refused with EPERM (no CAP_MKNOD), so the
   caller can fall back to a bind mount, as runc does.  */
static int
mknod_device (int root_fd, const struct holo_device *dev, holo_error_t *err)
{
  cleanup_free char *clean = holo_clean_path (dev->path);
  cleanup_close int parent_fd = -1;
  char *slash = strrchr (clean, '/');
  const char *name = slash + 1;
  mode_t type, perm = dev->has_file_mode ? (dev->file_mode & 07777) : 0666;

  if (device_type_bits (dev->type, &type) < 0)
    return holo_make_error (err, 0, "unknown device type `%c`", dev->type);

  *slash = '\0';
  parent_fd = holo_mkdir_in_root (root_fd, clean[0] ? clean : "/", err);
  if (parent_fd < 0)
    return -1;

  if (mknodat (parent_fd, name, type | perm, makedev (dev->major, dev->minor)) < 0)
    {
      if (errno == EEXIST)
        return 0; /* the image provides it: keep it, as runc does */
      if (errno == EPERM)
        return 1;
      return holo_make_error (err, errno, "mknod `%s`", dev->path);
    }
  /* mknod is subject to the umask; the spec's mode is not.  */
  if (fchmodat (parent_fd, name, perm, 0) < 0)
    return holo_make_error (err, errno, "chmod `%s`", dev->path);
  if (fchownat (parent_fd, name, dev->has_uid ? dev->uid : 0, dev->has_gid ? dev->gid : 0, AT_SYMLINK_NOFOLLOW) < 0)
    return holo_make_error (err, errno, "chown `%s`", dev->path);
  return 0;
}

static int
create_device (int root_fd, const struct holo_device *dev, bool in_new_userns, holo_error_t *err)
{
  cleanup_free char *clean = NULL;
  int ret;

  if (dev->path == NULL || dev->path[0] == '\0')
    return holo_make_error (err, 0, "a device needs a path");
  clean = holo_clean_path (dev->path);
  if (strcmp (clean, "/") == 0)
    return holo_make_error (err, 0, "cannot create a device over the container root");

  if (in_new_userns)
    return bind_host_device (root_fd, dev, err);
  ret = mknod_device (root_fd, dev, err);
  if (ret == 1)
    return bind_host_device (root_fd, dev, err);
  return ret;
}

static bool
spec_has_device (const struct holo_spec *spec, const char *path)
{
  size_t i;

  for (i = 0; i < spec->linux_.n_devices; i++)
    {
      cleanup_free char *clean = holo_clean_path (spec->linux_.devices[i].path ? spec->linux_.devices[i].path : "");
      if (strcmp (clean, path) == 0)
        return true;
    }
  return false;
}

static int
create_dev_symlinks (int dev_fd, holo_error_t *err)
{
  size_t i;

  for (i = 0; i < sizeof (dev_symlinks) / sizeof (dev_symlinks[0]); i++)
    if (symlinkat (dev_symlinks[i].target, dev_fd, dev_symlinks[i].name) < 0 && errno != EEXIST)
      return holo_make_error (err, errno, "symlink `/dev/%s`", dev_symlinks[i].name);

  /* Like runc, /dev/core only when the host kernel has a /proc/kcore.  */
  if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", dev_fd, "core") < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "symlink `/dev/core`");
  return 0;
}

/* /dev/ptmx must be the container's devpts instance, not the host's.  */
static int
create_ptmx_symlink (int dev_fd, holo_error_t *err)
{
  if (unlinkat (dev_fd, "ptmx", 0) < 0 && errno != ENOENT)
    return holo_make_error (err, errno, "remove `/dev/ptmx`");
  if (symlinkat ("pts/ptmx", dev_fd, "ptmx") < 0)
    return holo_make_error (err, errno, "symlink `/dev/ptmx`");
  return 0;
}

int
holo_setup_dev (const struct holo_spec *spec, const struct holo_rootfs_options *opts, int root_fd, holo_error_t *err)
{
  cleanup_close int dev_fd = -1;
  size_t i;

  dev_fd = holo_mkdir_in_root (root_fd, "/dev", err);
  if (dev_fd < 0)
    return -1;

  /* The default devices first, then the config's, in runc's order: a
     config device below one of them ("/dev/null/x") then fails as its own
     error, instead of turning /dev/null into a directory.  */
  for (i = 0; i < sizeof (default_devices) / sizeof (default_devices[0]); i++)
    if (!spec_has_device (spec, default_devices[i].path)
        && create_device (root_fd, &default_devices[i], opts->in_new_userns, err) < 0)
      return -1;

  for (i = 0; i < spec->linux_.n_devices; i++)
    if (create_device (root_fd, &spec->linux_.devices[i], opts->in_new_userns, err) < 0)
      return holo_error_prefix (err, "linux.devices[%zu] (%s)", i, spec->linux_.devices[i].path);

  if (create_dev_symlinks (dev_fd, err) < 0)
    return -1;
  return create_ptmx_symlink (dev_fd, err);
}
