/* What uor.c (the walk, the lines) and hash.c (file contents) share.  */
#ifndef HOLO_UOR_WALK_H
#define HOLO_UOR_WALK_H

#include "hologram_internal.h"

#include <sys/stat.h>

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
  int64_t deadline_ns; /* CLOCK_MONOTONIC, 0: none */
  struct holo_uor_cache *cache;
  struct uor_entry *entries;
  size_t n_entries, cap_entries;
  struct uor_pending *pending;
  size_t n_pending, cap_pending;
  struct uor_dir *dirs; /* stack of directories still to read */
  size_t n_dirs, cap_dirs;
  struct holo_uor_stats stats;
};

/* walk.c.  Opens REL beneath ROOT_FD without following any symlink.  */
int holo_uor_open_beneath (int root_fd, const char *rel, int flags);
/* The CLOCK_MONOTONIC time (ns) MS milliseconds from now.  */
int64_t holo_uor_deadline_ns (long ms);
/* True once W's deadline has passed.  */
bool holo_uor_late (const struct uor_walk *w);
/* The error for a passed deadline, naming where it happened.  */
int holo_uor_deadline_error (const struct uor_walk *w, const char *where, holo_error_t *err);
/* hash.c: the contents of every pending file, into its entry's digest. */
int holo_uor_hash_pending (struct uor_walk *w, holo_error_t *err);

#endif
