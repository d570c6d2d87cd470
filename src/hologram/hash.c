/* The contents of the files the digest cache did not know (uor.c's second
   phase), in parallel when there is enough to read.  Every open goes
   through openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from the root fd,
   with O_NONBLOCK, and is checked against the inode the walk saw: a tree
   changed under our feet can neither make us read outside it nor block us
   on a fifo.  Holes of sparse files are hashed as the zeros they read as,
   without reading them (SEEK_DATA/SEEK_HOLE), and every buffer checks the
   verification deadline.  */
#define _GNU_SOURCE
#include "uor_walk.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define UOR_READ_BUF (1024 * 1024)
#define UOR_MAX_THREADS 8
/* Below this many bytes to hash, threads cost more than they give.  */
#define UOR_PARALLEL_MIN_BYTES (8 * 1024 * 1024)

static const unsigned char zeros[64 * 1024];

struct uor_hasher
{
  struct uor_walk *w;
  size_t next; /* atomic: next pending index */
  uint64_t bytes;
  pthread_mutex_t lock;
  holo_error_t err; /* the first error, under LOCK */
  bool failed;      /* atomic */
};

/* One file being hashed.  */
struct hash_job
{
  struct uor_walk *w;
  struct uor_pending *p;
  int fd;
  EVP_MD_CTX *ctx;
  unsigned char *buf;
  uint64_t *bytes;
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
  int fd = holo_uor_open_beneath (root_fd, p->rel, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = holo_uor_open_beneath (root_fd, p->rel, flags);
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

/* LEN bytes of zeros: a hole.  */
static int
hash_zeros (struct hash_job *j, uint64_t len, holo_error_t *err)
{
  while (len > 0)
    {
      size_t n = len < sizeof zeros ? (size_t) len : sizeof zeros;
      if (EVP_DigestUpdate (j->ctx, zeros, n) != 1)
        return holo_make_error (err, 0, "sha256 update failed");
      len -= n;
      /* Hashing zeros is what an 8 GiB hole costs: it is bounded too.  */
      if (holo_uor_late (j->w))
        return holo_uor_deadline_error (j->w, j->p->rel, err);
    }
  return 0;
}

/* Reads from the current offset up to END (-1: end of file).  */
static int
hash_data (struct hash_job *j, off_t end, holo_error_t *err)
{
  off_t pos = lseek (j->fd, 0, SEEK_CUR);
  for (;;)
    {
      if (holo_uor_late (j->w))
        return holo_uor_deadline_error (j->w, j->p->rel, err);
      size_t want = UOR_READ_BUF;
      if (end >= 0 && (off_t) want > end - pos)
        want = (size_t) (end - pos);
      if (want == 0)
        return 0;
      ssize_t n = read (j->fd, j->buf, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return holo_make_error (err, errno, "read `./%s`", j->p->rel);
      if (n == 0)
        return end < 0 ? 0 : holo_make_error (err, 0, "`./%s` changed while computing the UOR-ID", j->p->rel);
      *j->bytes += (uint64_t) n;
      pos += n;
      if (EVP_DigestUpdate (j->ctx, j->buf, (size_t) n) != 1)
        return holo_make_error (err, 0, "sha256 update failed");
    }
}

/* A file with fewer blocks than its size: data segments read, holes
   hashed as zeros.  */
static int
hash_sparse (struct hash_job *j, off_t size, holo_error_t *err)
{
  off_t off = 0;
  while (off < size)
    {
      off_t data = lseek (j->fd, off, SEEK_DATA);
      if (data < 0 && errno == ENXIO)
        data = size; /* a hole up to the end */
      else if (data < 0)
        return holo_make_error (err, errno, "seek `./%s`", j->p->rel);
      if (data > size)
        data = size;
      if (data > off && hash_zeros (j, (uint64_t) (data - off), err) < 0)
        return -1;
      if (data >= size)
        break;
      off_t hole = lseek (j->fd, data, SEEK_HOLE);
      if (hole < 0)
        return holo_make_error (err, errno, "seek `./%s`", j->p->rel);
      if (hole > size)
        hole = size;
      if (lseek (j->fd, data, SEEK_SET) < 0 || hash_data (j, hole, err) < 0)
        return -1;
      off = hole;
    }
  return 0;
}

/* Hashes one pending file.  A file that changes while it is read makes
   the whole computation fail: its digest would be of no version at all. */
static int
hash_pending (struct uor_walk *w, struct uor_pending *p, EVP_MD_CTX *ctx, unsigned char *buf,
              unsigned char out[HOLO_SHA256_LEN], uint64_t *bytes, holo_error_t *err)
{
  cleanup_close int fd = open_pending (w->root_fd, p, err);
  if (fd < 0)
    return -1;
  struct stat before;
  if (fstat (fd, &before) < 0)
    return holo_make_error (err, errno, "fstat `./%s`", p->rel);
  if (EVP_DigestInit_ex2 (ctx, EVP_sha256 (), NULL) != 1)
    return holo_make_error (err, 0, "sha256 init failed");
  struct hash_job j = { w, p, fd, ctx, buf, bytes };
  bool sparse = before.st_blocks * 512 < before.st_size;
  if ((sparse ? hash_sparse (&j, before.st_size, err) : hash_data (&j, -1, err)) < 0)
    return -1;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex (ctx, out, &len) != 1)
    return holo_make_error (err, 0, "sha256 final failed");
  struct stat after;
  if (fstat (fd, &after) < 0 || !same_content_stat (&after, &p->st) || !same_content_stat (&before, &p->st))
    return holo_make_error (err, 0, "`./%s` changed while computing the UOR-ID", p->rel);
  return 0;
}

static void
record_failure (struct uor_hasher *h, holo_error_t *err)
{
  pthread_mutex_lock (&h->lock);
  if (h->err == NULL)
    h->err = steal_pointer (err);
  pthread_mutex_unlock (&h->lock);
  holo_error_release (err);
  __atomic_store_n (&h->failed, true, __ATOMIC_RELAXED);
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
      if (hash_pending (w, p, ctx, buf, w->entries[p->entry].digest, &bytes, &err) < 0)
        {
          record_failure (h, &err);
          break;
        }
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
  if (n > UOR_MAX_THREADS)
    n = UOR_MAX_THREADS;
  if ((size_t) n > w->n_pending)
    n = w->n_pending ? (long) w->n_pending : 1;
  return (size_t) n;
}

int
holo_uor_hash_pending (struct uor_walk *w, holo_error_t *err)
{
  /* Everything from the cache: libcrypto is not even loaded.  */
  if (w->n_pending == 0)
    return 0;
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
    holo_uor_cache_add (w->cache, &w->pending[i].st, w->entries[w->pending[i].entry].digest);
  return 0;
}
