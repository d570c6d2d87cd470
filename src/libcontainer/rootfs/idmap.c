/* Idmapped bind mounts: mounts[] entries with uidMappings/gidMappings or
   the "idmap"/"ridmap" options.

   A file owned by id C on disk shows through the mount as host id H for
   every mapping "C H size" (the mapping of a user namespace, relative to
   the host, as the runtime-spec words it), and the container's own user
   namespace then maps H as it maps any host id.

   The kernel lets only a process privileged over the source's filesystem
   (CAP_SYS_ADMIN in the user namespace that owns it: the initial one for
   disk filesystems) put an idmapping on a mount, and only on a mount that
   is not attached yet (mount_setattr(2)).  The container's init, inside
   its own user namespace, is not such a process.  So holo prepares these
   mounts before the init exists: open_tree(OPEN_TREE_CLONE) of the source,
   MOUNT_ATTR_IDMAP with a user namespace that carries the mapping
   (userns.c), and the init inherits the detached trees and attaches them
   with move_mount(2) at their place in the mount order (mounts.c).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../userns.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>

bool
holo_idmap_supported (void)
{
  struct mount_attr attr;

  /* mount_setattr(2) came with MOUNT_ATTR_IDMAP (Linux 5.12); the kernel
     returns early for an empty change, so this probe changes nothing.  */
  memset (&attr, 0, sizeof attr);
  return holo_sys_mount_setattr (-1, "", AT_EMPTY_PATH, &attr) == 0 || errno != ENOSYS;
}

bool
holo_mount_is_idmapped (const struct holo_mount *m, const struct holo_mount_flags *mf)
{
  return mf->idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
}

struct mapping
{
  const struct holo_idmap *uids;
  size_t n_uids;
  const struct holo_idmap *gids;
  size_t n_gids;
};

/* The mount's own mappings, else (runtime-spec: MAY) the container's.  */
static int
mount_mapping (const struct holo_spec *spec, const struct holo_mount *m, struct mapping *out, holo_error_t *err)
{
  const struct holo_linux *l = &spec->linux_;

  if (m->n_uid_mappings || m->n_gid_mappings)
    {
      if (m->n_uid_mappings == 0 || m->n_gid_mappings == 0)
        return holo_make_error (err, 0, "uidMappings and gidMappings must be given together");
      *out = (struct mapping){ m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings };
      return 0;
    }
  if (l->namespaces[HOLO_NS_USER].present && l->n_uid_mappings && l->n_gid_mappings)
    {
      *out = (struct mapping){ l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings };
      return 0;
    }
  return holo_make_error (err, 0,
                          "idmap needs uidMappings and gidMappings, on the mount or of the container's "
                          "user namespace");
}

static bool
same_maps (const struct holo_idmap *a, size_t na, const struct holo_idmap *b, size_t nb)
{
  return na == nb && memcmp (a, b, na * sizeof *a) == 0;
}

/* User namespaces made so far for this container, one per distinct
   mapping.  */
struct userns_cache
{
  struct mapping *maps;
  int *fds;
  size_t n;
};

static int
userns_for (struct userns_cache *c, const struct mapping *want, holo_error_t *err)
{
  int fd;

  for (size_t i = 0; i < c->n; i++)
    if (same_maps (c->maps[i].uids, c->maps[i].n_uids, want->uids, want->n_uids)
        && same_maps (c->maps[i].gids, c->maps[i].n_gids, want->gids, want->n_gids))
      return c->fds[i];
  fd = holo_userns_open_mapped (want->uids, want->n_uids, want->gids, want->n_gids, err);
  if (fd < 0)
    return -1;
  c->maps = holo_xrealloc (c->maps, (c->n + 1) * sizeof *c->maps);
  c->fds = holo_xrealloc (c->fds, (c->n + 1) * sizeof *c->fds);
  c->maps[c->n] = *want;
  c->fds[c->n++] = fd;
  return fd;
}

static void
userns_cache_release (struct userns_cache *c)
{
  for (size_t i = 0; i < c->n; i++)
    close (c->fds[i]);
  free (c->maps);
  free (c->fds);
}

static int
idmapped_tree (const char *source, bool recursive, bool ridmap, int userns_fd, holo_error_t *err)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  struct mount_attr attr;
  cleanup_close int tree = holo_sys_open_tree (AT_FDCWD, source, flags);

  if (tree < 0)
    return holo_make_error (err, errno, "clone the mount of `%s`", source);
  memset (&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = (uint64_t) userns_fd;
  if (holo_sys_mount_setattr (tree, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr) < 0)
    {
      int saved = errno;
      if (saved == EINVAL)
        return holo_make_error (err, saved, "idmap the mount of `%s` (does its filesystem support idmapped mounts?)",
                                source);
      return holo_make_error (err, saved, "idmap the mount of `%s`", source);
    }
  return steal_fd (&tree);
}

