#define _GNU_SOURCE
#include "namespaces.h"
#include "userns.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kind of the namespace CLONE_FLAG, or HOLO_NS_COUNT.  */
static int
kind_of_flag (int clone_flag)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (holo_ns_clone_flag (k) == clone_flag)
      return k;
  return HOLO_NS_COUNT;
}

/* FD (opened from linux.namespaces' path for KIND) must be a namespace of
   that kind: setns would only say EINVAL, once the processes exist.  */
static int
check_namespace_fd (int fd, int kind, const char *path, holo_error_t *err)
{
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0 && errno == ENOTTY)
    return holo_make_error (err, 0, "linux.namespaces: the %s namespace path `%s` is not a namespace",
                            holo_ns_spec_name (kind), path);
  /* Other failures (a kernel before 4.11): setns will judge.  */
  if (type < 0 || type == holo_ns_clone_flag (kind))
    return 0;
  int other = kind_of_flag (type);
  const char *name = other < HOLO_NS_COUNT ? holo_ns_spec_name (other) : "unknown";
  return holo_make_error (err, 0, "linux.namespaces: the %s namespace path `%s` is %s %s namespace",
                          holo_ns_spec_name (kind), path, strchr ("aeiou", name[0]) ? "an" : "a", name);
}

int
holo_ns_open_joins (const struct holo_spec *spec, struct holo_ns_join *j, holo_error_t *err)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      j->fds[k] = -1;
      j->paths[k] = NULL;
    }
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      const struct holo_namespace *ns = &spec->linux_.namespaces[k];
      if (!ns->present || ns->path == NULL)
        continue;
      j->paths[k] = ns->path;
      j->fds[k] = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (j->fds[k] < 0)
        {
          int saved = errno;
          holo_ns_close_joins (j);
          return holo_make_error (err, saved, "open %s namespace `%s`", holo_ns_proc_name (k), ns->path);
        }
      if (check_namespace_fd (j->fds[k], k, ns->path, err) < 0)
        {
          holo_ns_close_joins (j);
          return -1;
        }
    }
  return 0;
}

void
holo_ns_close_joins (struct holo_ns_join *j)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (j->fds[k] >= 0)
      {
        close (j->fds[k]);
        j->fds[k] = -1;
      }
}

bool
holo_ns_has_joins (const struct holo_ns_join *j)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (j->fds[k] >= 0)
      return true;
  return false;
}

int
holo_ns_enter_joins (struct holo_ns_join *j, holo_error_t *err)
{
  /* enum order puts user first: joining it grants the capabilities needed
     to join namespaces it owns.  */
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      if (j->fds[k] < 0)
        continue;
      if (setns (j->fds[k], holo_ns_clone_flag (k)) < 0)
        return holo_make_error (err, errno, "join %s namespace `%s`", holo_ns_proc_name (k), j->paths[k]);
      close (j->fds[k]);
      j->fds[k] = -1;
    }
  return 0;
}

bool
holo_ns_is_new (const struct holo_spec *spec, enum holo_ns_kind kind)
{
  const struct holo_namespace *ns = &spec->linux_.namespaces[kind];
  return ns->present && ns->path == NULL;
}

unsigned long
holo_ns_new_flags (const struct holo_spec *spec)
{
  unsigned long flags = 0;
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    if (k != HOLO_NS_TIME && k != HOLO_NS_CGROUP && holo_ns_is_new (spec, k))
      flags |= (unsigned long) holo_ns_clone_flag (k);
  /* With a new user namespace the init creates the IPC namespace itself,
     once it is root there: the namespace's /dev/mqueue is owned by its
     creator (see holo_ns_ipc_after_userns).  */
  if (holo_ns_ipc_after_userns (spec))
    flags &= ~(unsigned long) CLONE_NEWIPC;
  return flags;
}

bool
holo_ns_ipc_after_userns (const struct holo_spec *spec)
{
  return holo_ns_is_new (spec, HOLO_NS_USER) && holo_ns_is_new (spec, HOLO_NS_IPC);
}

int
holo_ns_setup_time (const struct holo_spec *spec, holo_error_t *err)
{
  if (unshare (CLONE_NEWTIME) < 0)
    return holo_make_error (err, errno, "create time namespace");
  const struct holo_time_offset *mono = &spec->linux_.time_monotonic;
  const struct holo_time_offset *boot = &spec->linux_.time_boottime;
  char buf[128];
  int len = 0;
  if (mono->present)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "monotonic %lld %u\n", (long long) mono->secs,
                     mono->nanosecs);
  if (boot->present)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "boottime %lld %u\n", (long long) boot->secs,
                     boot->nanosecs);
  if (len > 0 && holo_write_file ("/proc/self/timens_offsets", buf, (size_t) len, err) < 0)
    return holo_error_prefix (err, "linux.timeOffsets");
  return 0;
}

int
holo_ns_write_id_maps (const struct holo_spec *spec, pid_t pid, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;
  return holo_userns_write_mappings (pid, l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings, err);
}
