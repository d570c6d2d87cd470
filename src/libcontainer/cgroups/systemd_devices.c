/* The device rules as systemd unit properties.  systemd takes an allow list
   (DevicePolicy=strict + DeviceAllow=) while linux.resources.devices is a
   sequence of allow and deny rules, so the rules are first run through an
   emulation of the v1 devices cgroup (runc's approach): a rule of type "a"
   resets to allow-all or deny-all, other rules add to or take from the
   exceptions.  The result is what systemd can express, never narrower than
   the rules; holo's own eBPF program (devices_bpf.c), attached to the
   cgroup next to systemd's, enforces the exact rules.  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct exception
{
  char type; /* 'b' or 'c' */
  int64_t major, minor;
  unsigned access;
};

struct emulator
{
  bool default_allow;
  struct exception *v;
  size_t n;
};

static struct exception *
find_exception (struct emulator *e, char type, int64_t major, int64_t minor)
{
  for (size_t i = 0; i < e->n; i++)
    if (e->v[i].type == type && e->v[i].major == major && e->v[i].minor == minor)
      return &e->v[i];
  return NULL;
}

static void
add_exception (struct emulator *e, const struct holo_device_rule *r)
{
  struct exception *x = find_exception (e, r->type, r->major, r->minor);
  if (x)
    {
      x->access |= r->access;
      return;
    }
  e->v = holo_xrealloc (e->v, (e->n + 1) * sizeof *e->v);
  e->v[e->n++] = (struct exception){ r->type, r->major, r->minor, r->access };
}

static void
format_rule (char *buf, size_t size, char type, int64_t major, int64_t minor, unsigned access)
{
  char maj[24] = "*", min[24] = "*";
  if (major != HOLO_DEV_WILDCARD)
    snprintf (maj, sizeof maj, "%" PRId64, major);
  if (minor != HOLO_DEV_WILDCARD)
    snprintf (min, sizeof min, "%" PRId64, minor);
  snprintf (buf, size, "%c %s:%s %s%s%s", type, maj, min, access & HOLO_DEV_ACC_READ ? "r" : "",
            access & HOLO_DEV_ACC_WRITE ? "w" : "", access & HOLO_DEV_ACC_MKNOD ? "m" : "");
}

/* A denial takes the access from the exception for exactly that device.
   A wildcard exception that also grants it stays (the v1 cgroup cannot
   punch holes either): systemd's list is then wider than the rules, and
   holo's own filter on the cgroup, which follows the rules exactly, denies
   the rest.  */
static void
remove_exception (struct emulator *e, const struct holo_device_rule *r)
{
  struct exception *x = find_exception (e, r->type, r->major, r->minor);
  if (x == NULL)
    return;
  x->access &= ~r->access;
  if (x->access == 0)
    *x = e->v[--e->n];
}

static void
emulate (struct emulator *e, const struct holo_device_rule *r)
{
  if (r->type == 'a')
    {
      /* Allow-all or deny-all, forgetting every exception.  */
      e->default_allow = r->allow;
      e->n = 0;
      return;
    }
  /* In allow-all mode the exceptions are denials, in deny-all mode grants. */
  if (r->allow != e->default_allow)
    add_exception (e, r);
  else
    remove_exception (e, r);
}

static int
compare_exceptions (const void *a, const void *b)
{
  const struct exception *x = a, *y = b;
  if (x->major != y->major)
    return x->major < y->major ? -1 : 1;
  if (x->minor != y->minor)
    return x->minor < y->minor ? -1 : 1;
  return x->type - y->type;
}

static char *
access_string (unsigned access)
{
  return holo_xasprintf ("%s%s%s", access & HOLO_DEV_ACC_READ ? "r" : "", access & HOLO_DEV_ACC_WRITE ? "w" : "",
                         access & HOLO_DEV_ACC_MKNOD ? "m" : "");
}

/* systemd's spelling of an exception (v240+): "/dev/char/1:3" for one
   device, "char-136" for a whole major, "char-*" for every device of a
   type.  systemd has nothing for "*:N" (one minor of every major): that
   becomes "char-*", wider, narrowed by holo's own filter.  */
static char *
device_path (const struct exception *x)
{
  const char *kind = x->type == 'b' ? "block" : "char";
  if (x->major == HOLO_DEV_WILDCARD)
    {
      if (x->minor != HOLO_DEV_WILDCARD)
        {
          char rule[64];
          format_rule (rule, sizeof rule, x->type, x->major, x->minor, x->access);
          holo_log_debug ("systemd has no `*:N` device rules: [%s] is `%s-*` in DeviceAllow", rule, kind);
        }
      return holo_xasprintf ("%s-*", kind);
    }
  if (x->minor == HOLO_DEV_WILDCARD)
    return holo_xasprintf ("%s-%" PRId64, kind, x->major);
  return holo_xasprintf ("/dev/%s/%" PRId64 ":%" PRId64, kind, x->major, x->minor);
}

void
holo_systemd_device_props (const struct holo_device_rule *rules, size_t n, struct holo_sd_props *out)
{
  struct emulator e = { 0 };
  for (size_t i = 0; i < n; i++)
    emulate (&e, &rules[i]);
  if (e.default_allow)
    {
      /* Allow-all (systemd's "auto" with an empty list), or denials on top
         of it, which systemd cannot express: then too the unit allows
         every device and holo's filter on the cgroup denies what the rules
         deny.  */
      if (e.n)
        holo_log_debug ("systemd has no deny list: the unit allows every device, holo's device filter applies "
                        "linux.resources.devices");
      holo_sd_props_add_str (out, "DevicePolicy", "auto");
      holo_sd_props_add (out, "DeviceAllow", "a(ss)");
      free (e.v);
      return;
    }
  holo_sd_props_add_str (out, "DevicePolicy", "strict");
  /* An empty list first: SetUnitProperties appends to DeviceAllow.  */
  holo_sd_props_add (out, "DeviceAllow", "a(ss)");
  struct holo_sd_prop *allow = holo_sd_props_add (out, "DeviceAllow", "a(ss)");
  qsort (e.v, e.n, sizeof *e.v, compare_exceptions);
  /* One entry a path: "*:N" exceptions share "char-*" with "*:*".  */
  char **paths = holo_xmalloc ((e.n + 1) * sizeof (char *));
  unsigned *access = holo_xmalloc ((e.n + 1) * sizeof (unsigned));
  size_t k = 0;
  for (size_t i = 0; i < e.n; i++)
    {
      char *path = device_path (&e.v[i]);
      size_t j = 0;
      while (j < k && strcmp (paths[j], path) != 0)
        j++;
      if (j < k)
        free (path);
      else
        {
          paths[k] = path;
          access[k++] = 0;
        }
      access[j] |= e.v[i].access;
    }
  for (size_t j = 0; j < k; j++)
    {
      holo_sd_prop_push (allow, (struct holo_sd_val){ .type = 's', .s = paths[j] });
      holo_sd_prop_push (allow, (struct holo_sd_val){ .type = 's', .s = access_string (access[j]) });
    }
  free (paths);
  free (access);
  free (e.v);
}
