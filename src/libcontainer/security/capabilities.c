/* Capability sets of the container process: the bounding set is dropped
   while the init is still root, the other sets are applied after the
   uid/gid switch (see process/setup.c, which keeps the permitted set across
   setresuid with PR_SET_KEEPCAPS).  */
#define _GNU_SOURCE
#include "capabilities.h"
#include "../utils.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/* The spec sets are 64-bit masks, so no capability above 63 can be named.  */
#define HOLO_CAP_MASK_BITS 64

int
holo_cap_last_cap (void)
{
  cleanup_free char *buf = NULL;
  int last = -1;

  if (holo_read_file ("/proc/sys/kernel/cap_last_cap", &buf, NULL, NULL) == 0)
    {
      char *end;
      long v = strtol (buf, &end, 10);
      if (end != buf && v >= 0)
        last = (int) v;
    }
  /* /proc may not be mounted yet (or masked): ask libcap, which probes
     the kernel itself.  */
  if (last < 0)
    last = (int) cap_max_bits () - 1;
  if (last >= HOLO_CAP_MASK_BITS)
    last = HOLO_CAP_MASK_BITS - 1;
  return last;
}

int
holo_cap_from_name (const char *name)
{
  char lower[64];
  cap_value_t value;
  size_t len;

  /* The spec names capabilities "CAP_XXX"; libcap also accepts bare
     numbers and the "all" keyword, which config.json must not use.  */
  if (name == NULL || strncmp (name, "CAP_", 4) != 0)
    return -1;
  len = strlen (name);
  if (len >= sizeof lower)
    return -1;
  for (size_t i = 0; i <= len; i++)
    lower[i] = (char) tolower ((unsigned char) name[i]);

  if (cap_from_name (lower, &value) < 0)
    return -1;
  if (value < 0 || value > holo_cap_last_cap ())
    return -1;
  return (int) value;
}

/* "CAP_SYS_ADMIN" for messages; the number when libcap has no name.  */
static const char *
cap_display_name (int cap, char *buf, size_t len)
{
  char *n = cap_to_name ((cap_value_t) cap);
  if (n == NULL || strncmp (n, "cap_", 4) != 0)
    snprintf (buf, len, "capability %d", cap);
  else
    {
      size_t i;
      for (i = 0; n[i] && i + 1 < len; i++)
        buf[i] = (char) toupper ((unsigned char) n[i]);
      buf[i] = '\0';
    }
  if (n)
    cap_free (n);
  return buf;
}

static bool
cap_in_mask (uint64_t mask, int cap)
{
  return cap < HOLO_CAP_MASK_BITS && (mask & (UINT64_C (1) << cap)) != 0;
}

int
holo_caps_drop_bounding (const struct holo_capabilities *caps, holo_error_t *err)
{
  /* An absent capabilities object means the process gets none at all.  */
  uint64_t keep = caps->present ? caps->bounding : 0;
  int last = holo_cap_last_cap ();

  for (int cap = 0; cap <= last; cap++)
    {
      if (cap_in_mask (keep, cap))
        continue;
      /* Skipping caps that are already gone avoids needing CAP_SETPCAP
         when there is nothing left to drop.  */
      int r = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);
      if (r == 0)
        continue;
      if (r < 0 && errno == EINVAL)
        continue; /* unknown to this kernel */
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
          int saved = errno;
          char name[64];
          return holo_make_error (err, saved, "drop %s from the bounding set",
                                  cap_display_name (cap, name, sizeof name));
        }
    }
  return 0;
}

static void
cap_free_p (cap_t *c)
{
  if (*c)
    cap_free (*c);
}
#define cleanup_cap __attribute__ ((cleanup (cap_free_p)))

/* Adds every capability of MASK to the FLAG set of CAPS.  */
static int
set_cap_flag_from_mask (cap_t caps, cap_flag_t flag, uint64_t mask, int last, holo_error_t *err)
{
  for (int cap = 0; cap <= last; cap++)
    {
      if (!cap_in_mask (mask, cap))
        continue;
      cap_value_t v = cap;
      if (cap_set_flag (caps, flag, 1, &v, CAP_SET) < 0)
        {
          char name[64];
          return holo_make_error (err, errno, "add %s to a capability set", cap_display_name (cap, name, sizeof name));
        }
    }
  return 0;
}

/* The process's current FLAG set as a mask.  */
static uint64_t
current_mask (cap_t now, cap_flag_t flag, int last)
{
  uint64_t mask = 0;
  for (int cap = 0; cap <= last; cap++)
    {
      cap_flag_value_t v = CAP_CLEAR;
      if (cap_get_flag (now, (cap_value_t) cap, flag, &v) == 0 && v == CAP_SET)
        mask |= UINT64_C (1) << cap;
    }
  return mask;
}

