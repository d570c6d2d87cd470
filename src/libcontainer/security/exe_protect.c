#define _GNU_SOURCE
#include "exe_protect.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <linux/memfd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

#define HOLO_REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool
running_from_sealed_copy (int exe_fd)
{
  int seals = fcntl (exe_fd, F_GET_SEALS);
  return seals >= 0 && (seals & HOLO_REQUIRED_SEALS) == HOLO_REQUIRED_SEALS;
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

int
holo_protect_runtime_binary (char **argv, holo_error_t *err)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return holo_make_error (err, errno, "open /proc/self/exe");
  if (running_from_sealed_copy (exe))
    return 0;
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
