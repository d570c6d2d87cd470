/* UOR-ID v1 of a root filesystem (HOLOGRAM.md section 1).

   Two phases: a walk that lstat()s every entry (relative to directory fds,
   never following a symlink, not descending across st_dev) and records one
   line per entry, taking file digests from the cache when it can; then the
   files the cache did not know are hashed (hash.c).  The walk also notes
   which directories and regular files lack the immutable flag (sealing,
   section 7.3), from the statx attributes it reads anyway, and stops at the
   verification deadline.  */
#define _GNU_SOURCE
#include "uor_walk.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define UOR_HEADER "hologram-uor-v1\n"
/* Up to this many lines, our SHA-256 (sha256.c) digests them faster than
   OpenSSL can start.  */
#define UOR_SMALL_TREE 5000

bool
holo_uor_id_valid (const char *s)
{
  if (s == NULL || strncmp (s, HOLO_UOR_PREFIX, strlen (HOLO_UOR_PREFIX)) != 0)
    return false;
  s += strlen (HOLO_UOR_PREFIX);
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return false;
  return n == 64;
}

size_t
holo_uor_escape (const char *s, size_t len, char *out)
{
  static const char digits[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c <= 0x20 || c >= 0x7f || c == '%')
        {
          out[o++] = '%';
          out[o++] = digits[c >> 4];
          out[o++] = digits[c & 0xf];
        }
      else
        out[o++] = (char) c;
    }
  out[o] = '\0';
  return o;
}

static struct uor_entry *
add_entry (struct uor_walk *w, const char *parent_esc, const char *name, const struct stat *st, char type)
{
  if (w->n_entries == w->cap_entries)
    {
      w->cap_entries = w->cap_entries ? w->cap_entries * 2 : 1024;
      w->entries = holo_xrealloc (w->entries, w->cap_entries * sizeof *w->entries);
    }
  size_t nlen = strlen (name), plen = strlen (parent_esc);
  char *path = holo_xmalloc (plen + 1 + 3 * nlen + 1);
  memcpy (path, parent_esc, plen);
  path[plen] = '/';
  holo_uor_escape (name, nlen, path + plen + 1);
  struct uor_entry *e = &w->entries[w->n_entries++];
  memset (e, 0, sizeof *e);
  e->path = path;
  e->type = type;
  e->mode = st->st_mode & 07777;
  e->uid = st->st_uid;
  e->gid = st->st_gid;
  return e;
}

static char *
child_rel (const char *parent_rel, const char *name)
{
  return *parent_rel ? holo_xasprintf ("%s/%s", parent_rel, name) : holo_xstrdup (name);
}

static void
push_dir (struct uor_walk *w, char *rel, const char *esc, const struct stat *st)
{
  if (w->n_dirs == w->cap_dirs)
    {
      w->cap_dirs = w->cap_dirs ? w->cap_dirs * 2 : 64;
      w->dirs = holo_xrealloc (w->dirs, w->cap_dirs * sizeof *w->dirs);
    }
  w->dirs[w->n_dirs++] = (struct uor_dir){ rel, holo_xstrdup (esc), st->st_dev, st->st_ino };
}

static void
push_pending (struct uor_walk *w, size_t entry, char *rel, const struct stat *st)
{
  if (w->n_pending == w->cap_pending)
    {
      w->cap_pending = w->cap_pending ? w->cap_pending * 2 : 256;
      w->pending = holo_xrealloc (w->pending, w->cap_pending * sizeof *w->pending);
    }
  w->pending[w->n_pending++] = (struct uor_pending){ entry, rel, *st };
}

static int
sha256_buf (const void *data, size_t len, unsigned char out[HOLO_SHA256_LEN])
{
  holo_sha256 (data, len, out);
  return 0;
}

static int
hash_symlink (int dfd, const char *name, const struct stat *st, unsigned char out[HOLO_SHA256_LEN], holo_error_t *err)
{
  size_t size = st->st_size > 0 ? (size_t) st->st_size + 1 : 256;
  for (;;)
    {
      cleanup_free char *buf = holo_xmalloc (size);
      ssize_t n = readlinkat (dfd, name, buf, size);
      if (n < 0)
        return holo_make_error (err, errno, "readlink `%s`", name);
      if ((size_t) n < size)
        return sha256_buf (buf, (size_t) n, out) < 0 ? holo_make_error (err, 0, "sha256 failed") : 0;
      size *= 2;
    }
}

/* lstat() relative to DFD through statx, which also says whether the
   entry carries the immutable flag (-1: the filesystem does not say).  */
