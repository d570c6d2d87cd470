/* UOR-ID v1 of a root filesystem (HOLOGRAM.md section 1).

   Two phases: a walk that lstat()s every entry (relative to directory fds,
   never following a symlink, not descending across st_dev) and records one
   line per entry, taking file digests from the cache when it can; then the
   files the cache did not know are hashed, in parallel when there are many.
   Every open goes through openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
   from the root fd and is checked against the inode the walk saw, so a tree
   changed under our feet cannot make us read outside it.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define UOR_HEADER "hologram-uor-v1\n"
#define UOR_READ_BUF (1024 * 1024)
#define UOR_MAX_THREADS 8
/* Below this many bytes to hash, threads cost more than they give.  */
#define UOR_PARALLEL_MIN_BYTES (8 * 1024 * 1024)

struct uor_entry
{
  char *path; /* escaped, "./a/b" */
  char type;  /* f d l c b p */
  unsigned int mode;
  uid_t uid;
  gid_t gid;
  dev_t rdev;                            /* c, b */
  unsigned char digest[HOLO_SHA256_LEN]; /* f, l */
};

/* A regular file the cache did not know.  */
struct uor_pending
{
  size_t entry;
  char *rel; /* raw path relative to the root, no leading "./" */
  struct stat st;
  uint64_t mnt_id;
};

struct uor_dir
{
  char *rel; /* "" for the root */
  char *esc; /* "." for the root */
  dev_t dev;
  ino_t ino;
};

struct uor_walk
{
  int root_fd;
  dev_t root_dev;
  struct holo_uor_cache *cache;
  struct uor_entry *entries;
  size_t n_entries, cap_entries;
  struct uor_pending *pending;
  size_t n_pending, cap_pending;
  struct uor_dir *dirs; /* stack of directories still to read */
  size_t n_dirs, cap_dirs;
  struct holo_uor_stats stats;
};

void
holo_hex (const unsigned char *in, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++)
    {
      out[2 * i] = digits[in[i] >> 4];
      out[2 * i + 1] = digits[in[i] & 0xf];
    }
  out[2 * len] = '\0';
}

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

