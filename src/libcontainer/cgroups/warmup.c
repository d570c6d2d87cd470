/* Moving a process into a cgroup (a write to cgroup.procs, cgroup v1 or
   v2) takes the kernel's cgroup_threadgroup_rwsem for writing.  That
   per-cpu rwsem keeps its readers (every fork and exit) on a fast path
   until a writer comes; the first writer after a quiet spell then waits a
   whole RCU grace period for them to switch (rcu_sync_enter), and writers
   during the next grace period do not.  On this project's machines that
   wait was most of `create`: 1 ms idle, 10-17 ms under load, for the first
   of the init's ten v1 cgroups (then ~30 µs each).

   holo_cgroup_warm_up starts that wait early, in parallel: a child process
   moves itself into the cgroup it is already in (a no-op for the kernel's
   accounting, but a writer of the rwsem) and exits, while holo goes on with
   its re-exec, the config, the state store and the clone; by the time holo
   writes the init's pid, the switch is done or under way.  Best effort:
   any failure only means no head start.  The child shares holo's memory
   (process/vmchild.h): a fork's page table copy cost more than the wait
   saved when the rwsem was already switched (measured for exec: 0.3 ms).  */
#define _GNU_SOURCE
#include "cgroups.h"
#include "../libcontainer.h"
#include "../process/vmchild.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* cgroup.procs of the cgroup we are in, from /proc/self/cgroup: the pids
   hierarchy on v1 (every host with v1 has it), else the cgroup2 one.  */
static bool
own_cgroup_procs (char *out, size_t size)
{
  char buf[4096];
  int fd = open ("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *v2 = NULL;
  for (char *line = buf, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      char *ctrl = strchr (line, ':');
      char *path = ctrl ? strchr (ctrl + 1, ':') : NULL;
      if (path == NULL)
        continue;
      *path++ = '\0';
      ctrl++;
      if (strcmp (path, "/") == 0)
        path++; /* the root cgroup: no "//" */
      if (strcmp (ctrl, "pids") == 0)
        return snprintf (out, size, "/sys/fs/cgroup/pids%s/cgroup.procs", path) < (int) size;
      if (*ctrl == '\0')
        v2 = path;
    }
  if (v2 == NULL)
    return false;
  const char *root = holo_cgroup_mode () == HOLO_CGROUP_UNIFIED ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  return snprintf (out, size, "%s%s/cgroup.procs", root, v2) < (int) size;
}

/* The child: raw system calls only (see vmchild.h).  Nothing of the
   caller's stays open here: a pipe the caller reads to its end (holo's
   stdout under a shim) must close when holo exits, not when this child is
   done waiting.  */
static int
warm_up_child (void *cgroup_procs)
{
  holo_vm_syscall3 (SYS_close_range, 0, ~0U, 0);
  long fd = holo_vm_syscall3 (SYS_openat, AT_FDCWD, (long) cgroup_procs, O_WRONLY | O_CLOEXEC);
  /* "0": this process, into the cgroup it is in.  */
  if (fd >= 0 && holo_vm_syscall3 (SYS_write, fd, (long) "0", 1) < 0)
    return 1;
  return 0;
}

void
holo_cgroup_warm_up (const struct holo_context *ctx, bool clones_into_cgroup)
{
  /* Rootless: our own cgroup is rarely ours to write.  A cgroup2 host
     where the process is cloned into its cgroup (holo_cgroup_clone_target:
     create and run): nothing waits.  */
  if (ctx->cgroup_manager == HOLO_CGROUP_MANAGER_DISABLED || ctx->rootless
      || (clones_into_cgroup && holo_cgroup_mode () == HOLO_CGROUP_UNIFIED))
    return;
  char path[PATH_MAX];
  if (!own_cgroup_procs (path, sizeof path))
    return;
  /* holo does not wait: whoever reaps its children reaps it.  The child
     gets its own copy of the path.  */
  holo_vm_child_spawn (warm_up_child, path, strlen (path) + 1);
}