static int
lstat_entry (int dfd, const char *name, int flags, struct stat *st, int *immutable)
{
  struct statx sx;
  if (statx (dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | flags, STATX_BASIC_STATS, &sx) < 0)
    return -1;
  memset (st, 0, sizeof *st);
  st->st_mode = sx.stx_mode;
  st->st_ino = sx.stx_ino;
  st->st_nlink = sx.stx_nlink;
  st->st_uid = sx.stx_uid;
  st->st_gid = sx.stx_gid;
  st->st_size = (off_t) sx.stx_size;
  st->st_blocks = (blkcnt_t) sx.stx_blocks;
  st->st_dev = makedev (sx.stx_dev_major, sx.stx_dev_minor);
  st->st_rdev = makedev (sx.stx_rdev_major, sx.stx_rdev_minor);
  st->st_mtim = (struct timespec){ sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec };
  st->st_ctim = (struct timespec){ sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec };
  *immutable = !(sx.stx_attributes_mask & STATX_ATTR_IMMUTABLE) ? -1 : (sx.stx_attributes & STATX_ATTR_IMMUTABLE) != 0;
  return 0;
}

/* Sealing (HOLOGRAM.md 7.3) asks every directory and regular file, and the
   root, for the immutable flag; the first one without it is remembered
   for messages.  */
static void
note_sealing (struct uor_walk *w, const char *path, int immutable)
{
  if (immutable == 1)
    return;
  if (immutable < 0)
    w->stats.seal_unknown = true;
  if (w->stats.unsealed++ == 0)
    snprintf (w->stats.first_unsealed, sizeof w->stats.first_unsealed, "%s", path);
}

static int
record_entry (struct uor_walk *w, int dfd, const struct uor_dir *dir, const char *name, holo_error_t *err)
{
  struct stat st;
  int immutable;
  if (lstat_entry (dfd, name, 0, &st, &immutable) < 0)
    return holo_make_error (err, errno, "lstat `%s/%s`", dir->esc, name);
  struct uor_entry *e;
  switch (st.st_mode & S_IFMT)
    {
    case S_IFREG:
      e = add_entry (w, dir->esc, name, &st, 'f');
      note_sealing (w, e->path, immutable);
      w->stats.files++;
      if (holo_uor_cache_lookup (w->cache, &st, e->digest))
        w->stats.files_cached++;
      else
        push_pending (w, w->n_entries - 1, child_rel (dir->rel, name), &st);
      return 0;
    case S_IFDIR:
      e = add_entry (w, dir->esc, name, &st, 'd');
      note_sealing (w, e->path, immutable);
      /* A mount point gets its line but is not descended into.  */
      if (st.st_dev == w->root_dev)
        push_dir (w, child_rel (dir->rel, name), e->path, &st);
      return 0;
    case S_IFLNK:
      e = add_entry (w, dir->esc, name, &st, 'l');
      return hash_symlink (dfd, name, &st, e->digest, err);
    case S_IFCHR:
    case S_IFBLK:
      e = add_entry (w, dir->esc, name, &st, S_ISCHR (st.st_mode) ? 'c' : 'b');
      e->rdev = st.st_rdev;
      w->stats.specials++;
      return 0;
    case S_IFIFO:
      add_entry (w, dir->esc, name, &st, 'p');
      w->stats.specials++;
      return 0;
    case S_IFSOCK:
      return 0;
    default:
      return holo_make_error (err, 0, "`%s/%s`: unknown file type 0%o", dir->esc, name, st.st_mode & S_IFMT);
    }
}

static int
read_dir (struct uor_walk *w, const struct uor_dir *dir, holo_error_t *err)
{
  if (holo_uor_late (w))
    return holo_uor_deadline_error (w, dir->rel, err);
  int fd = holo_uor_open_beneath (w->root_fd, dir->rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return holo_make_error (err, errno, "open directory `%s`", dir->esc);
  cleanup_dir DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return holo_make_error (err, errno, "fdopendir `%s`", dir->esc);
    }
  struct stat st;
  if (fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "fstat `%s`", dir->esc);
  if (st.st_dev != dir->dev || st.st_ino != dir->ino)
    return holo_make_error (err, 0, "`%s` changed while computing the UOR-ID", dir->esc);
  for (;;)
    {
      errno = 0;
      struct dirent *de = readdir (d);
      if (de == NULL)
        {
          if (errno)
            return holo_make_error (err, errno, "readdir `%s`", dir->esc);
          return 0;
        }
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (record_entry (w, fd, dir, de->d_name, err) < 0)
        return -1;
    }
}

static int
walk_tree (struct uor_walk *w, holo_error_t *err)
{
  struct stat st;
  int immutable;
  if (lstat_entry (w->root_fd, "", AT_EMPTY_PATH, &st, &immutable) < 0)
    return holo_make_error (err, errno, "fstat root");
  /* The root has no line, but it holds the top-level names: it is sealed
     too or the tree is not.  */
  note_sealing (w, ".", immutable);
  w->root_dev = st.st_dev;
  holo_uor_cache_bind (w->cache, w->root_fd, &st);
  push_dir (w, holo_xstrdup (""), ".", &st);
  while (w->n_dirs > 0)
    {
      struct uor_dir dir = w->dirs[--w->n_dirs];
      int r = read_dir (w, &dir, err);
      free (dir.rel);
      free (dir.esc);
      if (r < 0)
        return -1;
    }
  return 0;
}

