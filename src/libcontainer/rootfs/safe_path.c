/* Path resolution inside the container root.

   Every path the container image controls (mount destinations, device
   nodes, masked paths) is resolved with openat2(RESOLVE_IN_ROOT): the
   kernel treats the root fd as "/" for absolute symlinks and clamps ".."
   there, so a symlink such as "etc -> ../../../etc" in the image can never
   make us create or mount something on the host.  Magic links
   (/proc/self/fd/N and friends) are refused for the same reason.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

/* RESOLVE_IN_ROOT lookups fail with EAGAIN when a rename races with them;
   retrying a bounded number of times is what the kernel expects.  */
#define OPENAT2_EAGAIN_RETRIES 32

int
holo_openat_in_root (int root_fd, const char *path, int flags, mode_t mode)
{
  struct open_how how;
  int attempt;

  memset (&how, 0, sizeof (how));
  how.flags = (unsigned long long) (flags | O_CLOEXEC);
  /* openat2 insists on mode == 0 unless a file may be created.  */
  if (flags & (O_CREAT | O_TMPFILE))
    how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

  for (attempt = 0; attempt < OPENAT2_EAGAIN_RETRIES; attempt++)
    {
      int fd = (int) syscall (SYS_openat2, root_fd, path, &how, sizeof (how));
      if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
        return fd;
    }
  return -1;
}

int
holo_rootfs_check_openat2 (holo_error_t *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return holo_make_error (err, errno, "open `/`");
  cleanup_close int fd = holo_openat_in_root (root, ".", O_PATH | O_DIRECTORY, 0);
  if (fd >= 0)
    return 0;
  if (errno == ENOSYS)
    return holo_make_error (err, 0,
                            "this kernel has no openat2(2): holo needs Linux >= 5.6, it resolves every path "
                            "inside the container's root with it");
  return holo_make_error (err, errno, "openat2(2), which holo needs to resolve paths inside the container's root");
}

static int
make_openat2_error (holo_error_t *err, int saved_errno, const char *what, const char *path)
{
  if (saved_errno == ENOSYS)
    return holo_make_error (err, 0, "%s `%s`: openat2(2) is not supported by this kernel (Linux >= 5.6 is required)",
                            what, path);
  return holo_make_error (err, saved_errno, "%s `%s` in the container root", what, path);
}

int
holo_open_in_root (int root_fd, const char *path, int flags, mode_t mode, holo_error_t *err)
{
  int fd = holo_openat_in_root (root_fd, path, flags, mode);
  if (fd < 0)
    return make_openat2_error (err, errno, "open", path);
  return fd;
}

/* How many dangling symlinks creation follows before giving up, like the
   kernel's limit for one path resolution.  */
#define MAX_CREATE_SYMLINKS 40

/* NAME in PARENT_FD exists but could not be resolved: if it is a dangling
   symlink, returns the path to create instead, its target (relative targets
   are relative to DIR, the path of PARENT_FD as written) followed by REST.
   Creating there is what runc does for e.g. an image's dangling
   /etc/resolv.conf; the new path is resolved inside the root again.  */
static char *
path_through_symlink (int parent_fd, const char *name, const char *dir, const char *rest)
{
  char target[4096];
  ssize_t n = readlinkat (parent_fd, name, target, sizeof (target) - 1);
  const char *sep = rest[0] ? "/" : "";

  if (n <= 0)
    return NULL;
  target[n] = '\0';
  if (target[0] == '/')
    return holo_xasprintf ("%s%s%s", target, sep, rest);
  return holo_xasprintf ("%s/%s%s%s", dir[0] ? dir : "/", target, sep, rest);
}

static int mkdir_in_root (int root_fd, const char *path, int depth, holo_error_t *err);

/* The walk below met NAME (the last component of PREFIX, followed by REST)
   missing.  Creates it in the resolved directory PARENT_FD and returns an fd
   on it, or, when NAME is a dangling symlink, creates the whole remaining
   path through it and returns the fd of the final directory (*DONE).  */
