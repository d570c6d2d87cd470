/* holo_rootfs_pivot: make the prepared rootfs the process's "/".

   pivot_root(2) is used with new_root == put_old == "." (see the NOTES of
   pivot_root(2)): the old root ends up stacked on top of the new one at
   "/" and is then lazily unmounted, with no temporary directory left in
   the image.  --no-pivot (rootfs on a ramfs, where
   pivot_root is not possible) moves the rootfs over "/" and chroots.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>

/* NEW_ROOT: the attached root mount (mounts.c), never the path.  */
static int
do_pivot_root (int new_root, const char *rootfs, holo_error_t *err)
{
  cleanup_close int old_root = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (old_root < 0)
    return holo_make_error (err, errno, "open `/`");
  if (fchdir (new_root) < 0)
    return holo_make_error (err, errno, "chdir to the rootfs `%s`", rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return holo_make_error (err, errno, "pivot_root");

  /* The old root is now stacked on top of the new one at "/".  Work on it
     through the fd opened before the pivot: a path such as "." could
     resolve to the new root instead, whose propagation must not change.
     Make it a slave first: if it were shared, detaching it would
     propagate to the host and take the host's mounts with it.  */
  if (fchdir (old_root) < 0)
    return holo_make_error (err, errno, "chdir to the old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return holo_make_error (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return holo_make_error (err, errno, "unmount the old root");
  if (chdir ("/") < 0)
    return holo_make_error (err, errno, "chdir to `/`");
  return 0;
}

static bool
is_rootfs_or_above (const char *mount_point, const char *rootfs)
{
  size_t len = strlen (mount_point);

  if (strcmp (mount_point, "/") == 0)
    return true;
  return strncmp (rootfs, mount_point, len) == 0 && (rootfs[len] == '/' || rootfs[len] == '\0');
}

static bool
is_inside_rootfs (const char *mount_point, const char *rootfs)
{
  size_t len = strlen (rootfs);

  return strncmp (mount_point, rootfs, len) == 0 && mount_point[len] == '/';
}

/* A chroot can be escaped by a process with CAP_SYS_CHROOT, so before
   chrooting, hide what the host has mounted outside the rootfs: unmount it,
   or when that is not allowed (locked mounts in a user namespace) cover it
   with an empty tmpfs.  Mounts under an already detached one are gone with
   it (EINVAL/ENOENT): nothing to do for those.  */
static int
hide_host_mounts (const char *rootfs, holo_error_t *err)
{
  struct holo_mountinfo *mi = NULL;
  size_t n = 0, i;

  if (holo_read_mountinfo (&mi, &n, err) < 0)
    return -1;
  for (i = n; i-- > 0;)
    {
      const char *mp = mi[i].mount_point;

      if (is_rootfs_or_above (mp, rootfs) || is_inside_rootfs (mp, rootfs))
        continue;
      if (umount2 (mp, MNT_DETACH) == 0 || errno == EINVAL || errno == ENOENT)
        continue;
      if (errno != EPERM || mount ("tmpfs", mp, "tmpfs", MS_RDONLY, "size=0") < 0)
        holo_log_debug ("no-pivot: cannot hide `%s`: %s", mp, strerror (errno));
    }
  holo_mountinfo_free (mi, n);
  return 0;
}

static int
do_move_root (int new_root, const char *rootfs, holo_error_t *err)
{
  if (hide_host_mounts (rootfs, err) < 0)
    return -1;
  if (fchdir (new_root) < 0)
    return holo_make_error (err, errno, "chdir to the rootfs `%s`", rootfs);
  if (holo_sys_move_mount (new_root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return holo_make_error (err, errno, "move the rootfs `%s` to `/`", rootfs);
  if (chroot (".") < 0)
    return holo_make_error (err, errno, "chroot");
  if (chdir ("/") < 0)
    return holo_make_error (err, errno, "chdir to `/`");
  return 0;
}

int
holo_rootfs_pivot (const struct holo_spec *spec, const struct holo_rootfs_options *opts, bool no_pivot,
                   holo_error_t *err)
{
  (void) spec;

  /* Without a mount namespace nothing may be mounted or unmounted: the
     process only changes its root.  */
  if (!opts->has_mount_ns)
    {
      /* The directory the runtime opened, not what the path names now.  */
      if (fchdir (opts->root_fd) < 0 || chroot (".") < 0)
        return holo_make_error (err, errno, "chroot to `%s`", opts->rootfs);
      if (chdir ("/") < 0)
        return holo_make_error (err, errno, "chdir to `/`");
      return 0;
    }
  if (no_pivot)
    return do_move_root (opts->root_fd, opts->rootfs, err);
  return do_pivot_root (opts->root_fd, opts->rootfs, err);
}
