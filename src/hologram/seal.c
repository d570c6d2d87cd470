/* Sealing (HOLOGRAM.md 7.3): the immutable inode flag (FS_IMMUTABLE_FL,
   chattr +i) on every directory and regular file of a tree, and on its
   root.  Symlinks, devices, fifos and sockets cannot take the flag; their
   names are fixed by their immutable parent.

   A device or a fifo is never opened: every entry is first opened O_PATH
   without following symlinks, checked with fstat, and only a regular file
   is then reopened for the ioctl, through /proc/self/fd, which reaches the
   inode already checked (a rename in between cannot swap a fifo in).  The
   walk does not cross into other filesystems (mount points).  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct seal_walk
{
  bool seal;
  dev_t dev;
  struct holo_hologram_seal_stats *stats;
};

/* Sets or clears the flag on FD (a directory or a regular file opened for
   reading); PATH names it in errors.  */
static int
set_flag (const struct seal_walk *w, int fd, const char *path, holo_error_t *err)
{
  int flags = 0;
  if (ioctl (fd, FS_IOC_GETFLAGS, &flags) < 0)
    return holo_make_error (err, errno, "read the inode flags of `%s`", path);
  int want = w->seal ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
  if (want == flags)
    return 0;
  if (ioctl (fd, FS_IOC_SETFLAGS, &want) < 0)
    {
      int saved = errno;
      if (saved == EPERM)
        return holo_make_error (err, saved, "%s the immutable flag of `%s` (this needs CAP_LINUX_IMMUTABLE)",
                                w->seal ? "set" : "clear", path);
      return holo_make_error (err, saved, "%s the immutable flag of `%s`", w->seal ? "set" : "clear", path);
    }
  w->stats->changed++;
  return 0;
}

/* A regular file, checked on an O_PATH descriptor, then reopened.  */
static int
seal_file (const struct seal_walk *w, int opath, const char *path, holo_error_t *err)
{
  char proc[64];
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", opath);
  cleanup_close int fd = open (proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", path);
  return set_flag (w, fd, path, err);
}

static int seal_dir (const struct seal_walk *w, int dir_fd, const char *path, holo_error_t *err);

static int
seal_entry (const struct seal_walk *w, int dir_fd, const char *name, const char *path, holo_error_t *err)
{
  cleanup_close int opath = openat (dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (opath < 0 || fstat (opath, &st) < 0)
    return holo_make_error (err, errno, "open `%s`", path);
  if (S_ISREG (st.st_mode))
    return seal_file (w, opath, path, err);
  if (!S_ISDIR (st.st_mode) || st.st_dev != w->dev)
    {
      w->stats->skipped++;
      return 0;
    }
  cleanup_close int sub = openat (opath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sub < 0)
    return holo_make_error (err, errno, "open directory `%s`", path);
  return seal_dir (w, sub, path, err);
}

/* The entries first, then the directory: a sealed directory is done.  */
static int
seal_dir (const struct seal_walk *w, int dir_fd, const char *path, holo_error_t *err)
{
  int dup_fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return holo_make_error (err, errno, "read directory `%s`", path);
    }
  /* Unsealing goes top down, sealing bottom up: either way a directory
     whose entries are being changed is not immutable yet.  */
  int ret = w->seal ? 0 : set_flag (w, dir_fd, path, err);
  struct dirent *de;
  while (ret == 0 && (errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      cleanup_free char *child = holo_xasprintf ("%s/%s", path, de->d_name);
      ret = seal_entry (w, dir_fd, de->d_name, child, err);
    }
  if (ret == 0 && errno != 0)
    ret = holo_make_error (err, errno, "read directory `%s`", path);
  closedir (d);
  if (ret == 0 && w->seal)
    ret = set_flag (w, dir_fd, path, err);
  return ret;
}

int
holo_hologram_seal (int root_fd, bool seal, struct holo_hologram_seal_stats *stats, holo_error_t *err)
{
  memset (stats, 0, sizeof *stats);
  cleanup_close int fd = openat (root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "open the tree");
  struct seal_walk w = { seal, st.st_dev, stats };
  return seal_dir (&w, fd, ".", err);
}
