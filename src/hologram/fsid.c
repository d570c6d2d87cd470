/* Which filesystem a tree's files really live on, for the digest cache
   (cache.c explains why each part of the key is sound).

   A tree on a local filesystem whose inode attributes only the kernel sets
   (ext4, xfs, btrfs, f2fs, tmpfs) is identified by its superblock: st_dev,
   and the unique id (STATX_MNT_ID_UNIQUE, never reused during a boot) of
   one of its live mounts.  A tree on overlayfs whose layers all sit on one
   such filesystem, with an empty upper layer (a new container under
   containerd), shows each file of a lower layer unchanged, with that
   file's own inode number and times: it is identified by the layers'
   filesystem, so a new overlay mount of the same layers finds the same
   entries.  Anything else (FUSE, network filesystems, an overlay with
   copied-up files, data-only layers or metacopy) gets no cache.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef F2FS_SUPER_MAGIC
#define F2FS_SUPER_MAGIC 0xF2F52010
#endif
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

static bool
trusted_fs_type (long type)
{
  switch ((unsigned long) type)
    {
    case EXT4_SUPER_MAGIC: /* also ext2 and ext3 */
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case F2FS_SUPER_MAGIC:
    case TMPFS_MAGIC:
      return true;
    default:
      return false;
    }
}

/* ------------------------------------------------------------ mountinfo */

struct mount_line
{
  dev_t dev;
  char *mount_point; /* unescaped */
  char *fs_type;
  char *super_options; /* raw: options separated by ',', values \ooo-escaped */
};

/* \ooo escapes of /proc/self/mountinfo, in place.  */
static void
unescape_octal (char *s)
{
  char *o = s;
  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
      {
        *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
        s += 3;
      }
    else
      *o++ = *s;
  *o = '\0';
}

static bool
parse_mount_line (char *line, struct mount_line *m)
{
  char *save = NULL, *f[6];
  for (int i = 0; i < 6; i++)
    if ((f[i] = strtok_r (i ? NULL : line, " ", &save)) == NULL)
      return false;
  unsigned maj, min;
  if (sscanf (f[2], "%u:%u", &maj, &min) != 2)
    return false;
  char *sep;
  while ((sep = strtok_r (NULL, " ", &save)) && strcmp (sep, "-") != 0)
    ;
  char *type = sep ? strtok_r (NULL, " ", &save) : NULL;
  char *source = type ? strtok_r (NULL, " ", &save) : NULL;
  char *opts = source ? strtok_r (NULL, " \n", &save) : NULL;
  if (opts == NULL)
    return false;
  unescape_octal (f[4]);
  m->dev = makedev (maj, min);
  m->mount_point = holo_xstrdup (f[4]);
  m->fs_type = holo_xstrdup (type);
  m->super_options = holo_xstrdup (opts);
  return true;
}

/* Every mount of the superblock DEV in our mount namespace.  */
static size_t
mounts_of (dev_t dev, struct mount_line **out)
{
  *out = NULL;
  cleanup_free char *buf = NULL;
  if (holo_read_file ("/proc/self/mountinfo", &buf, NULL, NULL) < 0)
    return 0;
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct mount_line m;
      cleanup_free char *copy = holo_xstrdup (line);
      if (!parse_mount_line (copy, &m))
        continue;
      if (m.dev != dev)
        {
          free (m.mount_point);
          free (m.fs_type);
          free (m.super_options);
          continue;
        }
      *out = holo_xrealloc (*out, (n + 1) * sizeof **out);
      (*out)[n++] = m;
    }
  return n;
}

static void
free_mounts (struct mount_line *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (m[i].mount_point);
      free (m[i].fs_type);
      free (m[i].super_options);
    }
  free (m);
}

/* The smallest unique id among the live mounts of DEV that we can see: a
   superblock that reuses DEV later gets mounts with larger ids only.  */
