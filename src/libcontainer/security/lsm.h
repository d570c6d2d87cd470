/* Linux security modules: process.apparmorProfile, process.selinuxLabel and
   linux.mountLabel.  */
#ifndef HOLO_LSM_H
#define HOLO_LSM_H

#include "../spec/spec.h"

/* At create, before anything exists: fails when the config asks for a
   profile or label this build or this host cannot apply (see lsm.c).  */
int holo_lsm_validate (const struct holo_spec *spec, holo_error_t *err);

/* For `exec`, on the host before the process enters the container: loads
   the library that applies p's profile or label (create does it in
   holo_lsm_validate).  */
int holo_lsm_prepare (const struct holo_process *p, holo_error_t *err);

/* In the init, while still privileged and before no_new_privs: the AppArmor
   profile and SELinux label the next execve(2) switches to.  */
int holo_lsm_apply_exec_labels (const struct holo_process *p, holo_error_t *err);

/* The mount option that labels tmpfs/mqueue/devpts mounts with
   linux.mountLabel, "context=\"LABEL\"" (malloc'ed), or NULL when there is
   no label.  holo_lsm_validate has checked that SELinux can honour it.  */
char *holo_lsm_mount_label_option (const struct holo_spec *spec);

#endif
