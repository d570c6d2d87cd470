/* mounts[].options: the option words runc understands, turned into mount(2)
   flags, propagation changes and mount_setattr(2) attributes.  A word that
   is not one of them is filesystem data ("size=64m", "mode=755",
   "newinstance"), handed to the filesystem as runc does.

   The second half applies them: attributes and propagation through
   mount_setattr(2), and bind mounts cloned with open_tree(2) whose
   attributes are set before move_mount(2) makes them visible.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>

enum option_kind
{
  OPT_NOP,         /* accepted, no effect ("defaults") */
  OPT_SET,         /* MS_* flag set */
  OPT_CLEAR,       /* MS_* flag cleared */
  OPT_PROPAGATION, /* MS_SHARED/... (| MS_REC) */
  OPT_RATTR_SET,   /* MOUNT_ATTR_* set on the whole tree */
  OPT_RATTR_CLEAR, /* MOUNT_ATTR_* cleared on the whole tree */
  OPT_RATIME,      /* MOUNT_ATTR_* atime mode for the whole tree */
  OPT_BIND,
  OPT_RBIND,
  OPT_IDMAP,
  OPT_TMPCOPYUP,
};

/* X-macro so the parser table and the name list for `features` can not
   drift apart.  */
#define HOLO_MOUNT_OPTIONS(X)                                                                                          \
  X ("defaults", OPT_NOP, 0)                                                                                           \
  X ("ro", OPT_SET, MS_RDONLY)                                                                                         \
  X ("rw", OPT_CLEAR, MS_RDONLY)                                                                                       \
  X ("suid", OPT_CLEAR, MS_NOSUID)                                                                                     \
  X ("nosuid", OPT_SET, MS_NOSUID)                                                                                     \
  X ("dev", OPT_CLEAR, MS_NODEV)                                                                                       \
  X ("nodev", OPT_SET, MS_NODEV)                                                                                       \
  X ("exec", OPT_CLEAR, MS_NOEXEC)                                                                                     \
  X ("noexec", OPT_SET, MS_NOEXEC)                                                                                     \
  X ("sync", OPT_SET, MS_SYNCHRONOUS)                                                                                  \
  X ("async", OPT_CLEAR, MS_SYNCHRONOUS)                                                                               \
  X ("dirsync", OPT_SET, MS_DIRSYNC)                                                                                   \
  X ("remount", OPT_SET, MS_REMOUNT)                                                                                   \
  X ("mand", OPT_SET, MS_MANDLOCK)                                                                                     \
  X ("nomand", OPT_CLEAR, MS_MANDLOCK)                                                                                 \
  X ("atime", OPT_CLEAR, MS_NOATIME)                                                                                   \
  X ("noatime", OPT_SET, MS_NOATIME)                                                                                   \
  X ("diratime", OPT_CLEAR, MS_NODIRATIME)                                                                             \
  X ("nodiratime", OPT_SET, MS_NODIRATIME)                                                                             \
  X ("relatime", OPT_SET, MS_RELATIME)                                                                                 \
  X ("norelatime", OPT_CLEAR, MS_RELATIME)                                                                             \
  X ("strictatime", OPT_SET, MS_STRICTATIME)                                                                           \
  X ("nostrictatime", OPT_CLEAR, MS_STRICTATIME)                                                                       \
  X ("lazytime", OPT_SET, MS_LAZYTIME)                                                                                 \
  X ("nolazytime", OPT_CLEAR, MS_LAZYTIME)                                                                             \
  X ("silent", OPT_SET, MS_SILENT)                                                                                     \
  X ("loud", OPT_CLEAR, MS_SILENT)                                                                                     \
  X ("iversion", OPT_SET, MS_I_VERSION)                                                                                \
  X ("noiversion", OPT_CLEAR, MS_I_VERSION)                                                                            \
  X ("nosymfollow", OPT_SET, MS_NOSYMFOLLOW)                                                                           \
  X ("symfollow", OPT_CLEAR, MS_NOSYMFOLLOW)                                                                           \
  X ("bind", OPT_BIND, 0)                                                                                              \
  X ("rbind", OPT_RBIND, 0)                                                                                            \
  X ("private", OPT_PROPAGATION, MS_PRIVATE)                                                                           \
  X ("rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC)                                                                 \
  X ("shared", OPT_PROPAGATION, MS_SHARED)                                                                             \
  X ("rshared", OPT_PROPAGATION, MS_SHARED | MS_REC)                                                                   \
  X ("slave", OPT_PROPAGATION, MS_SLAVE)                                                                               \
  X ("rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC)                                                                     \
  X ("unbindable", OPT_PROPAGATION, MS_UNBINDABLE)                                                                     \
  X ("runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC)                                                           \
  X ("rro", OPT_RATTR_SET, MOUNT_ATTR_RDONLY)                                                                          \
  X ("rrw", OPT_RATTR_CLEAR, MOUNT_ATTR_RDONLY)                                                                        \
  X ("rnosuid", OPT_RATTR_SET, MOUNT_ATTR_NOSUID)                                                                      \
  X ("rsuid", OPT_RATTR_CLEAR, MOUNT_ATTR_NOSUID)                                                                      \
  X ("rnodev", OPT_RATTR_SET, MOUNT_ATTR_NODEV)                                                                        \
  X ("rdev", OPT_RATTR_CLEAR, MOUNT_ATTR_NODEV)                                                                        \
  X ("rnoexec", OPT_RATTR_SET, MOUNT_ATTR_NOEXEC)                                                                      \
  X ("rexec", OPT_RATTR_CLEAR, MOUNT_ATTR_NOEXEC)                                                                      \
  X ("rnodiratime", OPT_RATTR_SET, MOUNT_ATTR_NODIRATIME)                                                              \
  X ("rdiratime", OPT_RATTR_CLEAR, MOUNT_ATTR_NODIRATIME)                                                              \
  X ("rnosymfollow", OPT_RATTR_SET, MOUNT_ATTR_NOSYMFOLLOW)                                                            \
  X ("rsymfollow", OPT_RATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW)                                                            \
  X ("rrelatime", OPT_RATIME, MOUNT_ATTR_RELATIME)                                                                     \
  X ("rnorelatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME)                                                                \
  X ("rnoatime", OPT_RATIME, MOUNT_ATTR_NOATIME)                                                                       \
  X ("ratime", OPT_RATIME, MOUNT_ATTR_RELATIME)                                                                        \
  X ("rstrictatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME)                                                               \
  X ("rnostrictatime", OPT_RATIME, MOUNT_ATTR_RELATIME)                                                                \
  X ("idmap", OPT_IDMAP, 0)                                                                                            \
  X ("ridmap", OPT_IDMAP, AT_RECURSIVE)                                                                                \
  X ("tmpcopyup", OPT_TMPCOPYUP, 0)

struct mount_option
{
  const char *name;
  enum option_kind kind;
  unsigned long value;
};

#define AS_TABLE_ENTRY(name, kind, value) { name, kind, value },
#define AS_NAME(name, kind, value) name,

static const struct mount_option mount_options[] = { HOLO_MOUNT_OPTIONS (AS_TABLE_ENTRY) };

const char *const holo_mount_option_names[] = { HOLO_MOUNT_OPTIONS (AS_NAME) NULL };

static const struct mount_option *
find_mount_option (const char *name)
{
  size_t i;

  for (i = 0; i < sizeof (mount_options) / sizeof (mount_options[0]); i++)
    if (strcmp (mount_options[i].name, name) == 0)
      return &mount_options[i];
  return NULL;
}

static void
append_data (char **data, const char *word)
{
  char *joined;

  if (*data == NULL)
    {
      *data = holo_xstrdup (word);
      return;
    }
  joined = holo_xasprintf ("%s,%s", *data, word);
  free (*data);
  *data = joined;
}

/* "rnoatime" and friends choose one value of the 3-state atime field, which
   mount_setattr(2) wants cleared as a whole whenever it is changed.  */
static void
set_recursive_atime (struct holo_mount_flags *out, unsigned long mode)
{
  out->attr_set = (out->attr_set & ~(unsigned long) MOUNT_ATTR__ATIME) | mode;
  out->attr_clr |= MOUNT_ATTR__ATIME;
}

/* Later words override earlier ones ("ro,rw" is rw), as with mount(8).  */
static void
apply_option (struct holo_mount_flags *out, const struct mount_option *opt)
{
  switch (opt->kind)
    {
    case OPT_NOP:
      break;
    case OPT_SET:
      out->flags |= opt->value;
      out->clear_flags &= ~opt->value;
      break;
    case OPT_CLEAR:
      out->flags &= ~opt->value;
      out->clear_flags |= opt->value;
      break;
    case OPT_PROPAGATION:
      /* Several propagation words accumulate; the mount code applies the
         types in a fixed order (private, slave, shared, unbindable).  */
      out->propagation |= opt->value;
      break;
    case OPT_RATTR_SET:
      out->attr_set |= opt->value;
      out->attr_clr &= ~opt->value;
      break;
    case OPT_RATTR_CLEAR:
      out->attr_clr |= opt->value;
      out->attr_set &= ~opt->value;
      break;
    case OPT_RATIME:
      set_recursive_atime (out, opt->value);
      break;
    case OPT_BIND:
      out->bind = true;
      out->flags |= MS_BIND;
      break;
    case OPT_RBIND:
      out->bind = true;
      out->recursive_bind = true;
      out->flags |= MS_BIND | MS_REC;
      break;
    case OPT_IDMAP:
      out->idmap = true;
      out->idmap_recursive = out->idmap_recursive || opt->value == AT_RECURSIVE;
      break;
    case OPT_TMPCOPYUP:
      out->tmpcopyup = true;
      break;
    }
}

int
holo_parse_mount_options (char **options, struct holo_mount_flags *out, holo_error_t *err)
{
  size_t i;

  memset (out, 0, sizeof (*out));
  for (i = 0; options && options[i]; i++)
    {
      const struct mount_option *opt;

      if (options[i][0] == '\0')
        {
          free (out->data);
          out->data = NULL;
          return holo_make_error (err, 0, "options[%zu]: empty option", i);
        }
      opt = find_mount_option (options[i]);
      if (opt)
        apply_option (out, opt);
      else
        append_data (&out->data, options[i]);
    }
  return 0;
}

void
holo_mount_flags_release (struct holo_mount_flags *mf)
{
  free (mf->data);
  mf->data = NULL;
}

/* ---- applying them with mount_setattr(2) ---- */

void
holo_mount_flags_to_attr (unsigned long set, unsigned long clear, struct mount_attr *attr)
{
  static const struct
  {
    unsigned long ms;
    uint64_t attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  size_t i;

  memset (attr, 0, sizeof (*attr));
  for (i = 0; i < sizeof (map) / sizeof (map[0]); i++)
    {
      if (set & map[i].ms)
        attr->attr_set |= map[i].attr;
      else if (clear & map[i].ms)
        attr->attr_clr |= map[i].attr;
    }

  /* The atime mode is one 3-state field: touch it only when asked.  */
  if (set & MS_NOATIME)
    attr->attr_set |= MOUNT_ATTR_NOATIME;
  else if (set & MS_STRICTATIME)
    attr->attr_set |= MOUNT_ATTR_STRICTATIME;
  else if (set & MS_RELATIME)
    attr->attr_set |= MOUNT_ATTR_RELATIME;
  else if (clear & MS_RELATIME)
    attr->attr_set |= MOUNT_ATTR_STRICTATIME;
  else if (!(clear & (MS_NOATIME | MS_STRICTATIME)))
    return;
  attr->attr_clr |= MOUNT_ATTR__ATIME;
}

/* statvfs(3) ST_* bits of the flags a mount_attr could try to clear.  */
static uint64_t
attrs_currently_set (int fd)
{
  struct statvfs sv;
  uint64_t attrs = 0;

  if (fstatvfs (fd, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_RDONLY)
    attrs |= MOUNT_ATTR_RDONLY;
  if (sv.f_flag & ST_NOSUID)
    attrs |= MOUNT_ATTR_NOSUID;
  if (sv.f_flag & ST_NODEV)
    attrs |= MOUNT_ATTR_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    attrs |= MOUNT_ATTR_NOEXEC;
  if (sv.f_flag & ST_NODIRATIME)
    attrs |= MOUNT_ATTR_NODIRATIME;
  if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
    attrs |= MOUNT_ATTR__ATIME;
  return attrs;
}

/* Inside a user namespace, flags inherited from a more privileged mount
   namespace are locked: clearing them fails with EPERM.  runc keeps them in
   that case instead of failing, and so do we: retry without clearing what
   is currently set.  */
int
holo_setattr_keeping_locked (int fd, unsigned int flags, const struct mount_attr *attr)
{
  struct mount_attr copy = *attr;

  if (holo_sys_mount_setattr (fd, "", flags | AT_EMPTY_PATH, &copy) == 0)
    return 0;
  if (errno != EPERM || copy.attr_clr == 0)
    return -1;

  copy.attr_clr &= ~attrs_currently_set (fd);
  if ((copy.attr_clr & MOUNT_ATTR__ATIME) == 0)
    copy.attr_set &= ~(uint64_t) MOUNT_ATTR__ATIME;
  if (copy.attr_set == 0 && copy.attr_clr == 0)
    return 0;
  return holo_sys_mount_setattr (fd, "", flags | AT_EMPTY_PATH, &copy);
}

/* Applies the propagation words of a mount to the mount at FD.  Types are
   applied in a fixed order so that "rslave,shared" gives a shared slave.  */
int
holo_apply_propagation (int fd, unsigned long propagation, holo_error_t *err)
{
  static const unsigned long order[] = { MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE };
  unsigned int at_flags = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
  size_t i;

  for (i = 0; i < sizeof (order) / sizeof (order[0]); i++)
    {
      struct mount_attr attr = { .propagation = order[i] };
      if (!(propagation & order[i]))
        continue;
      if (holo_sys_mount_setattr (fd, "", at_flags, &attr) < 0)
        return holo_make_error (err, errno, "set mount propagation");
    }
  return 0;
}

/* ---- bind mounts with their attributes ---- */

static bool
attr_is_empty (const struct mount_attr *attr)
{
  return attr == NULL || (attr->attr_set == 0 && attr->attr_clr == 0);
}

int
holo_attach_tree (int tree_fd, int target_fd, const struct mount_attr *attr, const struct mount_attr *rattr)
{
  if (!attr_is_empty (attr) && holo_setattr_keeping_locked (tree_fd, 0, attr) < 0)
    return -1;
  if (!attr_is_empty (rattr) && holo_setattr_keeping_locked (tree_fd, AT_RECURSIVE, rattr) < 0)
    return -1;
  return holo_sys_move_mount (tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
holo_bind_mount_fd (int source_dirfd, const char *source, unsigned int open_flags, bool recursive, int target_fd,
                    const struct mount_attr *attr, const struct mount_attr *rattr)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | open_flags | (recursive ? AT_RECURSIVE : 0);
  int tree_fd = holo_sys_open_tree (source_dirfd, source, flags);
  int saved;

  if (tree_fd < 0)
    return -1;
  if (holo_attach_tree (tree_fd, target_fd, attr, rattr) < 0)
    {
      saved = errno;
      close (tree_fd);
      errno = saved;
      return -1;
    }
  /* After move_mount the fd refers to the attached mount: callers use it to
     change propagation.  */
  return tree_fd;
}
