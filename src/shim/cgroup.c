/* holo shim — the ShimCgroup option: the server moves itself into that
   cgroup (every v1 hierarchy that has it, or the unified one).  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static int
join (const char *dir, const char *pid, holo_error_t *err)
{
  cleanup_free char *procs = holo_xasprintf ("%s/cgroup.procs", dir);
  return holo_write_file (procs, pid, strlen (pid), err);
}

int
shim_join_cgroup (const char *path, holo_error_t *err)
{
  cleanup_free char *pid = holo_xasprintf ("%d", getpid ());
  cleanup_free char *unified = holo_xasprintf (CGROUP_ROOT "/%s", path);
  cleanup_free char *probe = holo_xasprintf (CGROUP_ROOT "/cgroup.controllers");
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int joined = 0;

  if (access (probe, F_OK) == 0)
    return join (unified, pid, err);
  d = opendir (CGROUP_ROOT);
  if (d == NULL)
    return holo_make_error (err, errno, "open " CGROUP_ROOT);
  while ((de = readdir (d)))
    {
      cleanup_free char *dir = NULL;
      struct stat st;

      if (de->d_name[0] == '.' || de->d_type == DT_LNK)
        continue;
      dir = holo_xasprintf (CGROUP_ROOT "/%s/%s", de->d_name, path);
      if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
        continue;
      if (join (dir, pid, err) < 0)
        return holo_error_prefix (err, "shim cgroup %s", path);
      joined++;
    }
  if (joined == 0)
    return holo_make_error (err, ENOENT, "shim cgroup %s", path);
  return 0;
}
