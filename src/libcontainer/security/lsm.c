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
   path, before any process exists.  A build without libapparmor or
   libselinux fails the same way when a profile or label is requested:
   silently running a container less confined than asked is not an option.
   An empty string means "not set", as in runc.  */
#define _GNU_SOURCE
#include "lsm.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>

#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif
#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

static bool
is_set (const char *s)
{
  return s != NULL && s[0] != '\0';
}

static int
validate_apparmor (const char *profile, holo_error_t *err)
{
  if (!is_set (profile))
    return 0;
#ifdef HAVE_APPARMOR
  if (aa_is_enabled () <= 0)
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
  if (is_selinux_enabled () <= 0)
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

/* Both write /proc/thread-self/attr/...exec: the container's /proc must be
   mounted, which it is by the time the init gets here.  */
int
holo_lsm_apply_exec_labels (const struct holo_process *p, holo_error_t *err)
{
#ifdef HAVE_APPARMOR
  if (is_set (p->apparmor_profile) && aa_change_onexec (p->apparmor_profile) < 0)
    return holo_make_error (err, errno, "apply AppArmor profile `%s`", p->apparmor_profile);
#else
  if (is_set (p->apparmor_profile))
    return holo_make_error (err, 0, "holo was built without AppArmor support");
#endif
#ifdef HAVE_SELINUX
  if (is_set (p->selinux_label) && setexeccon (p->selinux_label) < 0)
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
