/* `update`: new resource limits for a container that is still alive.  Only
   what the request sets is written; the rest of the cgroup stays as it is.
   Device rules are not updated (runc does not either).  */
#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/resources.h"
#include "../cgroups/systemd.h"
#include "../utils.h"

#include <sys/file.h>

int
holo_container_update (struct holo_context *ctx, const char *id, const struct holo_resources *r, holo_error_t *err)
{
  cleanup_container struct holo_container c = HOLO_CONTAINER_INIT;
  if (holo_container_open (ctx, id, LOCK_EX, &c, err) < 0)
    return -1;
  const struct holo_state *s = c.state;
  enum holo_status st = c.status;
  if (st == HOLO_STATUS_STOPPED || st == HOLO_STATUS_CREATING)
    return holo_make_error (err, 0, "container not running");
  if (s->cgroup_path == NULL)
    return holo_make_error (err, 0, "cannot update a container without a cgroup (--cgroup-manager disabled)");
  /* With systemd, the unit's properties first (as runc), so that systemd
     does not put back the old values when it reloads.  */
  if (s->systemd_unit && holo_systemd_update (s->systemd_unit, s->systemd_user, s->cgroup_path, r, err) < 0)
    return -1;
  return holo_cgroup_update (s->cgroup_path, r, err);
}
