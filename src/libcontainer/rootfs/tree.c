/* The rootfs as one descriptor, from create to start.

   create opens root.path once (holo_rootfs_open_dir, no symlink followed)
   and everything after works on that descriptor: an extension's check sees
   it, and the container's root is mounted from it (the init attaches a
   clone of it, mounts.c).  A rename or a swap of paths after the open
   cannot put another tree under the container.

   start can look at the root the container really has: a detached copy of
   the init's root mount, without the mounts made inside it
   (holo_rootfs_container_root).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

int
holo_rootfs_open_dir (const char *rootfs, holo_error_t *err)
{
  struct open_how how = {
    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int) syscall (SYS_openat2, AT_FDCWD, rootfs, &how, sizeof how);
  if (fd < 0)
    return holo_make_error (err, errno, "config.json: root.path: open rootfs `%s`", rootfs);
  return fd;
}

int
holo_rootfs_clone (int rootfs_fd, bool recursive)
{
  return holo_sys_open_tree (rootfs_fd, "",
                             AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

/* In the forked child: joins the init's namespaces (its user namespace
   first when it has its own, for the rights over its mount namespace) and
   clones the mount ROOT_FD is on; sends the detached copy on SOCK.  */
static _Noreturn void
clone_in_container (pid_t pid, int root_fd, int sock)
{
  char path[64];
  struct stat mine, theirs;
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  int user = open (path, O_RDONLY | O_CLOEXEC);
  if (user >= 0 && fstat (user, &theirs) == 0 && stat ("/proc/self/ns/user", &mine) == 0
      && (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) && setns (user, CLONE_NEWUSER) < 0)
    _exit (1);
  snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) pid);
  int mnt = open (path, O_RDONLY | O_CLOEXEC);
  if (mnt < 0 || setns (mnt, CLONE_NEWNS) < 0)
    _exit (2);
  int tree = holo_rootfs_clone (root_fd, false);
  if (tree < 0 || holo_send_fd (sock, tree, NULL) < 0)
    _exit (3);
  _exit (0);
}

int
holo_rootfs_container_root (pid_t pid, holo_error_t *err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/root", (int) pid);
  /* The init's root, whether it got there by pivot_root or chroot.  */
  cleanup_close int root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return holo_make_error (err, errno, "open the container's root `%s`", path);
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return holo_make_error (err, errno, "socketpair");
  pid_t child = fork ();
  if (child < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return holo_make_error (err, errno, "fork");
    }
  if (child == 0)
    {
      close (sv[0]);
      clone_in_container (pid, root_fd, sv[1]);
    }
  close (sv[1]);
  int status = 0;
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  int tree = -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    tree = holo_recv_fd (sv[0], err);
  else
    holo_make_error (err, 0, "cannot copy the container's root mount (%s)",
                     !WIFEXITED (status)         ? "the helper was killed"
                     : WEXITSTATUS (status) == 1 ? "cannot join its user namespace"
                     : WEXITSTATUS (status) == 2 ? "cannot join its mount namespace"
                                                 : "open_tree failed");
  close (sv[0]);
  return tree;
}

/* ---- what create would add to the rootfs ---- */

static void
strv_add (char ***v, size_t *n, const char *s)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], s) == 0)
      return;
  *v = holo_xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = holo_xstrdup (s);
  (*v)[*n] = NULL;
}

/* True when the clean path P is at or below the clean directory D.  */
static bool
path_under (const char *p, const char *d)
{
  size_t n = strlen (d);
  return strcmp (d, "/") == 0 || (strncmp (p, d, n) == 0 && (p[n] == '\0' || p[n] == '/'));
}

/* The shallowest missing ancestor of PATH (or PATH itself) inside ROOT_FD,
   malloc'ed; NULL when PATH exists (or cannot be looked at).  */
static char *
first_missing (int root_fd, const char *clean)
{
  cleanup_close int fd = holo_openat_in_root (root_fd, clean, O_PATH | O_NOFOLLOW, 0);
  if (fd >= 0 || errno != ENOENT)
    return NULL;
  cleanup_free char *prefix = holo_xstrdup (clean);
  for (char *slash = strchr (prefix + 1, '/'); slash; slash = strchr (slash + 1, '/'))
    {
      *slash = '\0';
      cleanup_close int pfd = holo_openat_in_root (root_fd, prefix, O_PATH, 0);
      if (pfd < 0 && errno == ENOENT)
        return steal_pointer (&prefix);
      *slash = '/';
    }
  return steal_pointer (&prefix);
}

/* PATH is created by the runtime unless something mounted earlier (one of
   the N_BEFORE first mounts[] destinations) covers it.  */
static void
check_entry (const struct holo_spec *spec, size_t n_before, int root_fd, const char *path, char ***out, size_t *n)
{
  cleanup_free char *clean = holo_clean_path (path);
  for (size_t i = 0; i < n_before; i++)
    {
      cleanup_free char *dest = spec->mounts[i].destination ? holo_clean_path (spec->mounts[i].destination) : NULL;
      if (dest && strcmp (dest, "/") != 0 && path_under (clean, dest))
        return;
    }
  cleanup_free char *missing = first_missing (root_fd, clean);
  if (missing)
    strv_add (out, n, missing);
}

static bool
mounts_dev (const struct holo_spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      cleanup_free char *dest = spec->mounts[i].destination ? holo_clean_path (spec->mounts[i].destination) : NULL;
      if (dest && strcmp (dest, "/dev") == 0)
        return true;
    }
  return false;
}

int
holo_rootfs_new_entries (const struct holo_spec *spec, int root_fd, char ***out, size_t *n)
{
  /* devices.c's defaults, its symlinks and /dev/ptmx.  */
  static const char *const default_devices[]
      = { "/dev/null", "/dev/random", "/dev/full",   "/dev/tty",    "/dev/zero", "/dev/urandom",
          "/dev/fd",   "/dev/stdin",  "/dev/stdout", "/dev/stderr", "/dev/ptmx", NULL };
  *out = NULL;
  *n = 0;
  if (!spec->linux_.namespaces[HOLO_NS_MOUNT].present)
    return 0; /* nothing is mounted, nothing is created */
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].destination)
      check_entry (spec, i, root_fd, spec->mounts[i].destination, out, n);
  if (!mounts_dev (spec))
    {
      for (size_t i = 0; default_devices[i]; i++)
        check_entry (spec, spec->n_mounts, root_fd, default_devices[i], out, n);
      for (size_t i = 0; i < spec->linux_.n_devices; i++)
        check_entry (spec, spec->n_mounts, root_fd, spec->linux_.devices[i].path, out, n);
    }
  if (spec->has_process && spec->process.cwd)
    check_entry (spec, spec->n_mounts, root_fd, spec->process.cwd, out, n);
  return 0;
}