static uint64_t
bounding_mask (int last)
{
  uint64_t mask = 0;
  for (int cap = 0; cap <= last; cap++)
    if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
      mask |= UINT64_C (1) << cap;
  return mask;
}

/* The lowest capability of WANT outside ALLOWED, or -1.  */
static int
first_outside (uint64_t want, uint64_t allowed)
{
  uint64_t extra = want & ~allowed;
  return extra ? __builtin_ctzll (extra) : -1;
}

/* capset(2) says only EPERM: say which set and capability broke which of
   the kernel's rules (security/commoncap.c cap_capset, checked in its
   order).  */
static int
capset_error (const struct holo_capabilities *caps, int last, int saved, holo_error_t *err)
{
  cleanup_cap cap_t now = cap_get_proc ();
  if (now == NULL)
    return holo_make_error (err, saved, "set process capabilities");
  uint64_t inh = current_mask (now, CAP_INHERITABLE, last), prm = current_mask (now, CAP_PERMITTED, last);
  uint64_t eff = current_mask (now, CAP_EFFECTIVE, last), bset = bounding_mask (last);
  char name[64];
  int cap;

  if ((cap = first_outside (caps->inheritable, inh | bset)) >= 0)
    return holo_make_error (err, saved,
                            "set process capabilities: process.capabilities.inheritable: %s is not in the bounding set",
                            cap_display_name (cap, name, sizeof name));
  if (!cap_in_mask (eff, CAP_SETPCAP) && (cap = first_outside (caps->inheritable, inh | prm)) >= 0)
    return holo_make_error (err, saved,
                            "set process capabilities: process.capabilities.inheritable: %s is not permitted to the "
                            "runtime (and it lacks CAP_SETPCAP)",
                            cap_display_name (cap, name, sizeof name));
  if ((cap = first_outside (caps->permitted, prm)) >= 0)
    return holo_make_error (err, saved,
                            "set process capabilities: process.capabilities.permitted: %s is not permitted to the "
                            "runtime",
                            cap_display_name (cap, name, sizeof name));
  if ((cap = first_outside (caps->effective, caps->permitted)) >= 0)
    return holo_make_error (err, saved,
                            "set process capabilities: process.capabilities.effective: %s is not in "
                            "process.capabilities.permitted",
                            cap_display_name (cap, name, sizeof name));
  return holo_make_error (err, saved, "set process capabilities");
}

static int
apply_main_sets (const struct holo_capabilities *caps, int last, holo_error_t *err)
{
  cleanup_cap cap_t c = cap_init (); /* all sets clear */
  if (c == NULL)
    return holo_make_error (err, errno, "cap_init");

  if (caps->present)
    {
      if (set_cap_flag_from_mask (c, CAP_EFFECTIVE, caps->effective, last, err) < 0
          || set_cap_flag_from_mask (c, CAP_PERMITTED, caps->permitted, last, err) < 0
          || set_cap_flag_from_mask (c, CAP_INHERITABLE, caps->inheritable, last, err) < 0)
        return -1;
    }
  if (cap_set_proc (c) < 0)
    {
      int saved = errno;
      if (saved == EPERM && caps->present)
        return capset_error (caps, last, saved, err);
      return holo_make_error (err, saved, "set process capabilities");
    }
  return 0;
}

static int
apply_ambient_set (const struct holo_capabilities *caps, int last, holo_error_t *err)
{
  /* Kernels before 4.3 have no ambient set: EINVAL here means there is
     nothing to clear and nothing we could raise.  */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      if (errno != EINVAL)
        return holo_make_error (err, errno, "clear the ambient capability set");
      if (caps->present && caps->ambient != 0)
        holo_log_warning ("the kernel does not support ambient capabilities, ignoring them");
      return 0;
    }
  if (!caps->present)
    return 0;

  /* The kernel only lets a capability into the ambient set when it is both
     permitted and inheritable; anything else would fail with EPERM.  */
  uint64_t raisable = caps->permitted & caps->inheritable;
  for (int cap = 0; cap <= last; cap++)
    {
      if (!cap_in_mask (caps->ambient, cap))
        continue;
      if (!cap_in_mask (raisable, cap))
        {
          char name[64];
          holo_log_warning ("ambient capability %s is not both permitted and inheritable, ignoring it",
                            cap_display_name (cap, name, sizeof name));
          continue;
        }
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        {
          int saved = errno;
          char name[64];
          cap_display_name (cap, name, sizeof name);
          if (saved != EINVAL)
            return holo_make_error (err, saved, "raise ambient %s", name);
          holo_log_warning ("cannot raise ambient %s: %s, ignoring it", name, strerror (saved));
        }
    }
  return 0;
}

int
holo_caps_apply (const struct holo_capabilities *caps, holo_error_t *err)
{
  int last = holo_cap_last_cap ();

  if (apply_main_sets (caps, last, err) < 0)
    return -1;
  return apply_ambient_set (caps, last, err);
}