static bool
superblock_mount_id (dev_t dev, uint64_t *id)
{
  struct mount_line *m;
  size_t n = mounts_of (dev, &m);
  bool found = false;
  for (size_t i = 0; i < n; i++)
    {
      struct statx sx;
      if (statx (AT_FDCWD, m[i].mount_point, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &sx) < 0
          || !(sx.stx_mask & STATX_MNT_ID_UNIQUE) || makedev (sx.stx_dev_major, sx.stx_dev_minor) != dev)
        continue;
      if (!found || sx.stx_mnt_id < *id)
        *id = sx.stx_mnt_id;
      found = true;
    }
  free_mounts (m, n);
  return found;
}

/* -------------------------------------------------------------- overlay */

struct overlay_layers
{
  char **lower; /* top first */
  size_t n_lower;
  char *upper; /* NULL: a read-only overlay */
  bool unsupported;
};

static void
layers_clear (struct overlay_layers *l)
{
  for (size_t i = 0; i < l->n_lower; i++)
    free (l->lower[i]);
  free (l->lower);
  free (l->upper);
  memset (l, 0, sizeof *l);
}

/* Overlay's own "\x" escapes (for ':' and ',' in paths), in place.  */
static void
unescape_backslash (char *s)
{
  char *o = s;
  for (; *s; s++)
    {
      if (*s == '\\' && s[1])
        s++;
      *o++ = *s;
    }
  *o = '\0';
}

static void
add_lower (struct overlay_layers *l, const char *path)
{
  cleanup_free char *p = holo_xstrdup (path);
  unescape_backslash (p);
  /* Relative paths were relative to the mounter's cwd: unknown here.  */
  if (p[0] != '/')
    l->unsupported = true;
  l->lower = holo_xrealloc (l->lower, (l->n_lower + 1) * sizeof *l->lower);
  l->lower[l->n_lower++] = steal_pointer (&p);
}

/* lowerdir=a:b (":" escaped as "\:"; "::" starts data-only layers).  */
static void
parse_lowerdir (struct overlay_layers *l, char *v)
{
  if (strstr (v, "::"))
    l->unsupported = true;
  char *start = v;
  for (char *p = v;; p++)
    {
      if (*p == '\\' && p[1])
        {
          p++;
          continue;
        }
      if (*p != ':' && *p != '\0')
        continue;
      bool end = *p == '\0';
      *p = '\0';
      if (*start)
        add_lower (l, start);
      if (end)
        return;
      start = p + 1;
    }
}

static void
parse_overlay_option (struct overlay_layers *l, char *opt)
{
  unescape_octal (opt);
  if (strncmp (opt, "lowerdir=", 9) == 0)
    parse_lowerdir (l, opt + 9);
  else if (strncmp (opt, "lowerdir+=", 10) == 0)
    add_lower (l, opt + 10);
  else if (strncmp (opt, "upperdir=", 9) == 0)
    {
      free (l->upper);
      unescape_backslash (opt + 9);
      l->upper = holo_xstrdup (opt + 9);
      if (l->upper[0] != '/')
        l->unsupported = true;
    }
  else if (strncmp (opt, "datadir+=", 9) == 0 || strcmp (opt, "metacopy=on") == 0)
    l->unsupported = true;
}

static void
parse_overlay (const char *super_options, struct overlay_layers *l)
{
  cleanup_free char *copy = holo_xstrdup (super_options);
  char *save = NULL;
  /* Literal commas in values are \054 in mountinfo: ',' separates.  */
  for (char *opt = strtok_r (copy, ",", &save); opt; opt = strtok_r (NULL, ",", &save))
    parse_overlay_option (l, opt);
  if (l->n_lower == 0)
    l->unsupported = true;
}