static int
create_component (int root_fd, int parent_fd, const char *prefix, const char *name, const char *rest, int depth,
                  bool *done, holo_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_free char *redirect = NULL;
  int fd;

  if (mkdirat (parent_fd, name, 0755) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s` in the container root", prefix);

  /* Open through the root again rather than relative to PARENT_FD, so that
     a symlink planted concurrently is still confined.  */
  fd = holo_openat_in_root (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : make_openat2_error (err, errno, "open directory", prefix);

  dir = strndup (prefix, (size_t) (name - prefix));
  if (dir == NULL)
    abort ();
  redirect = path_through_symlink (parent_fd, name, dir, rest);
  if (redirect == NULL)
    return holo_make_error (err, ENOENT, "mkdir `%s` in the container root", prefix);
  if (depth >= MAX_CREATE_SYMLINKS)
    return holo_make_error (err, ELOOP, "mkdir `%s` in the container root", prefix);
  *done = true;
  return mkdir_in_root (root_fd, redirect, depth + 1, err);
}

/* Walks PATH one component at a time; each prefix is resolved from the
   root again, so symlinks met on the way resolve inside the root.  */
static int
mkdir_in_root (int root_fd, const char *path, int depth, holo_error_t *err)
{
  cleanup_free char *prefix = NULL;
  cleanup_close int parent_fd = -1;
  char *cursor;
  int fd;

  /* Fast path: it usually exists already.  */
  fd = holo_openat_in_root (root_fd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_openat2_error (err, errno, "open directory", path);

  parent_fd = holo_openat_in_root (root_fd, "/", O_PATH | O_DIRECTORY, 0);
  if (parent_fd < 0)
    return make_openat2_error (err, errno, "open directory", "/");

  prefix = holo_xstrdup (path);
  cursor = prefix;
  while (*cursor)
    {
      bool done = false;
      char *name, *end;
      char saved;

      while (*cursor == '/')
        cursor++;
      if (*cursor == '\0')
        break;
      name = cursor;
      end = strchrnul (cursor, '/');
      saved = *end;
      *end = '\0'; /* PREFIX is now the path up to NAME; END + 1 the rest */

      fd = holo_openat_in_root (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
      if (fd < 0 && errno == ENOENT)
        fd = create_component (root_fd, parent_fd, prefix, name, saved ? end + 1 : "", depth, &done, err);
      else if (fd < 0)
        fd = make_openat2_error (err, errno, "open directory", prefix);
      if (fd < 0 || done)
        return fd;

      close (parent_fd);
      parent_fd = fd;
      *end = saved;
      cursor = end;
    }
  return steal_fd (&parent_fd);
}

int
holo_mkdir_in_root (int root_fd, const char *path, holo_error_t *err)
{
  return mkdir_in_root (root_fd, path, 0, err);
}

/* Splits PATH (trailing slashes ignored) into its parent directory (the
   return value) and its last component (*BASE); both malloc'ed.  */
static char *
split_last_component (const char *path, char **base)
{
  char *copy = holo_xstrdup (path);
  size_t len = strlen (copy);
  char *slash;

  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  slash = strrchr (copy, '/');
  if (slash == NULL)
    {
      *base = holo_xstrdup (copy);
      copy[0] = '.';
      copy[1] = '\0';
      return copy;
    }
  *base = holo_xstrdup (slash + 1);
  if (slash == copy)
    slash[1] = '\0';
  else
    *slash = '\0';
  return copy;
}

static int
ensure_file_in_root (int root_fd, const char *path, int depth, holo_error_t *err)
{
  cleanup_free char *base = NULL;
  cleanup_free char *dir = NULL;
  cleanup_free char *redirect = NULL;
  cleanup_close int parent_fd = -1;
  int fd;

  fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_openat2_error (err, errno, "open", path);

  dir = split_last_component (path, &base);
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return holo_make_error (err, 0, "cannot create a file at `%s`", path);
  parent_fd = mkdir_in_root (root_fd, dir, depth, err);
  if (parent_fd < 0)
    return -1;

  /* O_EXCL|O_NOFOLLOW: never open (and so never trigger) an existing
     device node or fifo, and never create through a symlink unchecked.  */
  fd = openat (parent_fd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0)
    close (fd);
  else if (errno != EEXIST)
    return holo_make_error (err, errno, "create `%s` in the container root", path);

  fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : make_openat2_error (err, errno, "open", path);

  /* BASE exists and does not resolve: follow the dangling symlink.  */
  redirect = path_through_symlink (parent_fd, base, dir, "");
  if (redirect == NULL)
    return make_openat2_error (err, ENOENT, "open", path);
  if (depth >= MAX_CREATE_SYMLINKS)
    return holo_make_error (err, ELOOP, "create `%s` in the container root", path);
  return ensure_file_in_root (root_fd, redirect, depth + 1, err);
}

int
holo_ensure_in_root (int root_fd, const char *path, bool directory, holo_error_t *err)
{
  if (directory)
    return mkdir_in_root (root_fd, path, 0, err);
  return ensure_file_in_root (root_fd, path, 0, err);
}

const char *
holo_fd_proc_path (int fd, char *buf)
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}