static int
prepare_one (const struct holo_spec *spec, const struct holo_mount *m, const char *bundle, struct userns_cache *cache,
             holo_error_t *err)
{
  struct holo_mount_flags mf;
  struct mapping map;
  cleanup_free char *source = NULL;
  bool bind, recursive;
  int userns_fd, ret;

  if (holo_parse_mount_options (m->options, &mf, err) < 0)
    return -1;
  bind = mf.bind || (m->type && strcmp (m->type, "bind") == 0);
  /* As in mounts.c: type "bind" without bind/rbind is a recursive bind.  */
  recursive = mf.bind ? mf.recursive_bind : true;
  ret = -1;
  if (!bind)
    holo_make_error (err, 0, "idmapped mounts are only supported for bind mounts");
  else if (geteuid () != 0)
    holo_make_error (err, 0,
                     "idmapped mounts need a privileged runtime: the kernel lets only root over the "
                     "source's filesystem create them (not supported in rootless mode)");
  else if (m->source == NULL)
    holo_make_error (err, 0, "a bind mount needs a source");
  else if (mount_mapping (spec, m, &map, err) == 0 && (userns_fd = userns_for (cache, &map, err)) >= 0)
    {
      /* Relative sources are relative to the bundle.  */
      source = m->source[0] == '/' ? holo_xstrdup (m->source) : holo_xasprintf ("%s/%s", bundle, m->source);
      ret = idmapped_tree (source, recursive, mf.idmap_recursive, userns_fd, err);
    }
  holo_mount_flags_release (&mf);
  return ret;
}

void
holo_idmap_close_mounts (int *fds, size_t n)
{
  for (size_t i = 0; fds && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}

/* A plain bind mount of a container with a user namespace of its own: the
   init, inside that namespace, would look the source up as an unprivileged
   host uid (a source under a root-only directory is out of its reach), so
   holo clones it as the runtime, as runc does.  -1 and no error where holo
   itself may not (rootless without a mount namespace of its own): the init
   tries then.  */
static int
prepare_bind (const struct holo_mount *m, const struct holo_mount_flags *mf, const char *bundle, holo_error_t *err)
{
  bool recursive = mf->bind ? mf->recursive_bind : true;
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (m->source == NULL)
    return holo_make_error (err, 0, "a bind mount needs a source");
  cleanup_free char *source
      = m->source[0] == '/' ? holo_xstrdup (m->source) : holo_xasprintf ("%s/%s", bundle, m->source);
  int tree = holo_sys_open_tree (AT_FDCWD, source, flags);
  if (tree >= 0)
    return tree;
  if (errno == EPERM && geteuid () != 0)
    return -1;
  return holo_make_error (err, errno, "bind mount source `%s`", m->source);
}

static bool
is_bind (const struct holo_mount *m, const struct holo_mount_flags *mf)
{
  return mf->bind || (m->type && strcmp (m->type, "bind") == 0);
}

int
holo_idmap_prepare_mounts (const struct holo_spec *spec, const char *bundle, int **out, holo_error_t *err)
{
  struct userns_cache cache = { NULL, NULL, 0 };
  bool new_userns = spec->linux_.namespaces[HOLO_NS_USER].present && spec->linux_.namespaces[HOLO_NS_USER].path == NULL;
  int *fds = NULL;
  int ret = 0;

  *out = NULL;
  for (size_t i = 0; i < spec->n_mounts && ret == 0; i++)
    {
      const struct holo_mount *m = &spec->mounts[i];
      struct holo_mount_flags mf;
      bool idmapped, bind;

      if (holo_parse_mount_options (m->options, &mf, NULL) < 0)
        continue; /* the init reports it */
      idmapped = holo_mount_is_idmapped (m, &mf);
      bind = is_bind (m, &mf);
      if (!idmapped && !(bind && new_userns))
        {
          holo_mount_flags_release (&mf);
          continue;
        }
      if (fds == NULL)
        {
          fds = holo_xmalloc (spec->n_mounts * sizeof *fds);
          for (size_t j = 0; j < spec->n_mounts; j++)
            fds[j] = -1;
        }
      fds[i] = idmapped ? prepare_one (spec, m, bundle, &cache, err) : prepare_bind (m, &mf, bundle, err);
      holo_mount_flags_release (&mf);
      if (fds[i] < 0 && err && *err)
        ret = holo_error_prefix (err, "mounts[%zu] (%s)", i, m->destination);
    }
  userns_cache_release (&cache);
  if (ret < 0)
    {
      holo_idmap_close_mounts (fds, spec->n_mounts);
      return -1;
    }
  *out = fds;
  return 0;
}
