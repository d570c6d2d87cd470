/* `ps`: the processes of a container, from its cgroup.  A stopped
   container has none (its cgroup may already be gone).  */
#define _GNU_SOURCE
#include "container.h"
#include "../utils.h"

#include <errno.h>

int
holo_container_pids (struct holo_context *ctx, const char *id, pid_t **pids, size_t *n, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  *pids = NULL;
  *n = 0;
  if (holo_container_open (ctx, id, 0, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  enum holo_status st = c.status;
  if (st == HOLO_STATUS_STOPPED)
    return 0;
  if (s->cgroup_path == NULL)
    {
      /* No cgroup: the init is all that can be named for sure.  */
      *pids = holo_xmalloc (sizeof (pid_t));
      (*pids)[0] = s->pid;
      *n = 1;
      return 0;
    }
  cleanup_error holo_error_t perr = NULL;
  if (holo_cgroup_pids (s->cgroup_path, pids, n, &perr) < 0)
    {
      if (perr->status == ENOENT)
        return 0; /* stopped and removed while we looked */
      *err = steal_pointer (&perr);
      return -1;
    }
  return 0;
}
