/* holo_rootfs_finalize (after pivot_root, so "/" is the container's root):
   rootfsPropagation, readonlyPaths, maskedPaths, root.readonly.

   These mounts use the fd-based API only (open_tree/move_mount/fsmount), so
   they work whether or not the config mounted a /proc.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif

/* ---- maskedPaths ---- */

/* An empty read-only tmpfs, detached, ready for move_mount.  */
static int
make_empty_readonly_tmpfs (void)
{
  cleanup_close int fs_fd = (int) syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);

  if (fs_fd < 0)
    return -1;
  if (syscall (SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0
      || syscall (SYS_fsconfig, fs_fd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0
      || syscall (SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  /* Read-only only, as runc 1.1 ("ro,relatime"): containers look the same
     under both runtimes.  */
  return (int) syscall (SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
}

/* The container's /dev/null, checked to really be the null device: a
   masked file must read as empty, whatever the image put in /dev.  */
static int
open_dev_null (int root_fd, holo_error_t *err)
{
  cleanup_close int fd = holo_open_in_root (root_fd, "/dev/null", O_PATH, 0, err);
  struct stat st;

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "stat `/dev/null`");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 1 || minor (st.st_rdev) != 3)
    return holo_make_error (err, 0, "`/dev/null` is not the null device");
  return steal_fd (&fd);
}

static int
mask_path (int root_fd, int *dev_null_fd, const char *path, holo_error_t *err)
{
  cleanup_close int target_fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  cleanup_close int mnt_fd = -1;
  struct stat st;

  if (target_fd < 0)
    {
      if (errno == ENOENT)
        return 0; /* nothing to hide */
      return holo_make_error (err, errno, "open `%s`", path);
    }
  if (fstat (target_fd, &st) < 0)
    return holo_make_error (err, errno, "stat `%s`", path);

  if (S_ISDIR (st.st_mode))
    mnt_fd = make_empty_readonly_tmpfs ();
  else
    {
      if (*dev_null_fd < 0)
        *dev_null_fd = open_dev_null (root_fd, err);
      if (*dev_null_fd < 0)
        return -1;
      mnt_fd = holo_sys_open_tree (*dev_null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    }
  if (mnt_fd < 0
      || holo_sys_move_mount (mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return holo_make_error (err, errno, "mask `%s`", path);
  return 0;
}

static int
mask_paths (const struct holo_spec *spec, int root_fd, holo_error_t *err)
{
  cleanup_close int dev_null_fd = -1;
  size_t i;

  for (i = 0; spec->linux_.masked_paths && spec->linux_.masked_paths[i]; i++)
    if (mask_path (root_fd, &dev_null_fd, spec->linux_.masked_paths[i], err) < 0)
      return holo_error_prefix (err, "linux.maskedPaths[%zu]", i);
  return 0;
}

/* ---- readonlyPaths ---- */

/* A read-only bind of the path over itself that keeps the other flags of
   the mount it shows (as runc 1.1: /proc/sys reads "ro,relatime").  Submounts are cloned and made read-only too: a
   read-only /proc/sys must not have a writable /proc/sys/fs/binfmt_misc.  */
static int
readonly_path (int root_fd, const char *path, holo_error_t *err)
{
  cleanup_close int target_fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  cleanup_close int tree_fd = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (target_fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return holo_make_error (err, errno, "open `%s`", path);
    }
  tree_fd = holo_bind_mount_fd (target_fd, "", AT_EMPTY_PATH, true, target_fd, NULL, &attr);
  if (tree_fd < 0)
    return holo_make_error (err, errno, "make `%s` read-only", path);
  return 0;
}

static int
readonly_paths (const struct holo_spec *spec, int root_fd, holo_error_t *err)
{
  size_t i;

  for (i = 0; spec->linux_.readonly_paths && spec->linux_.readonly_paths[i]; i++)
    if (readonly_path (root_fd, spec->linux_.readonly_paths[i], err) < 0)
      return holo_error_prefix (err, "linux.readonlyPaths[%zu]", i);
  return 0;
}

/* ---- the root itself ---- */

/* Only the read-only bit is set: the other flags of "/" (some locked in a
   user namespace) stay as they are, which a MS_REMOUNT would have had to
   restate.  Mounts below "/" keep their own flags, like runc.  */
static int
make_root_readonly (holo_error_t *err)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (holo_sys_mount_setattr (AT_FDCWD, "/", 0, &attr) < 0)
    return holo_make_error (err, errno, "make `/` read-only");
  return 0;
}

static bool
has_restrictions (const struct holo_spec *spec)
{
  return (spec->linux_.masked_paths && spec->linux_.masked_paths[0])
         || (spec->linux_.readonly_paths && spec->linux_.readonly_paths[0]);
}

int
holo_rootfs_finalize (const struct holo_spec *spec, const struct holo_rootfs_options *opts, holo_error_t *err)
{
  cleanup_close int root_fd = -1;

  if (!opts->has_mount_ns)
    {
      if (has_restrictions (spec))
        return holo_make_error (err, 0, "unable to restrict sys entries without a private mount namespace");
      if (spec->root_readonly)
        return holo_make_error (err, 0, "root.readonly needs a private mount namespace");
      return 0;
    }

  /* Applied here, on the container's "/", and not in prepare: done before
     pivot_root it would change the host's view of a shared rootfs.  */
  if (spec->linux_.rootfs_propagation && mount (NULL, "/", NULL, spec->linux_.rootfs_propagation, NULL) < 0)
    return holo_make_error (err, errno, "linux.rootfsPropagation: set the propagation of `/`");

  root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, errno, "open `/`");
  /* runc's order: read-only binds first, then the masks on top of them.  */
  if (readonly_paths (spec, root_fd, err) < 0 || mask_paths (spec, root_fd, err) < 0)
    return -1;
  if (spec->root_readonly && make_root_readonly (err) < 0)
    return holo_error_prefix (err, "root.readonly");
  return 0;
}
