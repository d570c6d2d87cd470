/* Namespaces the config joins by path (linux.namespaces[].path) are not
   the container's to dump: another process owns them.
     net, pid    dump: external "net[INODE]:KEY" / "pid[INODE]:KEY";
                 restore: inherit_fd {KEY, an fd on the path}
     ipc, uts    restore: join_ns {kind, path} (CRIU does not recreate them)
   A namespace that is our own (e.g. the host's network) needs nothing: CRIU
   only dumps namespaces that differ from its own.  Joined user, mount,
   cgroup and time namespaces are refused.  */
#define _GNU_SOURCE
#include "criu.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Keys of the external namespaces in the image (ours; any string works).  */
#define NETNS_KEY "holo-netns"
#define PIDNS_KEY "holo-pidns"

static bool
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  return stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool
is_our_namespace (enum holo_ns_kind kind, const char *path)
{
  cleanup_free char *self = holo_xasprintf ("/proc/self/ns/%s", holo_ns_proc_name (kind));
  return same_file (path, self);
}

static int
check_joinable (const struct holo_spec *spec, holo_error_t *err)
{
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      const struct holo_namespace *ns = &spec->linux_.namespaces[k];
      if (!ns->present || ns->path == NULL)
        continue;
      switch (k)
        {
        case HOLO_NS_NETWORK:
        case HOLO_NS_PID:
        case HOLO_NS_IPC:
        case HOLO_NS_UTS:
          break;
        default:
          if (!is_our_namespace (k, ns->path))
            return holo_make_error (err, 0,
                                    "checkpoint/restore of a container that joins an existing %s namespace "
                                    "is not supported",
                                    holo_ns_proc_name (k));
        }
    }
  return 0;
}

static const char *
external_key (enum holo_ns_kind kind)
{
  return kind == HOLO_NS_NETWORK ? NETNS_KEY : kind == HOLO_NS_PID ? PIDNS_KEY : NULL;
}

int
holo_criu_dump_namespaces (CriuOpts *o, const struct holo_spec *spec, pid_t pid, holo_error_t *err)
{
  if (check_joinable (spec, err) < 0)
    return -1;
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      const struct holo_namespace *ns = &spec->linux_.namespaces[k];
      const char *key = external_key (k);
      struct stat st;

      if (!ns->present || ns->path == NULL || key == NULL || is_our_namespace (k, ns->path))
        continue;
      /* The namespace the container is in now (the path may be gone).  */
      cleanup_free char *proc = holo_xasprintf ("/proc/%d/ns/%s", (int) pid, holo_ns_proc_name (k));
      if (stat (proc, &st) < 0)
        return holo_make_error (err, errno, "stat `%s`", proc);
      cleanup_free char *ext = holo_xasprintf ("%s[%lu]:%s", holo_ns_proc_name (k), (unsigned long) st.st_ino, key);
      holo_criu_add_external (o, ext);
    }
  return 0;
}

int
holo_criu_restore_namespaces (CriuOpts *o, const struct holo_spec *spec, int **fds, size_t *n_fds, holo_error_t *err)
{
  if (check_joinable (spec, err) < 0)
    return -1;
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    {
      const struct holo_namespace *ns = &spec->linux_.namespaces[k];
      const char *key = external_key (k);

      if (!ns->present || ns->path == NULL || is_our_namespace (k, ns->path))
        continue;
      if (key == NULL)
        {
          holo_criu_add_join_ns (o, holo_ns_proc_name (k), ns->path);
          continue;
        }
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return holo_make_error (err, errno, "open %s namespace `%s`", holo_ns_proc_name (k), ns->path);
      *fds = holo_xrealloc (*fds, (*n_fds + 1) * sizeof (int));
      (*fds)[(*n_fds)++] = fd;
      holo_criu_add_inherit_fd (o, key, fd);
    }
  return 0;
}