/* Opens REL beneath ROOT_FD without following any symlink.  */
static int
open_beneath (int root_fd, const char *rel, int flags)
{
  if (*rel == '\0')
    return openat (root_fd, ".", flags | O_CLOEXEC);
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int) syscall (SYS_openat2, root_fd, rel, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
    return fd;
  /* No openat2 (or a seccomp filter refusing it): one component at a time. */
  cleanup_free char *copy = holo_xstrdup (rel);
  int cur = -1;
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      bool last = save == NULL || *save == '\0';
      int next = openat (cur < 0 ? root_fd : cur, c,
                         last ? flags | O_CLOEXEC | O_NOFOLLOW : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;
      if (cur >= 0)
        close (cur);
      if (next < 0)
        {
          errno = saved;
          return -1;
        }
      cur = next;
    }
  return cur;
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
push_pending (struct uor_walk *w, size_t entry, char *rel, const struct stat *st, uint64_t mnt_id)
{
  if (w->n_pending == w->cap_pending)
    {
      w->cap_pending = w->cap_pending ? w->cap_pending * 2 : 256;
      w->pending = holo_xrealloc (w->pending, w->cap_pending * sizeof *w->pending);
    }
  w->pending[w->n_pending++] = (struct uor_pending){ entry, rel, *st, mnt_id };
}

static int
sha256_buf (const void *data, size_t len, unsigned char out[HOLO_SHA256_LEN])
{
  unsigned int n = 0;
  return EVP_Digest (data, len, out, &n, EVP_sha256 (), NULL) == 1 ? 0 : -1;
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

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* lstat() relative to DFD, plus the id of the mount the entry is on (never
   reused since Linux 6.8, 0 when unknown).  The id is part of the cache key:
   a filesystem mounted where another one was, on a recycled st_dev, carries
   inode numbers and times of its own choosing and must not match.  */
static int
lstat_entry (int dfd, const char *name, struct stat *st, uint64_t *mnt_id)
{
  struct statx sx;
  *mnt_id = 0;
  if (statx (dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_MNT_ID | STATX_MNT_ID_UNIQUE,
             &sx)
      < 0)
    return errno == ENOSYS ? fstatat (dfd, name, st, AT_SYMLINK_NOFOLLOW) : -1;
  memset (st, 0, sizeof *st);
  st->st_mode = sx.stx_mode;
  st->st_ino = sx.stx_ino;
  st->st_nlink = sx.stx_nlink;
  st->st_uid = sx.stx_uid;
  st->st_gid = sx.stx_gid;
  st->st_size = (off_t) sx.stx_size;
  st->st_dev = makedev (sx.stx_dev_major, sx.stx_dev_minor);
  st->st_rdev = makedev (sx.stx_rdev_major, sx.stx_rdev_minor);
  st->st_mtim = (struct timespec){ sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec };
  st->st_ctim = (struct timespec){ sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec };
  if (sx.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE))
    *mnt_id = sx.stx_mnt_id;
  return 0;
}

static int
record_entry (struct uor_walk *w, int dfd, const struct uor_dir *dir, const char *name, holo_error_t *err)
{
  struct stat st;
  uint64_t mnt_id;
  if (lstat_entry (dfd, name, &st, &mnt_id) < 0)
    return holo_make_error (err, errno, "lstat `%s/%s`", dir->esc, name);
  struct uor_entry *e;
  switch (st.st_mode & S_IFMT)
    {
    case S_IFREG:
      e = add_entry (w, dir->esc, name, &st, 'f');
      w->stats.files++;
      if (holo_uor_cache_lookup (w->cache, &st, mnt_id, e->digest))
        w->stats.files_cached++;
      else
        push_pending (w, w->n_entries - 1, child_rel (dir->rel, name), &st, mnt_id);
      return 0;
    case S_IFDIR:
      e = add_entry (w, dir->esc, name, &st, 'd');
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
      return 0;
    case S_IFIFO:
      add_entry (w, dir->esc, name, &st, 'p');
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
  int fd = open_beneath (w->root_fd, dir->rel, O_RDONLY | O_DIRECTORY);
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
  if (fstat (w->root_fd, &st) < 0)
    return holo_make_error (err, errno, "fstat root");
  w->root_dev = st.st_dev;
  holo_uor_cache_bind (w->cache, &st);
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

/* ---------------------------------------------------------------- hashing */

struct uor_hasher
{
  struct uor_walk *w;
  size_t next; /* atomic: next pending index */
  uint64_t bytes;
  pthread_mutex_t lock;
  holo_error_t err; /* the first error, under LOCK */
  bool failed;      /* atomic */
};

static bool
same_content_stat (const struct stat *a, const struct stat *b)
{
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
         && a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int
open_pending (int root_fd, struct uor_pending *p, holo_error_t *err)
{
  /* O_NONBLOCK: if a fifo replaced the file, do not hang on it.  */
  int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
  int fd = open_beneath (root_fd, p->rel, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = open_beneath (root_fd, p->rel, flags);
  if (fd < 0)
    return holo_make_error (err, errno, "open `./%s`", p->rel);
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_dev != p->st.st_dev || st.st_ino != p->st.st_ino)
    {
      close (fd);
      return holo_make_error (err, 0, "`./%s` changed while computing the UOR-ID", p->rel);
    }
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;
}

/* Hashes one pending file; *CACHEABLE is false when it changed meanwhile.  */
static int
hash_pending (int root_fd, struct uor_pending *p, EVP_MD_CTX *ctx, unsigned char *buf,
              unsigned char out[HOLO_SHA256_LEN], uint64_t *bytes, bool *cacheable, holo_error_t *err)
{
  cleanup_close int fd = open_pending (root_fd, p, err);
  if (fd < 0)
    return -1;
  if (EVP_DigestInit_ex2 (ctx, EVP_sha256 (), NULL) != 1)
    return holo_make_error (err, 0, "sha256 init failed");
  for (;;)
    {
      ssize_t n = read (fd, buf, UOR_READ_BUF);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return holo_make_error (err, errno, "read `./%s`", p->rel);
      if (n == 0)
        break;
      *bytes += (uint64_t) n;
      if (EVP_DigestUpdate (ctx, buf, (size_t) n) != 1)
        return holo_make_error (err, 0, "sha256 update failed");
    }
  unsigned int len = 0;
  if (EVP_DigestFinal_ex (ctx, out, &len) != 1)
    return holo_make_error (err, 0, "sha256 final failed");
  struct stat after;
  *cacheable = fstat (fd, &after) == 0 && same_content_stat (&after, &p->st);
  return 0;
}

static void *
hasher_thread (void *arg)
{
  struct uor_hasher *h = arg;
  struct uor_walk *w = h->w;
  cleanup_free unsigned char *buf = holo_xmalloc (UOR_READ_BUF);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  uint64_t bytes = 0;
  if (ctx == NULL)
    __atomic_store_n (&h->failed, true, __ATOMIC_RELAXED);
  while (ctx && !__atomic_load_n (&h->failed, __ATOMIC_RELAXED))
    {
      size_t i = __atomic_fetch_add (&h->next, 1, __ATOMIC_RELAXED);
      if (i >= w->n_pending)
        break;
      struct uor_pending *p = &w->pending[i];
      holo_error_t err = NULL;
      bool cacheable = false;
      if (hash_pending (w->root_fd, p, ctx, buf, w->entries[p->entry].digest, &bytes, &cacheable, &err) < 0)
        {
          pthread_mutex_lock (&h->lock);
          if (h->err == NULL)
            h->err = steal_pointer (&err);
          pthread_mutex_unlock (&h->lock);
          holo_error_release (&err);
          __atomic_store_n (&h->failed, true, __ATOMIC_RELAXED);
          break;
        }
      if (!cacheable)
        p->st.st_ino = 0; /* tells the caller not to cache it */
    }
  EVP_MD_CTX_free (ctx);
  __atomic_fetch_add (&h->bytes, bytes, __ATOMIC_RELAXED);
  return NULL;
}

static size_t
thread_count (const struct uor_walk *w)
{
  long cpus = sysconf (_SC_NPROCESSORS_ONLN);
  /* At least 4: on a cold page cache the threads mostly wait for the disk,
     and more reads in flight is what makes it faster.  */
  long n = cpus < 4 ? 4 : cpus;
  uint64_t total = 0;
  for (size_t i = 0; i < w->n_pending; i++)
    total += (uint64_t) w->pending[i].st.st_size;
  if (total < UOR_PARALLEL_MIN_BYTES)
    n = 1;
  if (n < 1)
    n = 1;
  if (n > UOR_MAX_THREADS)
    n = UOR_MAX_THREADS;
  if ((size_t) n > w->n_pending)
    n = w->n_pending ? (long) w->n_pending : 1;
  return (size_t) n;
}

static int
hash_pending_files (struct uor_walk *w, holo_error_t *err)
{
  struct uor_hasher h = { .w = w, .lock = PTHREAD_MUTEX_INITIALIZER };
  size_t n = thread_count (w);
  pthread_t threads[UOR_MAX_THREADS];
  size_t started = 0;
  for (size_t i = 1; i < n; i++)
    {
      if (pthread_create (&threads[started], NULL, hasher_thread, &h) != 0)
        break;
      started++;
    }
  hasher_thread (&h); /* this thread works too */
  for (size_t i = 0; i < started; i++)
    pthread_join (threads[i], NULL);
  w->stats.bytes_read = h.bytes;
  if (h.err)
    {
      *err = h.err;
      return -1;
    }
  if (h.failed)
    return holo_make_error (err, ENOMEM, "sha256 context");
  for (size_t i = 0; i < w->n_pending; i++)
    if (w->pending[i].st.st_ino != 0)
      holo_uor_cache_add (w->cache, &w->pending[i].st, w->pending[i].mnt_id, w->entries[w->pending[i].entry].digest);
  return 0;
}

/* ------------------------------------------------------------- the digest */

static int
compare_entries (const void *a, const void *b)
{
  /* strcmp compares as unsigned char: raw bytes of the escaped paths.  */
  return strcmp (((const struct uor_entry *) a)->path, ((const struct uor_entry *) b)->path);
}

static int
digest_lines (struct uor_walk *w, char id[HOLO_UOR_ID_LEN + 1], holo_error_t *err)
{
  if (w->n_entries > 0)
    qsort (w->entries, w->n_entries, sizeof *w->entries, compare_entries);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestInit_ex2 (ctx, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      return holo_make_error (err, 0, "sha256 init failed");
    }
  EVP_DigestUpdate (ctx, UOR_HEADER, strlen (UOR_HEADER));
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
      EVP_DigestUpdate (ctx, head, (size_t) n);
      EVP_DigestUpdate (ctx, e->path, strlen (e->path));
      EVP_DigestUpdate (ctx, "\n", 1);
    }
  unsigned char md[HOLO_SHA256_LEN];
  unsigned int len = 0;
  int ok = EVP_DigestFinal_ex (ctx, md, &len);
  EVP_MD_CTX_free (ctx);
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
holo_uor_compute (int root_fd, struct holo_uor_cache *cache, char id[HOLO_UOR_ID_LEN + 1], struct holo_uor_stats *stats,
                  holo_error_t *err)
{
  struct uor_walk w = { .cache = cache };
  /* Our own descriptor on that very directory ("." never leaves it).  */
  w.root_fd = openat (root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ret = -1;
  if (w.root_fd < 0)
    holo_make_error (err, errno, "open the rootfs");
  else if (walk_tree (&w, err) == 0 && hash_pending_files (&w, err) == 0 && digest_lines (&w, id, err) == 0)
    ret = 0;
  w.stats.entries = w.n_entries;
  if (stats)
    *stats = w.stats;
  walk_release (&w);
  return ret;
}
