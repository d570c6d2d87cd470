/* What a compiled linux.seccomp carries from holo into the container init
   (seccomp.c fills it in, seccomp_load.c uses it).  */
#ifndef HOLO_SECCOMP_INTERNAL_H
#define HOLO_SECCOMP_INTERNAL_H

#include "seccomp.h"
#include <linux/filter.h>

struct holo_seccomp
{
  struct sock_filter *prog; /* the BPF program libseccomp generated */
  size_t prog_len;          /* in instructions */
  unsigned int flags;       /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
  bool wait_killable_recv;  /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV asked for */
  bool uses_notify;         /* some rule is SCMP_ACT_NOTIFY: ask for a listener fd */
  char *listener_path;
  char *listener_metadata;
  char *state_json; /* holo_seccomp_set_state_json */
  int listener_fd;  /* connected to listener_path, or -1 */
};

/* The compiled-profile cache (seccomp_cache.c).  The key: what the
   program depends on and the profile as written (malloc'ed, *LEN bytes),
   NULL when it cannot be known (no build ids: no cache).  A lookup fills
   S's program and fields from a trusted entry with that very key and
   returns true; anything else returns false, S untouched.  Store never
   fails the caller.  */
struct yajl_val_s;
char *holo_seccomp_cache_key (const struct yajl_val_s *profile, size_t *len);
bool holo_seccomp_cache_lookup (const char *root, const char *key, size_t key_len, struct holo_seccomp *s);
void holo_seccomp_cache_store (const char *root, const char *key, size_t key_len, const struct holo_seccomp *s);

/* seccomp(2) with a NULL program: the kernel checks FLAGS before it reads
   the program, so EFAULT means "flags accepted".  */
bool holo_seccomp_kernel_accepts_flags (unsigned int flags);

#endif
