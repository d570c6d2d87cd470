/* Helpers shared by the files of src/libcontainer/rootfs/ and nothing else.  */
#ifndef HOLO_ROOTFS_INTERNAL_H
#define HOLO_ROOTFS_INTERNAL_H

#include "rootfs.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fd-based mount API (Linux >= 5.2, mount_setattr >= 5.12).  We call
   the syscalls directly so the code does not depend on the libc having
   wrappers for them; the constants and struct mount_attr come from
   <sys/mount.h> (glibc >= 2.36) or the fallbacks below.  */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOUNT_ATTR_SIZE_VER0
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#define MOUNT_ATTR_IDMAP 0x00100000
#define MOUNT_ATTR_SIZE_VER0 32
struct mount_attr
{
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static inline int
holo_sys_open_tree (int dirfd, const char *path, unsigned int flags)
{
  return (int) syscall (SYS_open_tree, dirfd, path, flags);
}

static inline int
holo_sys_move_mount (int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags)
{
  return (int) syscall (SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

static inline int
holo_sys_mount_setattr (int dirfd, const char *path, unsigned int flags, struct mount_attr *attr)
{
  return (int) syscall (SYS_mount_setattr, dirfd, path, flags, attr, sizeof (*attr));
}

/* ---- path.c ---- */

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) on ROOT_FD; returns the
   fd, or -1 with errno set (ENOSYS when the kernel lacks openat2).  */
int holo_openat_in_root (int root_fd, const char *path, int flags, mode_t mode);
/* Returns an O_PATH fd on PATH inside ROOT_FD, creating it (and its parent
   directories) first when missing: a directory when DIRECTORY is true,
   otherwise an empty regular file.  */
int holo_ensure_in_root (int root_fd, const char *path, bool directory, holo_error_t *err);
/* Path of FD inside the container root ROOTFS (host path), e.g. "/proc/x",
   using /proc/self/fd; NULL if it can not be read or is outside ROOTFS.  */
char *holo_fd_path_in_root (int fd, const char *rootfs);
/* Copies the content of directory SRC_FD into directory DST_FD (both may be
   O_PATH): files, directories, symlinks, owners, modes, times.  */
int holo_copy_tree (int src_fd, int dst_fd, holo_error_t *err);
/* "/proc/self/fd/N" for mount(2) targets; BUF must hold 32 bytes.  */
const char *holo_fd_proc_path (int fd, char *buf);

/* One line of /proc/self/mountinfo.  */
struct holo_mountinfo
{
  char *root;        /* root of the mount inside its filesystem */
  char *mount_point; /* unescaped */
  char *fs_type;
  char *super_options;
  bool shared;
};
int holo_read_mountinfo (struct holo_mountinfo **out, size_t *n, holo_error_t *err);
void holo_mountinfo_free (struct holo_mountinfo *mi, size_t n);

/* ---- mount_options.c ---- */

/* MS_* per-mount flags to their MOUNT_ATTR_* equivalent (set / clear).  */
void holo_mount_flags_to_attr (unsigned long set, unsigned long clear, struct mount_attr *attr);
/* mount_setattr(FD, "", AT_EMPTY_PATH | FLAGS, ATTR); on EPERM retries
   without clearing the flags currently set (locked in a user namespace).
   Returns -1 with errno set.  */
int holo_setattr_keeping_locked (int fd, unsigned int flags, const struct mount_attr *attr);
/* Applies holo_mount_flags.propagation to the mount at FD.  */
int holo_apply_propagation (int fd, unsigned long propagation, holo_error_t *err);
/* The second half of holo_bind_mount_fd for a detached tree TREE_FD made
   elsewhere (an idmapped mount): ATTR, RATTR, then move_mount onto
   TARGET_FD.  Returns -1 with errno set.  */
int holo_attach_tree (int tree_fd, int target_fd, const struct mount_attr *attr, const struct mount_attr *rattr);
/* Bind-mounts SOURCE (resolved by the kernel relative to the cwd, following
   symlinks; or an fd with SOURCE "" and AT_EMPTY_PATH in OPEN_FLAGS) onto
   the O_PATH fd TARGET_FD.  ATTR is applied to the top mount, RATTR to the
   whole cloned tree before it becomes visible.  Returns an fd on the
   attached mount (the caller closes it), or -1 with errno set.  */
int holo_bind_mount_fd (int source_dirfd, const char *source, unsigned int open_flags, bool recursive, int target_fd,
                        const struct mount_attr *attr, const struct mount_attr *rattr);

/* ---- mounts.c ---- */

/* ---- cgroup mounts (mounts.c) ---- */
int holo_mount_cgroup (const struct holo_spec *spec, const struct holo_rootfs_options *opts, const struct holo_mount *m,
                       const struct holo_mount_flags *mf, int root_fd, int dest_fd, holo_error_t *err);

/* ---- devices.c ---- */
int holo_setup_dev (const struct holo_spec *spec, const struct holo_rootfs_options *opts, int root_fd,
                    holo_error_t *err);

#endif
