/* Root filesystem setup, run by the container's init process inside its new
   mount namespace.  Order (see process/init.c):
     holo_rootfs_prepare  -> mounts, /dev, devices (paths resolved in the rootfs)
     [createRuntime/createContainer hooks]
     holo_rootfs_pivot    -> pivot_root (or MS_MOVE + chroot with --no-pivot)
     holo_apply_sysctl    -> linux.sysctl (before /proc/sys turns read-only)
     holo_rootfs_finalize -> maskedPaths, readonlyPaths, root.readonly, rootfsPropagation  */
#ifndef HOLO_ROOTFS_H
#define HOLO_ROOTFS_H

#include "../spec/spec.h"

struct holo_rootfs_options
{
  const char *rootfs; /* absolute, canonical host path of root.path */
  /* The root the container gets: a detached clone of root.path that the
     runtime made (ROOT_IS_TREE), or, when it could not (no privilege over
     the host's mounts), the O_PATH descriptor it opened on root.path.
     holo_rootfs_prepare attaches it and puts the attached mount under this
     same number; the pivot and everything after use it, never the path.  */
  int root_fd;
  bool root_is_tree;
  bool in_new_userns; /* devices must be bind-mounted from the host */
  bool has_mount_ns;  /* false: no mount namespace, nothing may be mounted */
  /* Per mounts[] entry: a detached idmapped bind mount holo prepared
     (holo_idmap_prepare_mounts), or -1.  NULL when there is none.  */
  const int *idmap_fds;
  /* /proc/self/cgroup as the init read it before unsharing its cgroup
     namespace (host paths), or NULL to read it when needed.  */
  const char *cgroup_file;
};

/* Opens PATH (relative or absolute, interpreted inside ROOT_FD) without ever
   resolving outside the root: symlinks are resolved as if ROOT_FD were "/".
   FLAGS are open(2) flags.  */
int holo_open_in_root (int root_fd, const char *path, int flags, mode_t mode, holo_error_t *err);
/* Creates every missing directory of PATH inside ROOT_FD (mode 0755) and
   returns an O_PATH|O_DIRECTORY fd on the last one.  */
int holo_mkdir_in_root (int root_fd, const char *path, holo_error_t *err);

/* tree.c: the rootfs as a descriptor (see there).  */
/* O_PATH|O_DIRECTORY on the canonical ROOTFS, no symlink followed.  */
int holo_rootfs_open_dir (const char *rootfs, holo_error_t *err);
/* A detached clone of the mount at ROOTFS_FD (open_tree), or -1 with errno
   (EPERM without privilege over the host's mounts).  */
int holo_rootfs_clone (int rootfs_fd, bool recursive);
/* A detached, non-recursive clone of the root mount of the process PID
   (the container's root as it is mounted, without its submounts).  */
int holo_rootfs_container_root (pid_t pid, holo_error_t *err);
/* The entries create would add to the rootfs's own filesystem before the
   container runs (missing mount points, default devices when /dev is not
   mounted, the cwd): the shallowest missing path of each, as absolute
   paths inside the container, in *OUT (a NULL-terminated strv).  */
int holo_rootfs_new_entries (const struct holo_spec *spec, int root_fd, char ***out, size_t *n);

int holo_rootfs_prepare (const struct holo_spec *spec, const struct holo_rootfs_options *opts, holo_error_t *err);
int holo_rootfs_pivot (const struct holo_spec *spec, const struct holo_rootfs_options *opts, bool no_pivot,
                       holo_error_t *err);
int holo_rootfs_finalize (const struct holo_spec *spec, const struct holo_rootfs_options *opts, holo_error_t *err);

/* Writes linux.sysctl under /proc/sys.  Call it after holo_rootfs_pivot (so
   /proc is the container's) and BEFORE holo_rootfs_finalize: readonlyPaths
   normally makes /proc/sys read-only (runc's order too).  */
int holo_apply_sysctl (const struct holo_spec *spec, holo_error_t *err);

/* Mount option parsing, shared with the spec validator:
   returns 0 and fills flags/propagation/data, or -1 for an empty option
   word.  As with runc, a word that is not a known option is filesystem data
   and lands in DATA (e.g. "mode=755,size=65536k"), so there is no "unknown
   option" error.  FLAGS carries MS_BIND (| MS_REC) for bind/rbind too.  */
struct holo_mount_flags
{
  unsigned long flags;       /* MS_* set */
  unsigned long clear_flags; /* MS_* explicitly cleared (e.g. "rw", "suid") */
  unsigned long propagation; /* MS_SHARED/MS_PRIVATE/... | MS_REC */
  unsigned long attr_set;    /* MOUNT_ATTR_* for recursive (rro, rnosuid...) */
  unsigned long attr_clr;
  bool bind;            /* bind or rbind */
  bool recursive_bind;  /* rbind */
  char *data;           /* malloc'ed, may be NULL */
  bool idmap;           /* idmap or ridmap */
  bool idmap_recursive; /* ridmap */
  bool tmpcopyup;       /* copy the destination's content into a new tmpfs */
};
int holo_parse_mount_options (char **options, struct holo_mount_flags *out, holo_error_t *err);
void holo_mount_flags_release (struct holo_mount_flags *mf); /* frees data */

/* Every option word holo_parse_mount_options knows (NULL-terminated), for
   the `features` document.  */
extern const char *const holo_mount_option_names[];

/* Idmapped bind mounts (idmap.c), prepared by holo (the parent) before
   the init exists: the init can not create them from inside its user
   namespace.  *FDS gets one fd per mounts[] entry (a detached tree, or
   -1), or NULL when no mount is idmapped.  */
int holo_idmap_prepare_mounts (const struct holo_spec *spec, const char *bundle, int **fds, holo_error_t *err);
void holo_idmap_close_mounts (int *fds, size_t n); /* closes and frees */
bool holo_mount_is_idmapped (const struct holo_mount *m, const struct holo_mount_flags *mf);
/* Whether the kernel can make idmapped mounts (mount_setattr, 5.12).  */
bool holo_idmap_supported (void);

/* Checks linux.sysctl against the namespaces of SPEC the way runc does (IPC
   keys need an IPC namespace, net.* a network namespace that is not the
   host's, kernel.domainname a UTS namespace; everything else is refused).
   Callable at create time, before anything is started.  */
int holo_sysctl_validate (const struct holo_spec *spec, holo_error_t *err);

#endif