/* ------------------------------------------------------------- the digest */

static int
compare_entries (const void *a, const void *b)
{
  /* strcmp compares as unsigned char: raw bytes of the escaped paths.  */
  return strcmp (((const struct uor_entry *) a)->path, ((const struct uor_entry *) b)->path);
}

/* The lines' digest: OpenSSL's SHA-256 for a large tree, ours (no start
   cost) for a small one.  */
struct line_digest
{
  EVP_MD_CTX *ctx;
  struct holo_sha256 small;
};

static void
line_update (struct line_digest *d, const void *data, size_t len)
{
  if (d->ctx)
    EVP_DigestUpdate (d->ctx, data, len);
  else
    holo_sha256_update (&d->small, data, len);
}

static int
digest_lines (struct uor_walk *w, char id[HOLO_UOR_ID_LEN + 1], holo_error_t *err)
{
  if (w->n_entries > 0)
    qsort (w->entries, w->n_entries, sizeof *w->entries, compare_entries);
  struct line_digest d = { NULL };
  holo_sha256_init (&d.small);
  if (w->n_entries > UOR_SMALL_TREE)
    {
      d.ctx = EVP_MD_CTX_new ();
      if (d.ctx == NULL || EVP_DigestInit_ex2 (d.ctx, EVP_sha256 (), NULL) != 1)
        {
          EVP_MD_CTX_free (d.ctx);
          return holo_make_error (err, 0, "sha256 init failed");
        }
    }
  line_update (&d, UOR_HEADER, strlen (UOR_HEADER));
  for (size_t i = 0; i < w->n_entries; i++)
    {
      const struct uor_entry *e = &w->entries[i];
      char head[160], payload[65];
      if (e->type == 'f' || e->type == 'l')
        holo_hex (e->digest, HOLO_SHA256_LEN, payload);
      else if (e->type == 'c' || e->type == 'b')
        snprintf (payload, sizeof payload, "%u,%u", major (e->rdev), minor (e->rdev));
      else
        strcpy (payload, "-");
      int n = snprintf (head, sizeof head, "%c %04o %u %u %s ", e->type, e->mode, (unsigned) e->uid, (unsigned) e->gid,
                        payload);
      line_update (&d, head, (size_t) n);
      line_update (&d, e->path, strlen (e->path));
      line_update (&d, "\n", 1);
    }
  unsigned char md[HOLO_SHA256_LEN];
  unsigned int len = 0;
  int ok = 1;
  if (d.ctx)
    {
      ok = EVP_DigestFinal_ex (d.ctx, md, &len);
      EVP_MD_CTX_free (d.ctx);
    }
  else
    holo_sha256_final (&d.small, md);
  if (ok != 1)
    return holo_make_error (err, 0, "sha256 final failed");
  memcpy (id, HOLO_UOR_PREFIX, strlen (HOLO_UOR_PREFIX));
  holo_hex (md, HOLO_SHA256_LEN, id + strlen (HOLO_UOR_PREFIX));
  return 0;
}

static void
walk_release (struct uor_walk *w)
{
  for (size_t i = 0; i < w->n_entries; i++)
    free (w->entries[i].path);
  free (w->entries);
  for (size_t i = 0; i < w->n_pending; i++)
    free (w->pending[i].rel);
  free (w->pending);
  for (size_t i = 0; i < w->n_dirs; i++)
    {
      free (w->dirs[i].rel);
      free (w->dirs[i].esc);
    }
  free (w->dirs);
  if (w->root_fd >= 0)
    close (w->root_fd);
}

int
holo_uor_compute (int root_fd, struct holo_uor_cache *cache, long deadline_ms, char id[HOLO_UOR_ID_LEN + 1],
                  struct holo_uor_stats *stats, holo_error_t *err)
{
  struct uor_walk w = { .cache = cache };
  if (deadline_ms > 0)
    w.deadline_ns = holo_uor_deadline_ns (deadline_ms);
  /* Our own descriptor on that very directory ("." never leaves it).  */
  w.root_fd = openat (root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ret = -1;
  if (w.root_fd < 0)
    holo_make_error (err, errno, "open the rootfs");
  else if (walk_tree (&w, err) == 0 && holo_uor_hash_pending (&w, err) == 0 && digest_lines (&w, id, err) == 0)
    ret = 0;
  w.stats.entries = w.n_entries;
  if (stats)
    *stats = w.stats;
  walk_release (&w);
  return ret;
}
