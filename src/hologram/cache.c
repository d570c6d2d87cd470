/* The per-file digest cache: <state root>/hologram-cache/, one file per
   tree ("shard", named after the boot, the tree's filesystem and its root,
   fsid.c) so that verifying a small rootfs does not load the digests of a
   large one.

   A record maps (st_ino, st_size, mtime ns, ctime ns) of a file of that
   filesystem to the SHA-256 of its contents.  Why a record that matches
   describes the same bytes (man/holo-hologram.7, "THE DIGEST CACHE"):

   - The filesystem: a shard belongs to one superblock, named by st_dev and
     the smallest unique mount id (never reused during a boot) among its
     live mounts; a later superblock on a recycled st_dev only ever has
     larger mount ids.  Only filesystems whose inode times the kernel alone
     sets are cached (fsid.c), not FUSE or network filesystems, whose
     server reports what it likes.
   - The inode: on one superblock an inode number names one file at a time;
     a new file that reuses it gets a new ctime.
   - The content: any write, truncate or utimensat() (even one putting an
     old mtime back) sets ctime to "now", and userspace cannot set ctime.
     Timestamps come from a coarse clock, so, like git's "racily clean"
     check, a digest is only remembered when the file's ctime is at least
     CACHE_RACY_MARGIN_NS older than the moment this computation started;
     and a file that changes while it is read fails the computation
     (hash.c).
   - An overlay (a new container's rootfs under containerd) is keyed by its
     layers' filesystem: with an empty upper layer every file is a lower
     layer's file, and overlayfs reports that file's own inode number, size
     and times (all layers on one filesystem).

   File format (native endianness; the cache never leaves the machine):
   16-byte magic, uint64 count, COUNT records sorted by inode, then the
   SHA-256 of everything before it, so a torn or foreign file is ignored.
   Writers take a flock on "lock", merge with what is on disk, and rename a
   uniquely named temporary file over it; readers need no lock.  A shard's
   mtime is its last use: beyond CACHE_MAX_SHARDS the oldest are removed.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define CACHE_DIR "hologram-cache"
#define CACHE_LOCK "lock"
#define CACHE_MAX_ENTRIES (1u << 20)
#define CACHE_MAX_SHARDS 64
#define CACHE_RACY_MARGIN_NS (2LL * 1000000000LL)

static const char cache_magic[16] = "HOLOUORCACHEv3\n";

struct cache_rec
{
  uint64_t ino;
  uint64_t size;
  int64_t mtime_ns;
  int64_t ctime_ns;
  unsigned char digest[HOLO_SHA256_LEN];
};

struct holo_uor_cache
{
  int dir_fd;
  char *shard;           /* NULL until bound to a tree (or not cacheable) */
  dev_t tree_dev;        /* st_dev of the tree's entries */
  struct cache_rec *old; /* loaded at open, sorted */
  size_t n_old;
  bool *old_used;
  struct cache_rec *fresh; /* computed in this run */
  size_t n_fresh, cap_fresh;
  int64_t started_ns;
};

static int64_t
ts_ns (const struct timespec *ts)
{
  return (int64_t) ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void
rec_from_stat (struct cache_rec *r, const struct stat *st)
{
  r->ino = st->st_ino;
  r->size = (uint64_t) st->st_size;
  r->mtime_ns = ts_ns (&st->st_mtim);
  r->ctime_ns = ts_ns (&st->st_ctim);
}

static int
rec_key_cmp (const void *a, const void *b)
{
  const struct cache_rec *x = a, *y = b;
  if (x->ino != y->ino)
    return x->ino < y->ino ? -1 : 1;
  return 0;
}

static bool
rec_same_version (const struct cache_rec *a, const struct cache_rec *b)
{
  return a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* Reads and checks the cache file; an absent, foreign or torn file gives
   an empty cache.  */
static void
load_records (int dir_fd, const char *name, struct cache_rec **recs, size_t *n)
{
  *recs = NULL;
  *n = 0;
  cleanup_close int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 022))
    return;
  size_t fixed = sizeof cache_magic + sizeof (uint64_t) + HOLO_SHA256_LEN;
  if ((size_t) st.st_size < fixed || ((size_t) st.st_size - fixed) % sizeof (struct cache_rec) != 0)
    return;
  cleanup_free unsigned char *buf = holo_xmalloc ((size_t) st.st_size);
  if (holo_read_all (fd, buf, (size_t) st.st_size) != st.st_size)
    return;
  uint64_t count;
  memcpy (&count, buf + sizeof cache_magic, sizeof count);
  size_t body = (size_t) st.st_size - HOLO_SHA256_LEN;
  unsigned char md[HOLO_SHA256_LEN];
  unsigned int mdlen = 0;
  if (memcmp (buf, cache_magic, sizeof cache_magic) != 0 || count != ((size_t) st.st_size - fixed) / sizeof **recs
      || EVP_Digest (buf, body, md, &mdlen, EVP_sha256 (), NULL) != 1 || memcmp (md, buf + body, sizeof md) != 0)
    return;
  *n = (size_t) count;
  *recs = holo_xmalloc ((*n ? *n : 1) * sizeof **recs);
  memcpy (*recs, buf + sizeof cache_magic + sizeof count, *n * sizeof **recs);
}

