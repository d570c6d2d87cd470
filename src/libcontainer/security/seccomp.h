/* linux.seccomp: the profile is compiled to a BPF program in holo before
   the container init exists (so a bad profile fails `create` with nothing
   left behind) and the init, which inherits it across clone, loads it as
   late as it can.  See process/init.c for where, and why.  */
#ifndef HOLO_SECCOMP_H
#define HOLO_SECCOMP_H

#include "../spec/spec.h"
#include <stdbool.h>
#include <yajl/yajl_gen.h>

struct holo_seccomp;

/* Validates linux.seccomp and compiles it.  *OUT is NULL when the config
   has no linux.seccomp.  Errors name the JSON path:
     config.json: linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
   Syscall names libseccomp does not know are skipped (as runc does).
   With CACHE_ROOT (the state root) the compiled program is looked up in,
   and else stored into, its cache of compiled profiles (seccomp_cache.c);
   NULL compiles every time.  */
int holo_seccomp_compile (const struct holo_spec *spec, const char *cache_root, struct holo_seccomp **out,
                          holo_error_t *err);

/* Whether the profile hands a notify fd to linux.seccomp.listenerPath (the
   init then needs the state JSON for the payload).  */
bool holo_seccomp_uses_listener (const struct holo_seccomp *s);
/* The same question asked of the config alone, for code that has no
   compiled profile (both ends of the init's sync channel must agree).  */
bool holo_seccomp_spec_uses_listener (const struct holo_spec *spec);

/* Connects to listenerPath (a host path: call it in holo, before the init
   is created, or at least before pivot_root).  The fd is close-on-exec and
   kept in S until holo_seccomp_load sends on it.  No-op without a listener. */
int holo_seccomp_connect_listener (struct holo_seccomp *s, holo_error_t *err);

/* The state JSON to send when holo_seccomp_load gets none (`exec`, whose
   init does not receive the state from holo).  Copied.  */
void holo_seccomp_set_state_json (struct holo_seccomp *s, const char *state_json);

/* Installs the filter on the calling thread.  Without no_new_privs this
   needs CAP_SYS_ADMIN in the current user namespace.  With SCMP_ACT_NOTIFY
   rules it then sends the notify fd and the container process state
   (STATE_JSON is the container's state document, or NULL for the one set
   with holo_seccomp_set_state_json) to the listener.  */
int holo_seccomp_load (struct holo_seccomp *s, const char *state_json, holo_error_t *err);

void holo_seccomp_free (struct holo_seccomp *s);
/* The connected listener socket the init must keep, or -1.  */
int holo_seccomp_listener_fd (const struct holo_seccomp *s);

static inline void
holo_cleanup_seccompp (struct holo_seccomp **s)
{
  holo_seccomp_free (*s);
}
#define cleanup_seccomp __attribute__ ((cleanup (holo_cleanup_seccompp)))

/* The SECCOMP_FILTER_FLAG_* names holo recognizes (NULL-terminated), and
   whether this kernel accepts one of them.  */
extern const char *const holo_seccomp_known_flags[];
bool holo_seccomp_flag_supported (const char *name);

/* Writes the default "seccomp" value `holo spec` puts in linux (the key is
   written by the caller): an allow-list with EPERM as the default.  */
void holo_seccomp_gen_default_profile (yajl_gen g);

#endif
