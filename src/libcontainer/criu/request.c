/* Building a CriuOpts: the repeated fields are arrays of pointers that
   protobuf-c packs as they are; everything here is malloc'ed by us and
   freed by holo_criu_opts_release.  */
#define _GNU_SOURCE
#include "criu.h"
#include "../utils.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void
holo_criu_opts_init (CriuOpts *o)
{
  CriuOpts init = CRIU_OPTS__INIT;
  *o = init;
  o->images_dir_fd = -1;
}

void
holo_criu_set_string (char **field, const char *value)
{
  free (*field);
  *field = holo_xstrdup (value);
}

/* Appends ITEM to the array *V of *N pointers.  */
static void
append (void ***v, size_t *n, void *item)
{
  *v = holo_xrealloc (*v, (*n + 1) * sizeof (void *));
  (*v)[(*n)++] = item;
}

void
holo_criu_add_ext_mount (CriuOpts *o, const char *key, const char *val)
{
  ExtMountMap *m = holo_xmalloc (sizeof *m);
  ext_mount_map__init (m);
  m->key = holo_xstrdup (key);
  m->val = holo_xstrdup (val);
  append ((void ***) &o->ext_mnt, &o->n_ext_mnt, m);
}

void
holo_criu_add_external (CriuOpts *o, const char *external)
{
  for (size_t i = 0; i < o->n_external; i++)
    if (strcmp (o->external[i], external) == 0)
      return;
  append ((void ***) &o->external, &o->n_external, holo_xstrdup (external));
}

void
holo_criu_add_inherit_fd (CriuOpts *o, const char *key, int fd)
{
  InheritFd *f = holo_xmalloc (sizeof *f);
  inherit_fd__init (f);
  f->key = holo_xstrdup (key);
  f->fd = fd;
  append ((void ***) &o->inherit_fd, &o->n_inherit_fd, f);
}

void
holo_criu_add_join_ns (CriuOpts *o, const char *ns, const char *file)
{
  JoinNamespace *j = holo_xmalloc (sizeof *j);
  join_namespace__init (j);
  j->ns = holo_xstrdup (ns);
  j->ns_file = holo_xstrdup (file);
  append ((void ***) &o->join_ns, &o->n_join_ns, j);
}

void
holo_criu_add_cg_root (CriuOpts *o, const char *controller, const char *path)
{
  CgroupRoot *r = holo_xmalloc (sizeof *r);
  cgroup_root__init (r);
  r->ctrl = holo_xstrdup (controller);
  r->path = holo_xstrdup (path);
  append ((void ***) &o->cg_root, &o->n_cg_root, r);
}

void
holo_criu_opts_release (CriuOpts *o)
{
  size_t i;

  for (i = 0; i < o->n_ext_mnt; i++)
    {
      free (o->ext_mnt[i]->key);
      free (o->ext_mnt[i]->val);
      free (o->ext_mnt[i]);
    }
  for (i = 0; i < o->n_external; i++)
    free (o->external[i]);
  for (i = 0; i < o->n_inherit_fd; i++)
    {
      free (o->inherit_fd[i]->key);
      free (o->inherit_fd[i]);
    }
  for (i = 0; i < o->n_join_ns; i++)
    {
      free (o->join_ns[i]->ns);
      free (o->join_ns[i]->ns_file);
      free (o->join_ns[i]);
    }
  for (i = 0; i < o->n_cg_root; i++)
    {
      free (o->cg_root[i]->ctrl);
      free (o->cg_root[i]->path);
      free (o->cg_root[i]);
    }
  free (o->ext_mnt);
  free (o->external);
  free (o->inherit_fd);
  free (o->join_ns);
  free (o->cg_root);
  free (o->log_file);
  free (o->root);
  free (o->parent_img);
  free (o->freeze_cgroup);
  holo_criu_opts_init (o);
}

static int
parse_cgroups_mode (const char *mode, CriuCgMode *out, holo_error_t *err)
{
  static const struct
  {
    const char *name;
    CriuCgMode mode;
  } modes[] = {
    { "soft", CRIU_CG_MODE__SOFT },
    { "full", CRIU_CG_MODE__FULL },
    { "strict", CRIU_CG_MODE__STRICT },
    { "ignore", CRIU_CG_MODE__IGNORE },
  };

  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp (mode, modes[i].name) == 0)
      {
        *out = modes[i].mode;
        return 0;
      }
  return holo_make_error (err, 0, "invalid --manage-cgroups-mode `%s`: must be soft, full, strict or ignore", mode);
}

/* CRIU locks the network of a namespace it dumps (and unlocks it on
   restore) with iptables-restore.  Its nftables method is no substitute in
   CRIU 3.17: the restore unlocks a table named after the new pid, leaving
   the dump's lock table -- and a dead network -- in the restored
   namespace.  */
static int
check_network_lock (const struct holo_spec *spec, holo_error_t *err)
{
  cleanup_free char *iptables = NULL;

  if (!spec->linux_.namespaces[HOLO_NS_NETWORK].present)
    return 0; /* the host's network: CRIU leaves it alone */
  iptables = holo_criu_which ("iptables-restore");
  if (iptables == NULL)
    return holo_make_error (err, 0,
                            "iptables-restore not found: criu needs it to lock the container's network "
                            "(install the iptables package)");
  return 0;
}

int
holo_criu_apply_flags (CriuOpts *o, const struct holo_criu_flags *f, const struct holo_spec *spec, holo_error_t *err)
{
  if (check_network_lock (spec, err) < 0)
    return -1;
  /* Level 4 (everything): the log is what one reads when it fails.  */
  o->has_log_level = true;
  o->log_level = 4;
  o->has_tcp_established = true;
  o->tcp_established = f->tcp_established;
  o->has_ext_unix_sk = true;
  o->ext_unix_sk = f->ext_unix_sk;
  o->has_shell_job = true;
  o->shell_job = f->shell_job;
  o->has_file_locks = true;
  o->file_locks = f->file_locks;
  if (f->auto_dedup)
    {
      o->has_auto_dedup = true;
      o->auto_dedup = true;
    }
  if (f->empty_ns)
    {
      /* The one namespace whose contents a caller sets up again (CNI).  */
      if (strcmp (f->empty_ns, "network") != 0)
        return holo_make_error (err, 0, "invalid --empty-ns `%s`: only network is supported", f->empty_ns);
      o->has_empty_ns = true;
      o->empty_ns = CLONE_NEWNET;
    }
  o->has_manage_cgroups = true;
  o->manage_cgroups = true;
  if (f->manage_cgroups_mode)
    {
      if (parse_cgroups_mode (f->manage_cgroups_mode, &o->manage_cgroups_mode, err) < 0)
        return -1;
      o->has_manage_cgroups_mode = true;
      o->manage_cgroups = o->manage_cgroups_mode != CRIU_CG_MODE__IGNORE;
    }
  return 0;
}

int
holo_criu_open_dir (const char *path, bool create, holo_error_t *err)
{
  if (create && holo_mkdir_p (path, 0700, err) < 0)
    return holo_error_prefix (err, "create `%s`", path);
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", path);
  return fd;
}
