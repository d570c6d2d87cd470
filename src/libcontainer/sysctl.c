/* linux.sysctl: checked against the namespaces at create time, written
   under the container's /proc/sys by its init after pivot_root (before
   readonlyPaths turn /proc/sys read-only).  */
#define _GNU_SOURCE
#include "sysctl.h"
#include "rootfs/rootfs_internal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

static bool
is_ipc_sysctl (const char *key)
{
  static const char *const ipc_keys[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  size_t i;

  for (i = 0; ipc_keys[i]; i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return true;
  return strncmp (key, "fs.mqueue.", 10) == 0;
}

/* True when the netns at PATH is the one we run in (the host's).  */
static bool
is_host_netns (const char *path)
{
  struct stat ns, self;

  return stat (path, &ns) == 0 && stat ("/proc/self/ns/net", &self) == 0 && ns.st_dev == self.st_dev
         && ns.st_ino == self.st_ino;
}

/* "net/ipv4/ip_forward" and "net.ipv4.ip_forward" are the same key.  */
static char *
sysctl_dotted_key (const char *key)
{
  char *dotted = holo_xstrdup (key);
  char *p;

  for (p = dotted; *p; p++)
    if (*p == '/')
      *p = '.';
  return dotted;
}

static int
validate_one_sysctl (const struct holo_spec *spec, const char *raw_key, holo_error_t *err)
{
  const struct holo_namespace *ns = spec->linux_.namespaces;
  cleanup_free char *key = sysctl_dotted_key (raw_key);

  if (key[0] == '\0' || key[0] == '.' || strstr (key, "..") || key[strlen (key) - 1] == '.')
    return holo_make_error (err, 0, "sysctl `%s` is not a valid key", raw_key);

  if (is_ipc_sysctl (key))
    {
      if (ns[HOLO_NS_IPC].present)
        return 0;
      return holo_make_error (err, 0, "sysctl `%s` is not allowed in the host's ipc namespace", raw_key);
    }
  if (strncmp (key, "net.", 4) == 0)
    {
      if (!ns[HOLO_NS_NETWORK].present)
        return holo_make_error (err, 0, "sysctl `%s` is not allowed in the host's network namespace", raw_key);
      if (ns[HOLO_NS_NETWORK].path && is_host_netns (ns[HOLO_NS_NETWORK].path))
        return holo_make_error (err, 0, "sysctl `%s` is not allowed in the host's network namespace", raw_key);
      return 0;
    }
  if (ns[HOLO_NS_UTS].present)
    {
      if (strcmp (key, "kernel.domainname") == 0)
        return 0;
      if (strcmp (key, "kernel.hostname") == 0)
        return holo_make_error (err, 0, "sysctl `%s` is not allowed as it conflicts with the OCI `hostname` field",
                                raw_key);
    }
  return holo_make_error (err, 0, "sysctl `%s` is not in a separate kernel namespace", raw_key);
}

int
holo_sysctl_validate (const struct holo_spec *spec, holo_error_t *err)
{
  size_t i;

  for (i = 0; i < spec->linux_.n_sysctl; i++)
    if (validate_one_sysctl (spec, spec->linux_.sysctl[i].key, err) < 0)
      return holo_error_prefix (err, "linux.sysctl");
  return 0;
}

int
holo_apply_sysctl (const struct holo_spec *spec, holo_error_t *err)
{
  cleanup_close int sys_fd = -1;
  struct statfs sf;
  size_t i;

  if (spec->linux_.n_sysctl == 0)
    return 0;
  if (holo_sysctl_validate (spec, err) < 0)
    return -1;

  /* Only write into a real procfs: without a /proc mount the path would be
     a plain directory of the image.  */
  sys_fd = open ("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (sys_fd < 0)
    return holo_make_error (err, errno, "linux.sysctl: open `/proc/sys`");
  if (fstatfs (sys_fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
    return holo_make_error (err, 0, "linux.sysctl: `/proc/sys` is not on a procfs");

  for (i = 0; i < spec->linux_.n_sysctl; i++)
    {
      const struct holo_kv *kv = &spec->linux_.sysctl[i];
      cleanup_free char *rel = holo_xstrdup (kv->key);
      cleanup_close int fd = -1;
      const char *value = kv->value ? kv->value : "";
      char *p;

      if (strchr (rel, '/') == NULL)
        for (p = rel; *p; p++)
          if (*p == '.')
            *p = '/';
      fd = holo_open_in_root (sys_fd, rel, O_WRONLY | O_TRUNC, 0, err);
      if (fd < 0)
        return holo_error_prefix (err, "linux.sysctl `%s`", kv->key);
      if (holo_write_all (fd, value, strlen (value)) < 0)
        return holo_make_error (err, errno, "linux.sysctl: write `%s` to `%s`", value, kv->key);
    }
  return 0;
}
