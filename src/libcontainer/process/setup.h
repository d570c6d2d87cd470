/* Process attributes applied by the container's init just before exec.  */
#ifndef HOLO_PROCESS_SETUP_H
#define HOLO_PROCESS_SETUP_H

#include "../spec/spec.h"

int holo_process_apply_rlimits (const struct holo_process *p, holo_error_t *err);
/* oom_score_adj of the calling process (written to /proc/self/oom_score_adj). */
int holo_process_apply_oom_score_adj (const struct holo_process *p, holo_error_t *err);
int holo_process_apply_personality (const struct holo_linux *l, holo_error_t *err);
int holo_process_apply_io_priority (const struct holo_process *p, holo_error_t *err);
int holo_process_apply_scheduler (const struct holo_process *p, holo_error_t *err);
/* setgroups (additionalGids; skipped when setgroups is denied in the userns),
   setresgid, setresuid, keeping capabilities for holo_caps_apply.  */
int holo_process_apply_user (const struct holo_process *p, bool setgroups_allowed, holo_error_t *err);
/* Resolves args[0] against PATH from the process env (container view);
   returns a malloc'ed path, or an error "executable file `x` not found in $PATH". */
char *holo_process_find_executable (const struct holo_process *p, holo_error_t *err);

#endif