static int
open_layer (const char *path, struct stat *st)
{
  struct open_how how = {
    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int) syscall (SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd >= 0 && fstat (fd, st) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static bool
directory_is_empty (int fd)
{
  int dup_fd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return false;
    }
  bool empty = true;
  struct dirent *de;
  while (empty && (de = readdir (d)))
    empty = strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0;
  closedir (d);
  return empty;
}

/* The layers are all on one trusted filesystem (*DEV); the upper one is
   the overlay's (same inode as its root) and empty.  Feeds the lower
   layers' identities into CTX.  */
static bool
check_layers (const struct overlay_layers *l, const struct stat *root, dev_t *dev, EVP_MD_CTX *ctx)
{
  bool ok = true;
  for (size_t i = 0; ok && i < l->n_lower + (l->upper ? 1 : 0); i++)
    {
      bool is_upper = i == l->n_lower;
      struct stat st = { 0 };
      struct statfs sf;
      cleanup_close int fd = open_layer (is_upper ? l->upper : l->lower[i], &st);
      ok = fd >= 0 && fstatfs (fd, &sf) == 0 && trusted_fs_type (sf.f_type) && (i == 0 || st.st_dev == *dev);
      *dev = st.st_dev;
      /* The overlay's root is the upper layer's root (or, read-only, the
         top lower layer's): proof that the path still names it.  */
      if (ok && (is_upper || (i == 0 && l->upper == NULL)))
        ok = st.st_ino == root->st_ino;
      if (ok && is_upper)
        ok = directory_is_empty (fd);
      if (ok && !is_upper)
        EVP_DigestUpdate (ctx, &st.st_ino, sizeof st.st_ino);
    }
  return ok;
}

static bool
identify_overlay (const struct stat *root, struct holo_fs_identity *id, EVP_MD_CTX *ctx)
{
  struct mount_line *m;
  size_t n = mounts_of (root->st_dev, &m);
  struct overlay_layers l = { 0 };
  bool ok = n > 0 && strcmp (m[0].fs_type, "overlay") == 0;
  if (ok)
    parse_overlay (m[0].super_options, &l);
  free_mounts (m, n);
  ok = ok && !l.unsupported;
  EVP_DigestUpdate (ctx, "overlay", 8);
  ok = ok && check_layers (&l, root, &id->dev, ctx);
  layers_clear (&l);
  return ok && superblock_mount_id (id->dev, &id->mount_id);
}

static void
boot_id (EVP_MD_CTX *ctx)
{
  cleanup_free char *b = NULL;
  size_t len = 0;
  if (holo_read_file ("/proc/sys/kernel/random/boot_id", &b, &len, NULL) == 0)
    EVP_DigestUpdate (ctx, b, len);
}

bool
holo_fs_identify (int root_fd, const struct stat *root, struct holo_fs_identity *id)
{
  struct statfs sf;
  memset (id, 0, sizeof *id);
  if (fstatfs (root_fd, &sf) < 0)
    return false;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestInit_ex2 (ctx, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      return false;
    }
  /* Unique mount ids restart at boot: a cache from another boot is another
     cache.  */
  boot_id (ctx);
  bool ok;
  if ((unsigned long) sf.f_type == OVERLAYFS_SUPER_MAGIC)
    ok = identify_overlay (root, id, ctx);
  else
    {
      id->dev = root->st_dev;
      EVP_DigestUpdate (ctx, "dir", 4);
      EVP_DigestUpdate (ctx, &root->st_ino, sizeof root->st_ino);
      ok = trusted_fs_type (sf.f_type) && superblock_mount_id (id->dev, &id->mount_id);
    }
  id->overlay = (unsigned long) sf.f_type == OVERLAYFS_SUPER_MAGIC;
  EVP_DigestUpdate (ctx, &id->dev, sizeof id->dev);
  EVP_DigestUpdate (ctx, &id->mount_id, sizeof id->mount_id);
  unsigned char md[HOLO_SHA256_LEN];
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex (ctx, md, &len) == 1;
  EVP_MD_CTX_free (ctx);
  if (ok)
    holo_hex (md, 16, id->shard);
  return ok;
}
