#ifndef HOLO_HOOKS_H
#define HOLO_HOOKS_H

#include "spec/spec.h"

/* Runs each hook of LIST in order: path, args, env, STATE_JSON on stdin, and
   the timeout (kill + error on expiry).  Stops at the first failing hook and
   returns an error naming the hook kind (KIND, e.g. "createRuntime"), its index
   and path, and its exit status and stderr tail.  */
int holo_hooks_run (const struct holo_hook_list *list, const char *kind, const char *state_json, holo_error_t *err);
/* poststart and poststop: the spec makes a failing hook a warning, and the
   lifecycle goes on.  */
void holo_hooks_run_warn (const struct holo_hook_list *list, const char *kind, const char *state_json);
/* The same; a hook without "env" gets DEFAULT_ENV instead of the runtime's
   own environment (the hooks of the container namespace get the
   container process's, as with runc).  */
int holo_hooks_run_env (const struct holo_hook_list *list, const char *kind, const char *state_json, char **default_env,
                        holo_error_t *err);

#endif
