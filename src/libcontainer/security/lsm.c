/* AppArmor profile and SELinux labels.

   What happens when the config asks for one the host cannot apply, checked
   against runc 1.1 (Debian 12's 1.1.5) on a host with neither LSM enabled:
   - process.selinuxLabel: runc's config validation fails ("selinux label is
     specified in config, but selinux is disabled or not supported");
   - process.apparmorProfile: runc's init fails writing /proc/self/attr/exec
     (EINVAL), so `create` fails;
   - linux.mountLabel: runc adds context="LABEL" to the tmpfs/mqueue/devpts
     mount data anyway and the mount fails with EINVAL, so `create` fails.
   holo fails in all three cases too, but up front at create with the JSON
   path, before any process exists (for `exec`, which has no such check, at
   the same place as runc).  A build without libapparmor or
   libselinux fails the same way when a profile or label is requested:
   silently running a container less confined than asked is not an option.
   An empty string means "not set", as in runc.  */
#define _GNU_SOURCE
#include "lsm.h"
#include "../utils.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

static bool
is_set (const char *s)
{
  return s != NULL && s[0] != '\0';
}

/* libapparmor and libselinux (with pcre2) are loaded only for a config
   that asks for a profile or label: linked, every holo command mapped and
   relocated them (twice per start: the protected re-exec), and libselinux's
   constructor probes the host.  They are loaded on the host side, when the
   config is checked (holo_lsm_validate, holo_lsm_prepare), never in the
   init: there a dlopen would load the container's copy of the library
   into a process that still has the runtime's privileges.  */
struct lsm_lib
{
  bool tried;
  const char *soname;
  const char *error;
  int (*is_enabled) (void);
  int (*set_exec) (const char *);
};

#ifdef HAVE_APPARMOR
static struct lsm_lib apparmor = { .soname = "libapparmor.so.1" };
#endif
#ifdef HAVE_SELINUX
static struct lsm_lib selinux = { .soname = "libselinux.so.1" };
#endif

static void *
lsm_sym (struct lsm_lib *l, void *h, const char *name)
{
  void *f = dlsym (h, name);
  if (f == NULL && l->error == NULL)
    l->error = holo_xasprintf ("%s has no %s", l->soname, name);
  return f;
}

static bool
lsm_load (struct lsm_lib *l, const char *enabled_fn, const char *exec_fn)
{
  if (!l->tried)
    {
      l->tried = true;
      void *h = dlopen (l->soname, RTLD_NOW | RTLD_LOCAL);
      if (h == NULL)
        l->error = holo_xstrdup (dlerror ());
      else
        {
          l->is_enabled = (int (*) (void)) lsm_sym (l, h, enabled_fn);
          l->set_exec = (int (*) (const char *)) lsm_sym (l, h, exec_fn);
        }
    }
  return l->error == NULL;
}

#ifdef HAVE_APPARMOR
static bool
load_apparmor (void)
{
  return lsm_load (&apparmor, "aa_is_enabled", "aa_change_onexec");
}
#endif
#ifdef HAVE_SELINUX
static bool
load_selinux (void)
{
  return lsm_load (&selinux, "is_selinux_enabled", "setexeccon");
}
#endif

static int
validate_apparmor (const char *profile, holo_error_t *err)
{
  if (!is_set (profile))
    return 0;
#ifdef HAVE_APPARMOR
  if (!load_apparmor ())
    return holo_make_error (err, 0, "config.json: process.apparmorProfile: cannot load %s: %s", apparmor.soname,
                            apparmor.error);
  if (apparmor.is_enabled () <= 0)
    return holo_make_error (err, 0, "config.json: process.apparmorProfile: AppArmor is not enabled on this host");
  return 0;
#else
  return holo_make_error (err, 0, "config.json: process.apparmorProfile: holo was built without AppArmor support");
#endif
}

static int
validate_selinux (const char *label, const char *what, holo_error_t *err)
{
  if (!is_set (label))
    return 0;
#ifdef HAVE_SELINUX
  if (!load_selinux ())
    return holo_make_error (err, 0, "config.json: %s: cannot load %s: %s", what, selinux.soname, selinux.error);
  if (selinux.is_enabled () <= 0)
    return holo_make_error (err, 0, "config.json: %s: SELinux is disabled or not supported on this host", what);
  return 0;
#else
  return holo_make_error (err, 0, "config.json: %s: holo was built without SELinux support", what);
#endif
}

int
holo_lsm_validate (const struct holo_spec *spec, holo_error_t *err)
{
  if (spec->has_process && validate_apparmor (spec->process.apparmor_profile, err) < 0)
    return -1;
  if (spec->has_process && validate_selinux (spec->process.selinux_label, "process.selinuxLabel", err) < 0)
    return -1;
  return validate_selinux (spec->linux_.mount_label, "linux.mountLabel", err);
}

int
holo_lsm_prepare (const struct holo_process *p, holo_error_t *err)
{
#ifdef HAVE_APPARMOR
  if (is_set (p->apparmor_profile) && !load_apparmor ())
    return holo_make_error (err, 0, "process.apparmorProfile: cannot load %s: %s", apparmor.soname, apparmor.error);
#endif
#ifdef HAVE_SELINUX
  if (is_set (p->selinux_label) && !load_selinux ())
    return holo_make_error (err, 0, "process.selinuxLabel: cannot load %s: %s", selinux.soname, selinux.error);
#endif
  return 0;
}

/* Both write /proc/thread-self/attr/...exec: the container's /proc must be
   mounted, which it is by the time the init gets here.  The library was
   loaded on the host (holo_lsm_validate or holo_lsm_prepare): not loading
   it here is deliberate (see struct lsm_lib).  */
int
holo_lsm_apply_exec_labels (const struct holo_process *p, holo_error_t *err)
{
#ifdef HAVE_APPARMOR
  if (is_set (p->apparmor_profile) && apparmor.set_exec == NULL)
    return holo_make_error (err, 0, "apply AppArmor profile `%s`: %s was not loaded before entering the container",
                            p->apparmor_profile, apparmor.soname);
  if (is_set (p->apparmor_profile) && apparmor.set_exec (p->apparmor_profile) < 0)
    return holo_make_error (err, errno, "apply AppArmor profile `%s`", p->apparmor_profile);
#else
  if (is_set (p->apparmor_profile))
    return holo_make_error (err, 0, "holo was built without AppArmor support");
#endif
#ifdef HAVE_SELINUX
  if (is_set (p->selinux_label) && selinux.set_exec == NULL)
    return holo_make_error (err, 0, "set SELinux exec label `%s`: %s was not loaded before entering the container",
                            p->selinux_label, selinux.soname);
  if (is_set (p->selinux_label) && selinux.set_exec (p->selinux_label) < 0)
    return holo_make_error (err, errno, "set SELinux exec label `%s`", p->selinux_label);
#else
  if (is_set (p->selinux_label))
    return holo_make_error (err, 0, "holo was built without SELinux support");
#endif
  return 0;
}

char *
holo_lsm_mount_label_option (const struct holo_spec *spec)
{
  if (!is_set (spec->linux_.mount_label))
    return NULL;
  return holo_xasprintf ("context=\"%s\"", spec->linux_.mount_label);
}
