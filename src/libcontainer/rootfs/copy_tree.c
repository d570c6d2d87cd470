/* tmpcopyup: the recursive copy of what a directory held onto the tmpfs
   mounted over it, every entry opened relative to its parent (no path
   walks, no symlink followed).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

static int copy_dir_contents (int src_dir, int dst_dir, const char *rel, holo_error_t *err);

static int
copy_file_data (int src_dir, int dst_dir, const char *name, const struct stat *st, holo_error_t *err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  char buf[65536];
  ssize_t n;

  if (in < 0)
    return holo_make_error (err, errno, "open `%s`", name);
  out = openat (dst_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
  if (out < 0)
    return holo_make_error (err, errno, "create `%s`", name);
  while ((n = read (in, buf, sizeof (buf))) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return holo_make_error (err, errno, "read `%s`", name);
      if (holo_write_all (out, buf, (size_t) n) < 0)
        return holo_make_error (err, errno, "write `%s`", name);
    }
  return 0;
}

static int
copy_subdir (int src_dir, int dst_dir, const char *name, const struct stat *st, const char *rel, holo_error_t *err)
{
  cleanup_close int child_src = -1;
  cleanup_close int child_dst = -1;
  cleanup_free char *child_rel = holo_xasprintf ("%s/%s", rel, name);

  if (mkdirat (dst_dir, name, st->st_mode & 07777) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s`", child_rel);
  child_src = openat (src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child_src < 0)
    return holo_make_error (err, errno, "open `%s`", child_rel);
  child_dst = openat (dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child_dst < 0)
    return holo_make_error (err, errno, "open `%s`", child_rel);
  return copy_dir_contents (child_src, child_dst, child_rel, err);
}

static int
copy_symlink (int src_dir, int dst_dir, const char *name, holo_error_t *err)
{
  char target[4096];
  ssize_t n = readlinkat (src_dir, name, target, sizeof (target) - 1);

  if (n < 0)
    return holo_make_error (err, errno, "readlink `%s`", name);
  target[n] = '\0';
  if (symlinkat (target, dst_dir, name) < 0)
    return holo_make_error (err, errno, "symlink `%s`", name);
  return 0;
}

/* Owner first (chown clears set-id bits), then mode, then times.  Owners
   that are not mapped in a user namespace are kept as they come out.  */
static void
copy_metadata (int dst_dir, const char *name, const struct stat *st)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };

  if (fchownat (dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    holo_log_debug ("tmpcopyup: chown `%s`: %s", name, strerror (errno));
  if (!S_ISLNK (st->st_mode))
    fchmodat (dst_dir, name, st->st_mode & 07777, 0);
  utimensat (dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
}

static int
copy_entry (int src_dir, int dst_dir, const char *name, const char *rel, holo_error_t *err)
{
  struct stat st;
  int ret;

  if (fstatat (src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return holo_make_error (err, errno, "stat `%s/%s`", rel, name);

  if (S_ISDIR (st.st_mode))
    ret = copy_subdir (src_dir, dst_dir, name, &st, rel, err);
  else if (S_ISREG (st.st_mode))
    ret = copy_file_data (src_dir, dst_dir, name, &st, err);
  else if (S_ISLNK (st.st_mode))
    ret = copy_symlink (src_dir, dst_dir, name, err);
  else if (S_ISSOCK (st.st_mode))
    return 0; /* a socket's address is meaningless once copied */
  else if (mknodat (dst_dir, name, st.st_mode, st.st_rdev) < 0)
    ret = holo_make_error (err, errno, "mknod `%s/%s`", rel, name);
  else
    ret = 0;
  if (ret < 0)
    return -1;
  copy_metadata (dst_dir, name, &st);
  return 0;
}

static int
copy_dir_contents (int src_dir, int dst_dir, const char *rel, holo_error_t *err)
{
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;
  int fd = dup (src_dir);

  if (fd < 0)
    return holo_make_error (err, errno, "dup");
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return holo_make_error (err, errno, "opendir `%s`", rel);
    }
  while ((de = readdir (dir)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (src_dir, dst_dir, de->d_name, rel, err) < 0)
        return -1;
    }
  return 0;
}

int
holo_copy_tree (int src_fd, int dst_fd, holo_error_t *err)
{
  /* "." from an fd does not cross a mount stacked on it: SRC_FD still
     reaches the directory the new mount now hides.  */
  cleanup_close int src = openat (src_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dst = -1;

  if (src < 0)
    return holo_make_error (err, errno, "open the source directory");
  dst = openat (dst_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return holo_make_error (err, errno, "open the destination directory");
  return copy_dir_contents (src, dst, ".", err);
}
