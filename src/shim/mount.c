/* holo shim — the rootfs mounts containerd's snapshotter hands over in
   Create (overlay, bind, ...) go onto <bundle>/rootfs before `holo create`,
   and come off at Delete and in the `delete` subcommand.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

struct mount_flag
{
  const char *name;
  bool clear;
  unsigned long flag;
};

static const struct mount_flag mount_flags[] = {
  { "async", true, MS_SYNCHRONOUS },
  { "atime", true, MS_NOATIME },
  { "bind", false, MS_BIND },
  { "defaults", false, 0 },
  { "dev", true, MS_NODEV },
  { "diratime", true, MS_NODIRATIME },
  { "dirsync", false, MS_DIRSYNC },
  { "exec", true, MS_NOEXEC },
  { "mand", false, MS_MANDLOCK },
  { "noatime", false, MS_NOATIME },
  { "nodev", false, MS_NODEV },
  { "nodiratime", false, MS_NODIRATIME },
  { "noexec", false, MS_NOEXEC },
  { "nomand", true, MS_MANDLOCK },
  { "norelatime", true, MS_RELATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "nosuid", false, MS_NOSUID },
  { "rbind", false, MS_BIND | MS_REC },
  { "relatime", false, MS_RELATIME },
  { "remount", false, MS_REMOUNT },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "strictatime", false, MS_STRICTATIME },
  { "suid", true, MS_NOSUID },
  { "sync", false, MS_SYNCHRONOUS },
};

/* Splits fstab-style OPTIONS into mount flags and the data string.  */
static void
parse_options (char **options, size_t n, unsigned long *flags, char **data)
{
  size_t len = 0;

  *flags = 0;
  *data = holo_xmalloc (1);
  for (size_t i = 0; i < n; i++)
    {
      const struct mount_flag *f = NULL;
      for (size_t j = 0; j < sizeof (mount_flags) / sizeof (mount_flags[0]); j++)
        if (strcmp (options[i], mount_flags[j].name) == 0)
          f = &mount_flags[j];
      if (f)
        {
          if (f->clear)
            *flags &= ~f->flag;
          else
            *flags |= f->flag;
          continue;
        }
      size_t add = strlen (options[i]);
      *data = holo_xrealloc (*data, len + add + 2);
      if (len)
        (*data)[len++] = ',';
      memcpy (*data + len, options[i], add + 1);
      len += add;
    }
}

static int
mount_one (const Hs__Mount *m, const char *target, holo_error_t *err)
{
  cleanup_free char *data = NULL;
  unsigned long flags;
  const char *type = m->type && *m->type ? m->type : NULL;

  parse_options (m->options, m->n_options, &flags, &data);
  if (type && strcmp (type, "bind") == 0)
    {
      type = NULL;
      flags |= MS_BIND;
    }
  if (mount (m->source, target, type, flags, *data ? data : NULL) < 0)
    return holo_make_error (err, errno, "mount %s (%s) on %s", m->source, m->type, target);
  /* A bind mount ignores MS_RDONLY and friends until remounted.  */
  if ((flags & MS_BIND) && (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)))
    if (mount (NULL, target, NULL, (flags & ~MS_REC) | MS_REMOUNT, NULL) < 0)
      return holo_make_error (err, errno, "remount %s read-only", target);
  return 0;
}

int
shim_mount_rootfs (const char *bundle, Hs__Mount **mounts, size_t n, holo_error_t *err)
{
  cleanup_free char *target = holo_xasprintf ("%s/rootfs", bundle);

  if (n == 0)
    return 0;
  if (mkdir (target, 0711) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir %s", target);
  for (size_t i = 0; i < n; i++)
    if (mount_one (mounts[i], target, err) < 0)
      {
        shim_unmount_rootfs (bundle);
        return -1;
      }
  return 0;
}

void
shim_unmount_rootfs (const char *bundle)
{
  cleanup_free char *target = holo_xasprintf ("%s/rootfs", bundle);

  /* Every layer mounted there, newest first.  */
  for (int i = 0; i < 64; i++)
    if (umount2 (target, MNT_DETACH) < 0)
      break;
}
