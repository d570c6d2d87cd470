/* holo_rootfs_prepare: make the rootfs a mount point of its own, then
   perform the spec's mounts[] in order, then populate /dev.

   Destinations are opened with openat2(RESOLVE_IN_ROOT) (path.c) and the
   mount lands on that very fd: bind mounts are cloned with open_tree(2) and
   attached with move_mount(2) after their attributes are set, so a mount
   never becomes visible with weaker flags than asked for; other filesystems
   use mount(2) on "/proc/self/fd/N" so their data string is handed to the
   kernel exactly as written (SELinux contexts, legacy filesystems).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../security/lsm.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

/* ---- the root ---- */

static bool
path_has_prefix (const char *path, const char *prefix)
{
  size_t len = strlen (prefix);

  if (strcmp (prefix, "/") == 0)
    return path[0] == '/';
  return strncmp (path, prefix, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* pivot_root(2) refuses a new root whose parent mount is shared, and a bind
   under a shared parent would propagate to the host: make the mount that
   contains ROOTFS private when it is shared (only possible when the user
   asked for a shared rootfsPropagation).  */
static int
make_rootfs_parent_private (const char *rootfs, holo_error_t *err)
{
  struct holo_mountinfo *mi = NULL;
  const struct holo_mountinfo *parent = NULL;
  size_t n = 0, i;
  int ret = 0;

  if (holo_read_mountinfo (&mi, &n, err) < 0)
    return -1;
  /* The longest mount point above ROOTFS; among mounts stacked on the same
     point the last listed is the visible one.  */
  for (i = 0; i < n; i++)
    if (path_has_prefix (rootfs, mi[i].mount_point)
        && (parent == NULL || strlen (mi[i].mount_point) >= strlen (parent->mount_point)))
      parent = &mi[i];
  if (parent && parent->shared && mount (NULL, parent->mount_point, NULL, MS_PRIVATE, NULL) < 0)
    ret = holo_make_error (err, errno, "make `%s` private", parent->mount_point);
  holo_mountinfo_free (mi, n);
  return ret;
}

/* The container's root is the tree the runtime opened at create, never
   whatever the path names now (tree.c): the clone the runtime made, or
   when it could not make one (rootless), our own clone of the directory
   at the path once it is proven to be the one the runtime opened.  The
   attached mount then takes the place of opts->root_fd, for the pivot.  */
static int
attach_root (const struct holo_rootfs_options *opts, unsigned long propagation, holo_error_t *err)
{
  cleanup_close int dest = open (opts->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int own = -1;
  int tree = opts->root_fd;
  struct stat here, opened;

  if (dest < 0)
    return holo_make_error (err, errno, "open the rootfs `%s`", opts->rootfs);
  if (!opts->root_is_tree)
    {
      if (fstat (dest, &here) < 0 || fstat (opts->root_fd, &opened) < 0)
        return holo_make_error (err, errno, "stat the rootfs `%s`", opts->rootfs);
      if (here.st_dev != opened.st_dev || here.st_ino != opened.st_ino)
        return holo_make_error (err, 0, "the rootfs `%s` was replaced after the runtime opened it", opts->rootfs);
      own = holo_rootfs_clone (dest, true);
      if (own < 0)
        return holo_make_error (err, errno, "clone the mount of the rootfs `%s`", opts->rootfs);
      tree = own;
    }
  /* pivot_root needs the new root to be a mount point: the tree, on top
     of the directory at the path.  */
  if (holo_sys_move_mount (tree, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return holo_make_error (err, errno, "mount the rootfs on `%s`", opts->rootfs);
  if (holo_apply_propagation (tree, propagation, err) < 0)
    return holo_error_prefix (err, "rootfs");
  if (own >= 0 && dup3 (own, opts->root_fd, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "keep the rootfs mount");
  return 0;
}

static int
prepare_root_mount (const struct holo_spec *spec, const struct holo_rootfs_options *opts, holo_error_t *err)
{
  /* Like runc: the whole tree becomes a slave of the host (mounts made on
     the host still show up, ours never leak out) unless the config says
     otherwise.  */
  unsigned long propagation = spec->linux_.rootfs_propagation ? spec->linux_.rootfs_propagation : MS_SLAVE | MS_REC;

  if (mount (NULL, "/", NULL, propagation, NULL) < 0)
    return holo_make_error (err, errno, "set the propagation of `/`");
  if (make_rootfs_parent_private (opts->rootfs, err) < 0)
    return -1;
  return attach_root (opts, propagation, err);
}

/* ---- one mounts[] entry ---- */

struct mount_ctx
{
  const struct holo_spec *spec;
  const struct holo_rootfs_options *opts;
  int root_fd;
  int idmap_fd; /* the current entry's idmapped tree (idmap.c), or -1 */
};

/* Files of /proc that may be mounted over (lxcfs-style emulation).  */
static const char *const proc_mount_allowlist[] = {
  "/proc/cpuinfo",
  "/proc/diskstats",
  "/proc/meminfo",
  "/proc/stat",
  "/proc/swaps",
  "/proc/uptime",
  "/proc/loadavg",
  "/proc/slabinfo",
  "/proc/net/dev",
  "/proc/sys/kernel/ns_last_pid",
  NULL,
};

static bool
is_on_procfs (const char *path)
{
  struct statfs sf;

  return path && statfs (path, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Mounting over parts of /proc (e.g. /proc/self/attr, /proc/sys) would
   let a config disable protections: /proc itself takes only a procfs (or a
   bind of one), and inside it only the allow-list may be mounted over.  */
static int
check_proc_destination (int dest_fd, const struct holo_mount *m, bool bind, const char *rootfs, holo_error_t *err)
{
  cleanup_free char *resolved = holo_fd_path_in_root (dest_fd, rootfs);
  size_t i;

  if (resolved == NULL)
    return holo_make_error (err, 0, "cannot resolve the destination `%s` inside the rootfs", m->destination);
  if (!path_has_prefix (resolved, "/proc"))
    return 0;
  if (strcmp (resolved, "/proc") == 0)
    {
      if ((m->type && strcmp (m->type, "proc") == 0) || (bind && is_on_procfs (m->source)))
        return 0;
      return holo_make_error (err, 0, "`%s` cannot be mounted because it is not of type proc", resolved);
    }
  for (i = 0; proc_mount_allowlist[i]; i++)
    if (strcmp (resolved, proc_mount_allowlist[i]) == 0)
      return 0;
  return holo_make_error (err, 0, "`%s` cannot be mounted because it is inside /proc", resolved);
}

static bool
selinux_enabled (void)
{
  return access ("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* Filesystem data plus the SELinux mount label for filesystems that take a
   context= option (the option itself is the LSM code's).  */
static char *
mount_data (const struct holo_spec *spec, const char *type, const char *data)
{
  bool labelled = strcmp (type, "tmpfs") == 0 || strcmp (type, "devpts") == 0 || strcmp (type, "mqueue") == 0;
  cleanup_free char *label = labelled && selinux_enabled () ? holo_lsm_mount_label_option (spec) : NULL;

  if (label == NULL)
    return holo_xstrdup (data);
  if (data == NULL || data[0] == '\0')
    return steal_pointer (&label);
  return holo_xasprintf ("%s,%s", data, label);
}

static int
mount_fs_at (int dest_fd, const char *source, const char *type, unsigned long flags, const char *data)
{
  char target[32];

  return mount (source, holo_fd_proc_path (dest_fd, target), type, flags, data);
}

static int
mount_bind (struct mount_ctx *ctx, const struct holo_mount *m, const struct holo_mount_flags *mf, bool recursive,
            holo_error_t *err)
{
  cleanup_close int dest_fd = -1;
  cleanup_close int tree_fd = -1;
  struct mount_attr attr, rattr = { .attr_set = mf->attr_set, .attr_clr = mf->attr_clr };
  struct stat st;

  if (m->source == NULL)
    return holo_make_error (err, 0, "a bind mount needs a source");
  /* The source lives on the host; relative paths are relative to the
     bundle, the process's cwd.  An idmapped tree is the source itself.  */
  if (ctx->idmap_fd >= 0 ? fstat (ctx->idmap_fd, &st) < 0 : stat (m->source, &st) < 0)
    return holo_make_error (err, errno, "stat the source `%s`", m->source);

  dest_fd = holo_ensure_in_root (ctx->root_fd, m->destination, S_ISDIR (st.st_mode), err);
  if (dest_fd < 0)
    return -1;
  if (check_proc_destination (dest_fd, m, true, ctx->opts->rootfs, err) < 0)
    return -1;

  holo_mount_flags_to_attr (mf->flags, mf->clear_flags, &attr);
  if (ctx->idmap_fd >= 0)
    {
      /* Prepared by holo; it stays open (close-on-exec) in the options.  */
      if (holo_attach_tree (ctx->idmap_fd, dest_fd, &attr, &rattr) < 0)
        return holo_make_error (err, errno, "attach the idmapped mount of `%s` on `%s`", m->source, m->destination);
      return holo_apply_propagation (ctx->idmap_fd, mf->propagation, err);
    }
  tree_fd = holo_bind_mount_fd (AT_FDCWD, m->source, 0, recursive, dest_fd, &attr, &rattr);
  if (tree_fd < 0)
    return holo_make_error (err, errno, "bind mount `%s` on `%s`", m->source, m->destination);
  return holo_apply_propagation (tree_fd, mf->propagation, err);
}

/* proc and sysfs over a symlink have been used to escape containers:
   insist on a real directory (or nothing) at the destination.  */
static int
check_ordinary_directory (int root_fd, const struct holo_mount *m, holo_error_t *err)
{
  cleanup_close int fd = holo_openat_in_root (root_fd, m->destination, O_PATH | O_NOFOLLOW, 0);
  struct stat st;

  if (fd < 0)
    return errno == ENOENT ? 0 : holo_make_error (err, errno, "open `%s`", m->destination);
  if (fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "stat `%s`", m->destination);
  if (!S_ISDIR (st.st_mode))
    return holo_make_error (err, 0, "filesystem `%s` must be mounted on an ordinary directory", m->type);
  return 0;
}

/* Unprivileged (user namespace) fallbacks runc users rely on: sysfs can not
   be mounted without owning the network namespace and mqueue without
   owning the IPC namespace, so bind the host's instead.  */
static const char *
userns_fallback_source (const struct holo_rootfs_options *opts, const char *type, int mount_errno)
{
  if (!opts->in_new_userns || mount_errno != EPERM)
    return NULL;
  if (strcmp (type, "sysfs") == 0)
    return "/sys";
  if (strcmp (type, "mqueue") == 0)
    return "/dev/mqueue";
  return NULL;
}

/* "gid=5" on devpts fails with EINVAL when that group is not mapped in
   the user namespace (rootless): drop the gid= option and try again.  */
static char *
devpts_data_without_gid (const struct holo_rootfs_options *opts, const char *type, const char *data, int mount_errno)
{
  cleanup_free char *copy = NULL;
  char *out, *save = NULL, *tok;

  if (!opts->in_new_userns || mount_errno != EINVAL || strcmp (type, "devpts") != 0 || data == NULL
      || strstr (data, "gid=") == NULL)
    return NULL;
  copy = holo_xstrdup (data);
  out = holo_xstrdup ("");
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      char *joined;
      if (strncmp (tok, "gid=", 4) == 0)
        continue;
      joined = out[0] ? holo_xasprintf ("%s,%s", out, tok) : holo_xstrdup (tok);
      free (out);
      out = joined;
    }
  return out;
}

/* Mounts a new instance of M's filesystem on DEST_FD.  When it has to fall
   back to binding the host's instance, *MNT_FD gets that mount.  */
static int
mount_new_instance (struct mount_ctx *ctx, const struct holo_mount *m, const struct holo_mount_flags *mf, int dest_fd,
                    int *mnt_fd, holo_error_t *err)
{
  cleanup_free char *data = mount_data (ctx->spec, m->type, mf->data);
  cleanup_free char *retry_data = NULL;
  const char *source = m->source ? m->source : m->type;
  unsigned long flags = mf->flags & ~(MS_BIND | MS_REC);
  const char *fallback;
  struct mount_attr attr;
  int saved;

  if (mount_fs_at (dest_fd, source, m->type, flags, data) == 0)
    return 0;
  retry_data = devpts_data_without_gid (ctx->opts, m->type, data, errno);
  if (retry_data && mount_fs_at (dest_fd, source, m->type, flags, retry_data) == 0)
    return 0;

  saved = errno;
  fallback = userns_fallback_source (ctx->opts, m->type, saved);
  if (fallback == NULL)
    return holo_make_error (err, saved, "mount `%s` (type %s) on `%s`", source, m->type, m->destination);
  holo_log_debug ("mount %s: %s, binding the host's %s instead", m->type, strerror (saved), fallback);
  holo_mount_flags_to_attr (flags, mf->clear_flags, &attr);
  *mnt_fd = holo_bind_mount_fd (AT_FDCWD, fallback, 0, true, dest_fd, NULL, &attr);
  if (*mnt_fd < 0)
    return holo_make_error (err, errno, "bind mount `%s` on `%s`", fallback, m->destination);
  return 0;
}

/* Mode of the directory a tmpfs is about to hide, when it exists and the
   options do not choose one: runc gives the new tmpfs that mode, so an
   image's /tmp (1777) stays 1777.  */
static bool
tmpfs_inherited_mode (int root_fd, const struct holo_mount *m, const struct holo_mount_flags *mf, mode_t *mode)
{
  cleanup_close int fd = -1;
  struct stat st;

  if (strcmp (m->type, "tmpfs") != 0 || (mf->data && strstr (mf->data, "mode=")))
    return false;
  fd = holo_openat_in_root (root_fd, m->destination, O_PATH | O_DIRECTORY, 0);
  if (fd < 0 || fstat (fd, &st) < 0)
    return false;
  *mode = st.st_mode & 07777;
  return true;
}

static int
chmod_mount_root (int mnt_fd, mode_t mode, const char *destination, holo_error_t *err)
{
  cleanup_close int dir_fd = openat (mnt_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dir_fd < 0 || fchmod (dir_fd, mode) < 0)
    return holo_make_error (err, errno, "chmod `%s`", destination);
  return 0;
}

static int
mount_filesystem (struct mount_ctx *ctx, const struct holo_mount *m, const struct holo_mount_flags *mf,
                  holo_error_t *err)
{
  cleanup_close int dest_fd = -1;
  cleanup_close int mnt_fd = -1;
  mode_t mode = 0;
  bool keep_mode;

  if ((strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0)
      && check_ordinary_directory (ctx->root_fd, m, err) < 0)
    return -1;

  keep_mode = tmpfs_inherited_mode (ctx->root_fd, m, mf, &mode);
  dest_fd = holo_mkdir_in_root (ctx->root_fd, m->destination, err);
  if (dest_fd < 0)
    return -1;
  if (check_proc_destination (dest_fd, m, false, ctx->opts->rootfs, err) < 0)
    return -1;

  if (strcmp (m->type, "cgroup") == 0)
    return holo_mount_cgroup (ctx->spec, ctx->opts, m, mf, ctx->root_fd, dest_fd, err);
  if (mount_new_instance (ctx, m, mf, dest_fd, &mnt_fd, err) < 0)
    return -1;

  if (mf->attr_set == 0 && mf->attr_clr == 0 && mf->propagation == 0 && !mf->tmpcopyup && !keep_mode)
    return 0;

  /* The new mount is on top of the destination: resolve it again to get a
     handle on the mount itself.  */
  if (mnt_fd < 0)
    mnt_fd = holo_open_in_root (ctx->root_fd, m->destination, O_PATH, 0, err);
  if (mnt_fd < 0)
    return -1;
  if (keep_mode && !(mf->flags & MS_RDONLY) && chmod_mount_root (mnt_fd, mode, m->destination, err) < 0)
    return -1;
  if (mf->tmpcopyup && strcmp (m->type, "tmpfs") == 0 && holo_copy_tree (dest_fd, mnt_fd, err) < 0)
    return holo_error_prefix (err, "tmpcopyup");
  if (mf->attr_set || mf->attr_clr)
    {
      struct mount_attr rattr = { .attr_set = mf->attr_set, .attr_clr = mf->attr_clr };
      if (holo_setattr_keeping_locked (mnt_fd, AT_RECURSIVE, &rattr) < 0)
        return holo_make_error (err, errno, "set recursive mount attributes on `%s`", m->destination);
    }
  return holo_apply_propagation (mnt_fd, mf->propagation, err);
}

static bool
is_bind_mount (const struct holo_mount *m, const struct holo_mount_flags *mf)
{
  return mf->bind || (m->type && strcmp (m->type, "bind") == 0);
}

static int
mount_one (struct mount_ctx *ctx, const struct holo_mount *m, holo_error_t *err)
{
  struct holo_mount_flags mf;
  cleanup_free char *clean = NULL;
  int ret;

  if (m->destination == NULL || m->destination[0] == '\0')
    return holo_make_error (err, 0, "a destination is required");
  clean = holo_clean_path (m->destination);
  if (strcmp (clean, "/") == 0)
    return holo_make_error (err, 0, "cannot mount over the container root `/`");

  if (holo_parse_mount_options (m->options, &mf, err) < 0)
    return -1;
  if (holo_mount_is_idmapped (m, &mf) && ctx->idmap_fd < 0)
    {
      holo_mount_flags_release (&mf);
      return holo_make_error (err, 0, "the idmapped mount was not prepared by the runtime");
    }

  if (is_bind_mount (m, &mf))
    /* type "bind" without a bind/rbind option: a recursive bind, which is
       what such configs (Docker's) expect.  */
    ret = mount_bind (ctx, m, &mf, mf.bind ? mf.recursive_bind : true, err);
  else if (m->type == NULL || m->type[0] == '\0')
    ret = holo_make_error (err, 0, "a type is required for a mount that is not a bind mount");
  else
    ret = mount_filesystem (ctx, m, &mf, err);
  holo_mount_flags_release (&mf);
  return ret;
}

/* /dev gets the default devices unless the config bind-mounts a /dev of
   its own (as runc decides).  */
static bool
needs_dev_setup (const struct holo_spec *spec)
{
  size_t i;

  for (i = 0; i < spec->n_mounts; i++)
    {
      const struct holo_mount *m = &spec->mounts[i];
      cleanup_free char *clean = NULL;
      struct holo_mount_flags mf;
      bool bind;

      if (m->destination == NULL)
        continue;
      clean = holo_clean_path (m->destination);
      if (strcmp (clean, "/dev") != 0 || holo_parse_mount_options (m->options, &mf, NULL) < 0)
        continue;
      bind = is_bind_mount (m, &mf);
      holo_mount_flags_release (&mf);
      if (bind)
        return false;
    }
  return true;
}

int
holo_rootfs_prepare (const struct holo_spec *spec, const struct holo_rootfs_options *opts, holo_error_t *err)
{
  cleanup_close int root_fd = -1;
  struct mount_ctx ctx;
  size_t i;

  if (!opts->has_mount_ns)
    {
      if (spec->n_mounts > 0)
        return holo_make_error (err, 0, "mounts: a mount namespace is required to perform mounts");
      return 0;
    }

  if (prepare_root_mount (spec, opts, err) < 0)
    return holo_error_prefix (err, "rootfs");

  /* The attached root mount, never the path.  */
  root_fd = fcntl (opts->root_fd, F_DUPFD_CLOEXEC, 3);
  if (root_fd < 0)
    return holo_make_error (err, errno, "dup the rootfs fd");

  ctx.spec = spec;
  ctx.opts = opts;
  ctx.root_fd = root_fd;
  for (i = 0; i < spec->n_mounts; i++)
    {
      ctx.idmap_fd = opts->idmap_fds ? opts->idmap_fds[i] : -1;
      if (mount_one (&ctx, &spec->mounts[i], err) < 0)
        return holo_error_prefix (err, "mounts[%zu] (%s)", i, spec->mounts[i].destination);
    }

  if (needs_dev_setup (spec) && holo_setup_dev (spec, opts, root_fd, err) < 0)
    return holo_error_prefix (err, "/dev");
  return 0;
}

/* ---- type "cgroup" ---- */

/* Mount options of a v1 hierarchy that are not part of its identity.  */
static bool
is_cgroup_v1_identity_option (const char *opt)
{
  static const char *const not_identity[]
      = { "rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods", NULL };
  size_t i;

  if (strncmp (opt, "release_agent=", 14) == 0)
    return false;
  for (i = 0; not_identity[i]; i++)
    if (strcmp (opt, not_identity[i]) == 0)
      return false;
  return true;
}

/* "rw,cpu,cpuacct" -> "cpu,cpuacct": the controllers (and name=) that
   identify a v1 hierarchy, as /proc/self/cgroup lists them.  */
static char *
cgroup_v1_controllers (const char *super_options)
{
  cleanup_free char *copy = holo_xstrdup (super_options);
  char *out = holo_xstrdup ("");
  char *save = NULL, *tok;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      char *joined;
      if (!is_cgroup_v1_identity_option (tok))
        continue;
      joined = out[0] ? holo_xasprintf ("%s,%s", out, tok) : holo_xstrdup (tok);
      free (out);
      out = joined;
    }
  return out;
}

/* Our cgroup in the hierarchy whose controllers are CONTROLLERS, read from
   /proc/self/cgroup ("4:cpu,cpuacct:/path").  */
static char *
own_cgroup_path (const char *cgroup_file, const char *controllers)
{
  cleanup_free char *copy = holo_xstrdup (cgroup_file);
  char *save = NULL, *line;

  for (line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrl = strchr (line, ':');
      char *path = ctrl ? strchr (ctrl + 1, ':') : NULL;
      if (path == NULL)
        continue;
      *path++ = '\0';
      if (strcmp (ctrl + 1, controllers) == 0)
        return holo_xstrdup (path);
    }
  return NULL;
}

/* Host path of our own cgroup in hierarchy MI (mounted with root MI->root).  */
static char *
own_cgroup_host_path (const struct holo_mountinfo *mi, const char *own)
{
  size_t root_len = strlen (mi->root);

  if (strcmp (mi->root, "/") == 0)
    return holo_xasprintf ("%s%s", mi->mount_point, strcmp (own, "/") == 0 ? "" : own);
  if (strncmp (own, mi->root, root_len) == 0 && (own[root_len] == '/' || own[root_len] == '\0'))
    return holo_xasprintf ("%s%s", mi->mount_point, own + root_len);
  return NULL;
}

struct cgroup_mount_ctx
{
  bool new_cgroupns;
  unsigned long flags; /* MS_* for every hierarchy */
  const char *cgroup_file;
  int tmpfs_fd;
};

static int
mount_cgroup_v1_hierarchy (struct cgroup_mount_ctx *c, const struct holo_mountinfo *mi, const char *name,
                           holo_error_t *err)
{
  cleanup_free char *controllers = cgroup_v1_controllers (mi->super_options);
  cleanup_free char *own = NULL;
  cleanup_free char *source = NULL;
  cleanup_close int sub_fd = -1;
  cleanup_close int tree_fd = -1;
  struct mount_attr attr;

  if (mkdirat (c->tmpfs_fd, name, 0755) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s`", name);
  sub_fd = openat (c->tmpfs_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub_fd < 0)
    return holo_make_error (err, errno, "open `%s`", name);

  /* In a cgroup namespace a fresh mount shows the namespace's root.  */
  if (c->new_cgroupns)
    {
      if (mount_fs_at (sub_fd, "cgroup", "cgroup", c->flags, controllers) < 0)
        return holo_make_error (err, errno, "mount cgroup hierarchy `%s`", controllers);
      return 0;
    }

  /* Otherwise only the container's own cgroup is shown, bind-mounted.  */
  own = own_cgroup_path (c->cgroup_file, controllers);
  source = own ? own_cgroup_host_path (mi, own) : NULL;
  if (source == NULL)
    return holo_make_error (err, 0, "cannot find our cgroup in hierarchy `%s`", controllers);
  holo_mount_flags_to_attr (c->flags, 0, &attr);
  tree_fd = holo_bind_mount_fd (AT_FDCWD, source, 0, false, sub_fd, &attr, NULL);
  if (tree_fd < 0)
    return holo_make_error (err, errno, "bind mount `%s`", source);
  return 0;
}

/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on hosts.  */
static void
link_comounted_controllers (int tmpfs_fd, const char *name)
{
  cleanup_free char *copy = NULL;
  char *save = NULL, *tok;

  if (strchr (name, ',') == NULL)
    return;
  copy = holo_xstrdup (name);
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (strchr (tok, '=') == NULL && symlinkat (name, tmpfs_fd, tok) < 0 && errno != EEXIST)
      holo_log_debug ("symlink cgroup `%s` -> `%s`: %s", tok, name, strerror (errno));
}

/* cgroup v1 (and hybrid) hosts: a tmpfs holding one directory per host
   hierarchy, as runc lays it out.  */
static int
mount_cgroup_v1 (struct cgroup_mount_ctx *c, int root_fd, const struct holo_mount *m, int dest_fd, holo_error_t *err)
{
  struct holo_mountinfo *mi = NULL;
  size_t n = 0, i, j;
  int ret = 0;

  if (mount_fs_at (dest_fd, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return holo_make_error (err, errno, "mount tmpfs for the cgroup hierarchies");
  c->tmpfs_fd = holo_open_in_root (root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (c->tmpfs_fd < 0)
    return -1;

  if (holo_read_mountinfo (&mi, &n, err) < 0)
    goto out_fail;
  for (i = 0; i < n && ret == 0; i++)
    {
      const char *name = strrchr (mi[i].mount_point, '/');
      bool seen = false;

      if (strcmp (mi[i].fs_type, "cgroup") != 0 || name == NULL || name[1] == '\0')
        continue;
      name++;
      for (j = 0; j < i && !seen; j++)
        seen = strcmp (mi[j].fs_type, "cgroup") == 0 && strcmp (strrchr (mi[j].mount_point, '/') + 1, name) == 0;
      if (seen)
        continue;
      ret = mount_cgroup_v1_hierarchy (c, &mi[i], name, err);
      if (ret == 0)
        link_comounted_controllers (c->tmpfs_fd, name);
    }
  holo_mountinfo_free (mi, n);
  if (ret < 0)
    goto out_fail;

  /* As runc 1.1: with "ro" the tmpfs stays a "rw" mount whose root is
     mode 0555 (the hierarchies inside are read-only binds), so the same
     container sees the same /sys/fs/cgroup under both runtimes.  */
  if (c->flags & MS_RDONLY)
    {
      char path[64];
      if (chmod (holo_fd_proc_path (c->tmpfs_fd, path), 0555) < 0)
        {
          ret = holo_make_error (err, errno, "chmod the cgroup tmpfs");
          goto out_fail;
        }
    }
  return c->tmpfs_fd; /* the caller applies propagation and closes it */

out_fail:
  close (c->tmpfs_fd);
  return -1;
}

/* cgroup v2 hosts: a fresh cgroup2 mount; without the privilege for it (a
   user namespace without a cgroup namespace: EPERM; or with one, while the
   hierarchy's superblock belongs to the initial user namespace: EBUSY),
   our own cgroup bind-mounted, which is what a cgroup namespace rooted
   there would show.  */
static int
mount_cgroup_v2 (struct cgroup_mount_ctx *c, int root_fd, const struct holo_mount *m, int dest_fd, holo_error_t *err)
{
  cleanup_free char *own = NULL;
  cleanup_free char *source = NULL;
  struct mount_attr attr;
  int fd;

  if (mount_fs_at (dest_fd, "cgroup2", "cgroup2", c->flags, NULL) == 0)
    return holo_open_in_root (root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (errno != EPERM && errno != EBUSY)
    return holo_make_error (err, errno, "mount cgroup2");

  own = own_cgroup_path (c->cgroup_file, "");
  if (own == NULL)
    return holo_make_error (err, 0, "cannot find our cgroup2 path in /proc/self/cgroup");
  source = holo_xasprintf ("/sys/fs/cgroup%s", strcmp (own, "/") == 0 ? "" : own);
  holo_mount_flags_to_attr (c->flags, 0, &attr);
  fd = holo_bind_mount_fd (AT_FDCWD, source, 0, true, dest_fd, &attr, NULL);
  if (fd < 0)
    return holo_make_error (err, errno, "bind mount `%s`", source);
  return fd;
}

int
holo_mount_cgroup (const struct holo_spec *spec, const struct holo_rootfs_options *opts, const struct holo_mount *m,
                   const struct holo_mount_flags *mf, int root_fd, int dest_fd, holo_error_t *err)
{
  cleanup_free char *cgroup_file = holo_xstrdup (opts->cgroup_file);
  cleanup_close int mnt_fd = -1;
  struct cgroup_mount_ctx c;
  struct statfs sf;

  if (cgroup_file == NULL && holo_read_file ("/proc/self/cgroup", &cgroup_file, NULL, err) < 0)
    return -1;
  if (statfs ("/sys/fs/cgroup", &sf) < 0)
    return holo_make_error (err, errno, "statfs `/sys/fs/cgroup`");

  c.new_cgroupns = spec->linux_.namespaces[HOLO_NS_CGROUP].present;
  c.flags = (mf->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  c.cgroup_file = cgroup_file;
  c.tmpfs_fd = -1;

  if (sf.f_type == CGROUP2_SUPER_MAGIC)
    mnt_fd = mount_cgroup_v2 (&c, root_fd, m, dest_fd, err);
  else
    mnt_fd = mount_cgroup_v1 (&c, root_fd, m, dest_fd, err);
  if (mnt_fd < 0)
    return -1;
  return holo_apply_propagation (mnt_fd, mf->propagation, err);
}
