/* CVE-2019-5736 protection (see exe_protect.h): re-execute holo from a
   file the container can never write, preferably a private read-only
   overlayfs view of holo's own directory (no copy, the page cache is
   shared), else a sealed memfd copy.  */
#define _GNU_SOURCE
#include "exe_protect.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <linux/memfd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

#define HOLO_REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Set by holo for the process it re-executes through the overlay: the
   device and inode of the file it opened there.  Only a process whose
   /proc/self/exe is that very file on a read-only overlayfs takes it as
   proof of protection (so an inherited or forged value changes nothing).  */
#define HOLO_EXE_MARK "_HOLO_EXE_OVERLAY"

static bool
running_from_sealed_memfd (int exe_fd)
{
  int seals = fcntl (exe_fd, F_GET_SEALS);
  return seals >= 0 && (seals & HOLO_REQUIRED_SEALS) == HOLO_REQUIRED_SEALS;
}

static char *
file_identity (const struct stat *st)
{
  return holo_xasprintf ("%llu:%llu", (unsigned long long) st->st_dev, (unsigned long long) st->st_ino);
}

static bool
overlay_mark_matches (int exe_fd)
{
  const char *mark = getenv (HOLO_EXE_MARK);
  if (mark == NULL)
    return false;
  struct statfs sfs;
  struct stat st;
  if (fstatfs (exe_fd, &sfs) < 0 || fstat (exe_fd, &st) < 0)
    return false;
  if (sfs.f_type != OVERLAYFS_SUPER_MAGIC || (sfs.f_flags & ST_RDONLY) == 0)
    return false;
  cleanup_free char *actual = file_identity (&st);
  return strcmp (actual, mark) == 0;
}

static bool
running_from_private_overlay (int exe_fd)
{
  bool ok = overlay_mark_matches (exe_fd);
  /* Not for the processes we start: hooks, the container.  */
  unsetenv (HOLO_EXE_MARK);
  return ok;
}

/* overlayfs splits lowerdir on ':' and takes '\' as an escape.  */
static char *
escape_lowerdir (const char *path)
{
  char *out = holo_xmalloc (2 * strlen (path) + 1), *o = out;
  for (const char *p = path; *p; p++)
    {
      if (*p == ':' || *p == '\\')
        *o++ = '\\';
      *o++ = *p;
    }
  *o = '\0';
  return out;
}

/* The directory of the running binary as the upper of two lower layers,
   no upper dir (so the mount cannot be written at all), mounted read-only,
   nodev, nosuid and attached nowhere: the only way to it is the fd we
   return, and later the /proc/PID/exe of the processes that exec it.
   overlayfs needs a second lower layer for a lower-only mount: SCRATCH_DIR
   (holo's state root, as runc uses its own), any directory that does not
   overlap the binary's.  The binary's layer is on top, so a file of the same
   name there is hidden.  */
static int
open_through_private_overlay (const char *scratch_dir, holo_error_t *err)
{
  char exe[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return holo_make_error (err, errno, "readlink /proc/self/exe");
  exe[n] = '\0';
  char *slash = strrchr (exe, '/');
  if (exe[0] != '/' || slash == NULL || slash[1] == '\0')
    return holo_make_error (err, 0, "/proc/self/exe is `%s`, not a path", exe);
  const char *name = slash + 1;
  *slash = '\0';
  cleanup_free char *bin_dir = escape_lowerdir (exe[0] ? exe : "/");
  cleanup_free char *scratch = escape_lowerdir (scratch_dir);
  cleanup_free char *lower = holo_xasprintf ("%s:%s", bin_dir, scratch);

  cleanup_close int fs = (int) syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return holo_make_error (err, errno, "fsopen overlay");
  if (syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
    return holo_make_error (err, errno, "overlay lowerdir=%s", lower);
  /* Inode number mapping is of no use here; with layers on different
     filesystems the kernel would log about it on every start.  */
  syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
  if (syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return holo_make_error (err, errno, "create overlay lowerdir=%s", lower);
  cleanup_close int mnt
      = (int) syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
  if (mnt < 0)
    return holo_make_error (err, errno, "fsmount overlay");
  int fd = openat (mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s` through the overlay", name);
  return fd;
}

/* Returns only on failure.  */
static int
reexec_through_overlay (char **argv, const char *scratch_dir, holo_error_t *err)
{
  cleanup_close int fd = open_through_private_overlay (scratch_dir, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "stat holo through the overlay");
  cleanup_free char *mark = file_identity (&st);
  setenv (HOLO_EXE_MARK, mark, 1);
  holo_log_debug ("exe protection: re-executing through a private read-only overlayfs");
  fexecve (fd, argv, environ);
  int saved = errno;
  unsetenv (HOLO_EXE_MARK);
  return holo_make_error (err, saved, "re-execute holo through the overlay");
}

static int
create_exec_memfd (holo_error_t *err)
{
  /* MFD_EXEC is required where vm.memfd_noexec is set (6.3+) and unknown
     (EINVAL) to older kernels.  */
  int fd = memfd_create ("holo", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("holo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return holo_make_error (err, errno, "memfd_create");
  return fd;
}

static int
copy_all (int from, int to, size_t size, holo_error_t *err)
{
  size_t done = 0;
  while (done < size)
    {
      ssize_t r = sendfile (to, from, NULL, size - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return holo_make_error (err, r < 0 ? errno : EIO, "copy holo binary into memfd");
      done += (size_t) r;
    }
  return 0;
}

/* Returns only on failure.  */
static int
reexec_from_sealed_memfd (int exe, char **argv, holo_error_t *err)
{
  struct stat st;
  if (fstat (exe, &st) < 0)
    return holo_make_error (err, errno, "stat /proc/self/exe");
  cleanup_close int mfd = create_exec_memfd (err);
  if (mfd < 0)
    return -1;
  if (copy_all (exe, mfd, (size_t) st.st_size, err) < 0)
    return -1;
  if (fcntl (mfd, F_ADD_SEALS, HOLO_REQUIRED_SEALS) < 0)
    return holo_make_error (err, errno, "seal the memfd copy of holo");
  fexecve (mfd, argv, environ);
  return holo_make_error (err, errno, "re-execute holo from its sealed copy");
}

bool
holo_runtime_binary_protected (void)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return exe >= 0 && (overlay_mark_matches (exe) || running_from_sealed_memfd (exe));
}

int
holo_protect_runtime_binary (const struct holo_context *ctx, char **argv, holo_error_t *err)
{
  const char *scratch_dir = ctx->root;
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return holo_make_error (err, errno, "open /proc/self/exe");
  if (running_from_private_overlay (exe) || running_from_sealed_memfd (exe))
    return 0;
  /* The scratch layer must exist; the state root is created here a little
     earlier than create would.  A failure only means no overlay.  */
  holo_mkdir_p (scratch_dir, 0700, NULL);
  cleanup_error holo_error_t why = NULL;
  reexec_through_overlay (argv, scratch_dir, &why);
  /* Rootless (no CAP_SYS_ADMIN for the mount), no overlayfs, a state root
     overlapping holo's directory, a deleted binary: copy it instead.  */
  holo_log_debug ("exe protection: no private overlayfs (%s); using a sealed memfd copy", why->msg);
  return reexec_from_sealed_memfd (exe, argv, err);
}
