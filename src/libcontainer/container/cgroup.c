/* The container's cgroup, whichever driver places it: with cgroupfs holo
   creates the directories itself; with systemd (--systemd-cgroup) the
   cgroup is a transient scope unit systemd creates, recorded in the state
   so that delete stops that unit, whatever flags delete is given.  Used by
   create, restore and delete.  */
#define _GNU_SOURCE
#include "container.h"
#include "../cgroups/systemd.h"
#include "../utils.h"

#include <stdlib.h>

/* As runc: the user's own systemd instance when rootless, except as root
   of a user namespace without XDG_RUNTIME_DIR (no session to talk to).  */
static bool
systemd_user_instance (const struct holo_context *ctx)
{
  if (!ctx->rootless)
    return false;
  const char *rt = getenv ("XDG_RUNTIME_DIR");
  return geteuid () != 0 || (rt && *rt);
}

int
holo_container_cgroup_plan (struct holo_context *ctx, const struct holo_spec *spec, const char *id,
                            struct holo_state *s, holo_error_t *err)
{
  if (ctx->cgroup_manager == HOLO_CGROUP_MANAGER_DISABLED)
    return 0;
  if (ctx->cgroup_manager != HOLO_CGROUP_MANAGER_SYSTEMD)
    return holo_cgroup_resolve_path (spec->linux_.cgroups_path, id, ctx->cgroup_manager, &s->cgroup_path, err);
  struct holo_systemd_unit u = { 0 };
  if (holo_systemd_parse_path (spec->linux_.cgroups_path, id, systemd_user_instance (ctx), &u, err) < 0)
    return -1;
  int ret = holo_systemd_validate (&u, id, spec, err);
  if (ret == 0)
    {
      s->systemd_unit = steal_pointer (&u.name);
      s->systemd_user = u.user;
      /* Where the system instance will put it (systemd's answer replaces
         it); the user instance's depends on its own cgroup: asked later. */
      if (!u.user)
        {
          cleanup_free char *slice = holo_systemd_expand_slice (u.slice, err);
          ret = slice ? 0 : -1;
          if (slice)
            s->cgroup_path = holo_xasprintf ("%s/%s", slice, s->systemd_unit);
        }
    }
  holo_systemd_unit_clear (&u);
  return ret;
}

int
holo_container_cgroup_enter (struct holo_state *s, const struct holo_spec *spec, pid_t pid, holo_error_t *err)
{
  if (s->systemd_unit == NULL)
    return holo_cgroup_enter (s->cgroup_path, pid, err);
  struct holo_systemd_unit u = { 0 };
  if (holo_systemd_parse_path (spec->linux_.cgroups_path, s->id, s->systemd_user, &u, err) < 0)
    return -1;
  char *path = NULL;
  int ret = holo_systemd_enter (&u, s->id, pid, spec, &path, err);
  holo_systemd_unit_clear (&u);
  if (ret < 0)
    return -1;
  free (s->cgroup_path);
  s->cgroup_path = path;
  return 0;
}

int
holo_container_cgroup_remove (const struct holo_state *s, holo_error_t *err)
{
  if (s->systemd_unit && holo_systemd_stop_unit (s->systemd_unit, s->systemd_user, err) < 0)
    return -1;
  /* What systemd did not remove (sub-cgroups of the delegated scope), or
     the cgroupfs driver's directories.  */
  if (s->cgroup_path && holo_cgroup_destroy (s->cgroup_path, err) < 0)
    return -1;
  return 0;
}

bool
holo_container_has_cgroup (const struct holo_state *s)
{
  return s->cgroup_path != NULL || s->systemd_unit != NULL;
}