/* <state root>/hologram-cache, ours and private, or -1.  */
static int
open_cache_dir (const char *state_root)
{
  holo_error_t err = NULL;
  if (holo_mkdir_p (state_root, 0700, &err) < 0)
    {
      holo_error_release (&err);
      return -1;
    }
  cleanup_close int root_fd = open (state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return -1;
  if (mkdirat (root_fd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
    return -1;
  int fd = openat (root_fd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  /* A container may be named like the cache: leave its directory alone.  */
  if (fd >= 0
      && (fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 022)
          || faccessat (fd, "state.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0))
    {
      close (fd);
      return -1;
    }
  return fd;
}

struct holo_uor_cache *
holo_uor_cache_open (const char *state_root)
{
  if (state_root == NULL)
    return NULL;
  int dir_fd = open_cache_dir (state_root);
  if (dir_fd < 0)
    {
      holo_log_debug ("hologram: no digest cache under `%s`", state_root);
      return NULL;
    }
  struct holo_uor_cache *c = holo_xmalloc (sizeof *c);
  c->dir_fd = dir_fd;
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  c->started_ns = ts_ns (&now);
  return c;
}

void
holo_uor_cache_bind (struct holo_uor_cache *c, int root_fd, const struct stat *root)
{
  struct holo_fs_identity id;
  if (c == NULL || c->shard)
    return;
  if (!holo_fs_identify (root_fd, root, &id))
    {
      holo_log_debug ("hologram: no digest cache for this tree (filesystem not eligible)");
      return;
    }
  c->tree_dev = root->st_dev;
  c->shard = holo_xasprintf ("uor-%s.cache", id.shard);
  load_records (c->dir_fd, c->shard, &c->old, &c->n_old);
  c->old_used = holo_xmalloc (c->n_old + 1);
  if (c->n_old)
    utimensat (c->dir_fd, c->shard, NULL, AT_SYMLINK_NOFOLLOW); /* last use, for pruning */
}

bool
holo_uor_cache_lookup (struct holo_uor_cache *c, const struct stat *st, unsigned char digest[HOLO_SHA256_LEN])
{
  if (c == NULL || c->shard == NULL || c->n_old == 0 || st->st_dev != c->tree_dev)
    return false;
  struct cache_rec key;
  rec_from_stat (&key, st);
  struct cache_rec *r = bsearch (&key, c->old, c->n_old, sizeof key, rec_key_cmp);
  if (r == NULL || !rec_same_version (r, &key))
    return false;
  c->old_used[r - c->old] = true;
  memcpy (digest, r->digest, HOLO_SHA256_LEN);
  return true;
}

void
holo_uor_cache_add (struct holo_uor_cache *c, const struct stat *st, const unsigned char digest[HOLO_SHA256_LEN])
{
  if (c == NULL || c->shard == NULL || st->st_dev != c->tree_dev
      || ts_ns (&st->st_ctim) + CACHE_RACY_MARGIN_NS > c->started_ns)
    return;
  if (c->n_fresh == c->cap_fresh)
    {
      c->cap_fresh = c->cap_fresh ? c->cap_fresh * 2 : 256;
      c->fresh = holo_xrealloc (c->fresh, c->cap_fresh * sizeof *c->fresh);
    }
  struct cache_rec *r = &c->fresh[c->n_fresh++];
  rec_from_stat (r, st);
  memcpy (r->digest, digest, HOLO_SHA256_LEN);
}

/* Merges sorted A (older) and sorted B (newer, wins on the same key) into
   OUT; returns the count.  */
static size_t
merge_records (const struct cache_rec *a, size_t na, const struct cache_rec *b, size_t nb, struct cache_rec *out)
{
  size_t i = 0, j = 0, n = 0;
  while (i < na || j < nb)
    {
      int c = i == na ? 1 : j == nb ? -1 : rec_key_cmp (&a[i], &b[j]);
      if (c < 0)
        out[n++] = a[i++];
      else
        {
          if (c == 0)
            i++;
          out[n++] = b[j++];
        }
    }
  return n;
}

/* Sorts and removes duplicate keys.  Within one run a key appears twice
   only for hard links, whose records are identical.  */
static size_t
sort_unique (struct cache_rec *r, size_t n)
{
  qsort (r, n, sizeof *r, rec_key_cmp);
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    if (o == 0 || rec_key_cmp (&r[o - 1], &r[i]) != 0)
      r[o++] = r[i];
  return o;
}

static int
write_records (int dir_fd, const char *name, const struct cache_rec *recs, size_t n, holo_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;
  for (int attempt = 0; fd < 0; attempt++)
    {
      free (tmp);
      tmp = holo_xasprintf (".%s.%d.%d", name, (int) getpid (), attempt);
      fd = openat (dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && (errno != EEXIST || attempt > 100))
        return holo_make_error (err, errno, "create digest cache");
    }
  uint64_t count = n;
  size_t total = sizeof cache_magic + sizeof count + n * sizeof *recs;
  cleanup_free unsigned char *buf = holo_xmalloc (total + HOLO_SHA256_LEN);
  memcpy (buf, cache_magic, sizeof cache_magic);
  memcpy (buf + sizeof cache_magic, &count, sizeof count);
  if (n)
    memcpy (buf + sizeof cache_magic + sizeof count, recs, n * sizeof *recs);
  unsigned int mdlen = 0;
  EVP_Digest (buf, total, buf + total, &mdlen, EVP_sha256 (), NULL);
  if (holo_write_all (fd, buf, total + HOLO_SHA256_LEN) < 0 || renameat (dir_fd, tmp, dir_fd, name) < 0)
    {
      int saved = errno;
      unlinkat (dir_fd, tmp, 0);
      return holo_make_error (err, saved, "write digest cache");
    }
  return 0;
}

/* Over the size limit: keep only this run's working set.  */
static size_t
working_set (struct holo_uor_cache *c, struct cache_rec *out)
{
  size_t n = 0;
  for (size_t i = 0; i < c->n_old; i++)
    if (c->old_used[i])
      out[n++] = c->old[i];
  memcpy (out + n, c->fresh, c->n_fresh * sizeof *out);
  return sort_unique (out, n + c->n_fresh);
}

struct shard_age
{
  char *name;
  struct timespec mtime;
};

static int
older_first (const void *a, const void *b)
{
  const struct timespec *x = &((const struct shard_age *) a)->mtime, *y = &((const struct shard_age *) b)->mtime;
  if (x->tv_sec != y->tv_sec)
    return x->tv_sec < y->tv_sec ? -1 : 1;
  return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Keeps the CACHE_MAX_SHARDS most recently used shards.  */
static void
prune_shards (int dir_fd)
{
  int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  struct shard_age *all = NULL;
  size_t n = 0;
  struct dirent *de;
  struct stat st;
  while ((de = readdir (d)) != NULL)
    if (fnmatch ("uor-*.cache", de->d_name, 0) == 0 && fstatat (fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      {
        all = holo_xrealloc (all, (n + 1) * sizeof *all);
        all[n++] = (struct shard_age){ holo_xstrdup (de->d_name), st.st_mtim };
      }
  if (n > CACHE_MAX_SHARDS)
    {
      qsort (all, n, sizeof *all, older_first);
      for (size_t i = 0; i < n - CACHE_MAX_SHARDS; i++)
        unlinkat (fd, all[i].name, 0);
    }
  for (size_t i = 0; i < n; i++)
    free (all[i].name);
  free (all);
}

int
holo_uor_cache_save (struct holo_uor_cache *c, holo_error_t *err)
{
  if (c == NULL || c->shard == NULL || c->n_fresh == 0)
    return 0;
  cleanup_close int lock_fd = openat (c->dir_fd, CACHE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock_fd < 0)
    return holo_make_error (err, errno, "open digest cache lock");
  if (flock (lock_fd, LOCK_EX) < 0)
    return holo_make_error (err, errno, "lock digest cache");
  /* Concurrent runs may have saved since we loaded: merge with that.  */
  cleanup_free struct cache_rec *cur = NULL;
  size_t n_cur = 0;
  load_records (c->dir_fd, c->shard, &cur, &n_cur);
  c->n_fresh = sort_unique (c->fresh, c->n_fresh);
  cleanup_free struct cache_rec *out = holo_xmalloc ((n_cur + c->n_fresh + c->n_old + 1) * sizeof *out);
  size_t n = merge_records (cur, n_cur, c->fresh, c->n_fresh, out);
  if (n > CACHE_MAX_ENTRIES)
    n = working_set (c, out);
  if (write_records (c->dir_fd, c->shard, out, n, err) < 0)
    return -1;
  prune_shards (c->dir_fd);
  return 0;
}

void
holo_uor_cache_free (struct holo_uor_cache *c)
{
  if (c == NULL)
    return;
  close (c->dir_fd);
  free (c->shard);
  free (c->old);
  free (c->old_used);
  free (c->fresh);
  free (c);
}
