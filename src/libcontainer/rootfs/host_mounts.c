/* Mounts the init made in the runtime's own mount namespace (a container
   without a mount namespace of its own): /proc/self/mountinfo compared
   before and after, by mount id, for the undo of a failed create and, kept
   in the state directory, for delete.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

static bool
at_or_under (const char *mount_point, const char *rootfs)
{
  size_t len = strlen (rootfs);
  return strncmp (mount_point, rootfs, len) == 0 && (mount_point[len] == '\0' || mount_point[len] == '/');
}

int
holo_rootfs_snapshot_mounts (const char *rootfs, struct holo_mount_snapshot *snap, holo_error_t *err)
{
  struct holo_mountinfo *mi = NULL;
  size_t n = 0;

  snap->ids = NULL;
  snap->n = 0;
  if (holo_read_mountinfo (&mi, &n, err) < 0)
    return -1;
  snap->ids = holo_xmalloc ((n + 1) * sizeof (int));
  for (size_t i = 0; i < n; i++)
    if (at_or_under (mi[i].mount_point, rootfs))
      snap->ids[snap->n++] = mi[i].mount_id;
  holo_mountinfo_free (mi, n);
  return 0;
}

static bool
in_ids (const int *ids, size_t n, int id)
{
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id)
      return true;
  return false;
}

/* Detaches the mounts at or under ROOTFS whose id is in IDS (IN_SET) or
   not in it (!IN_SET).  */
static int
detach_mounts (const char *rootfs, const int *ids, size_t n_ids, bool in_set)
{
  cleanup_error holo_error_t err = NULL;
  struct holo_mountinfo *mi = NULL;
  size_t n = 0;
  int detached = 0;

  if (holo_read_mountinfo (&mi, &n, &err) < 0)
    {
      holo_log_warning ("cannot undo the container's mounts under `%s`: %s", rootfs, err->msg);
      return 0;
    }
  /* mountinfo lists a mount after the one it sits on: walking backwards
     detaches children first.  A child already gone with its parent's lazy
     unmount gives EINVAL: nothing left to do for it.  */
  for (size_t i = n; i-- > 0;)
    {
      if (!at_or_under (mi[i].mount_point, rootfs) || in_ids (ids, n_ids, mi[i].mount_id) != in_set)
        continue;
      if (umount2 (mi[i].mount_point, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        detached++;
      else if (errno != EINVAL && errno != ENOENT)
        holo_log_warning ("cannot unmount `%s`: %s", mi[i].mount_point, strerror (errno));
    }
  holo_mountinfo_free (mi, n);
  return detached;
}

int
holo_rootfs_detach_new_mounts (const char *rootfs, const struct holo_mount_snapshot *snap)
{
  return detach_mounts (rootfs, snap->ids, snap->n, false);
}

char *
holo_rootfs_record_new_mounts (const char *rootfs, const struct holo_mount_snapshot *snap)
{
  cleanup_error holo_error_t err = NULL;
  struct holo_mountinfo *mi = NULL;
  size_t n = 0;
  char *record = holo_xstrdup ("");

  if (holo_read_mountinfo (&mi, &n, &err) < 0)
    return record;
  for (size_t i = 0; i < n; i++)
    if (at_or_under (mi[i].mount_point, rootfs) && !in_ids (snap->ids, snap->n, mi[i].mount_id))
      {
        char *longer = holo_xasprintf ("%s%d\n", record, mi[i].mount_id);
        free (record);
        record = longer;
      }
  holo_mountinfo_free (mi, n);
  return record;
}

int
holo_rootfs_detach_recorded_mounts (const char *rootfs, const char *record)
{
  size_t cap = 16, n = 0;
  cleanup_free int *ids = holo_xmalloc (cap * sizeof (int));
  for (const char *p = record; *p;)
    {
      char *end;
      long id = strtol (p, &end, 10);
      if (end == p)
        break;
      if (n == cap)
        ids = holo_xrealloc (ids, (cap *= 2) * sizeof (int));
      ids[n++] = (int) id;
      p = end + strspn (end, "\n ");
    }
  return n ? detach_mounts (rootfs, ids, n, true) : 0;
}

void
holo_mount_snapshot_release (struct holo_mount_snapshot *snap)
{
  free (snap->ids);
  snap->ids = NULL;
  snap->n = 0;
}
