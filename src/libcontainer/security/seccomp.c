/* linux.seccomp to a BPF program, with libseccomp.

   Runs in holo before the container init exists: every mistake in the
   profile fails `create` with its JSON path and nothing to clean up.  The
   program is exported from libseccomp here and installed by the init with
   seccomp(2) itself (seccomp_load.c), which gives the init exact control
   over the filter flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, for one,
   has no libseccomp attribute before 2.6.

   Semantics follow runc where the runtime-spec leaves room:
   - syscall names libseccomp does not know are skipped (a profile written
     for a newer kernel still loads);
   - a rule whose action is the default action is skipped (libseccomp
     refuses it, and it changes nothing);
   - args: when two conditions of one entry test the same argument index,
     every condition becomes a rule of its own (they are ORed); otherwise
     the conditions form one rule (ANDed);
   - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD;
   - SCMP_ACT_NOTIFY may not be the default action nor apply to write(2):
     the init has to hand the notify fd over before anything can answer a
     notification (see seccomp_load.c).
   Where the spec is explicit holo follows it even though runc 1.1 is more
   lenient: errnoRet on an action that takes no errno is an error.  */
#define _GNU_SOURCE
#include "seccomp_internal.h"
#include "../spec/parse_internal.h"
#include "../utils.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Above this many syscall names libseccomp's binary-tree layout makes the
   filter shorter and faster; libseccomp <= 2.5.4 mishandles it with no
   rules at all.  */
#define OPTIMIZE_MIN_NAMES 32
/* SCMP_API level that has SCMP_ACT_NOTIFY.  */
#define NOTIFY_API_LEVEL 5

struct action_name
{
  const char *name;
  uint32_t action;
  bool takes_errno; /* the errno lives in the low 16 bits of the action */
};

static const struct action_name action_names[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};

struct operator_name
{
  const char *name;
  enum scmp_compare op;
};

static const struct operator_name operator_names[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

struct flag_name
{
  const char *name;
  unsigned int flag;
};

/* SECCOMP_FILTER_FLAG_TSYNC is accepted and needs nothing: the init is
   single-threaded when it installs the filter.  */
static const struct flag_name flag_names[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

const char *const holo_seccomp_known_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

static const struct flag_name *
find_flag (const char *name)
{
  for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
    if (strcmp (flag_names[i].name, name) == 0)
      return &flag_names[i];
  return NULL;
}

bool
holo_seccomp_kernel_accepts_flags (unsigned int flags)
{
  /* WAIT_KILLABLE_RECV is only valid together with a listener.  */
  if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

bool
holo_seccomp_flag_supported (const char *name)
{
  const struct flag_name *f = find_flag (name);
  return f != NULL && holo_seccomp_kernel_accepts_flags (f->flag);
}

/* State of one compilation.  */
struct compile
{
  const struct holo_jloc *loc; /* linux.seccomp */
  yajl_val obj;
  scmp_filter_ctx ctx;
  uint32_t default_action;
  struct holo_seccomp *s;
};

/* KEY of OBJ (required) is an action name; ERRNO_KEY its optional errno.  */
static int
parse_action (const struct holo_jloc *loc, yajl_val obj, const char *key, const char *errno_key, uint32_t *out,
              holo_error_t *err)
{
  cleanup_free char *name = NULL;
  uint64_t errno_ret = EPERM;
  bool has_errno = false;
  const struct action_name *a = NULL;

  if (holo_j_string (loc, obj, key, true, &name, err) < 0)
    return -1;
  if (holo_j_uint (loc, obj, errno_key, false, UINT16_MAX, &errno_ret, &has_errno, err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
    if (strcmp (action_names[i].name, name) == 0)
      a = &action_names[i];
  if (a == NULL)
    return holo_j_fail (err, loc, key, "unknown action \"%s\"", name);
  if (has_errno && !a->takes_errno)
    return holo_j_fail (err, loc, errno_key, "not allowed with %s (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)",
                        name);
  *out = a->action | (a->takes_errno ? (uint32_t) errno_ret : 0);
  return 0;
}

/* "SCMP_ARCH_X86_64" to libseccomp's token; 0 when unknown.  */
static uint32_t
arch_token (const char *name)
{
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  size_t n;

  if (strncmp (name, prefix, sizeof prefix - 1) != 0)
    return 0;
  name += sizeof prefix - 1;
  n = strlen (name);
  if (n == 0 || n >= sizeof lower)
    return 0;
  for (size_t i = 0; i <= n; i++)
    lower[i] = (char) tolower ((unsigned char) name[i]);
  return seccomp_arch_resolve_name (lower);
}

/* Calls FN on every element of the array member KEY (if present), with a
   location naming the element.  */
typedef int (*element_fn) (struct compile *c, const struct holo_jloc *loc, yajl_val v, holo_error_t *err);

static int
for_each_element (struct compile *c, const char *key, element_fn fn, holo_error_t *err)
{
  yajl_val arr;
  if (holo_j_array (c->loc, c->obj, key, false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  cleanup_free char *path = holo_j_join (c->loc->path, key);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { c->loc->file, epath };
      if (fn (c, &eloc, arr->u.array.values[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
add_architecture (struct compile *c, const struct holo_jloc *loc, yajl_val v, holo_error_t *err)
{
  if (!YAJL_IS_STRING (v))
    return holo_j_fail (err, loc, NULL, "must be a string");
  uint32_t arch = arch_token (YAJL_GET_STRING (v));
  if (arch == 0)
    return holo_j_fail (err, loc, NULL, "unknown architecture \"%s\"", YAJL_GET_STRING (v));
  int r = seccomp_arch_add (c->ctx, arch);
  /* The native architecture is in every new filter already.  */
  if (r < 0 && r != -EEXIST)
    return holo_j_fail (err, loc, NULL, "add architecture %s: %s", YAJL_GET_STRING (v), strerror (-r));
  return 0;
}

static int
add_flag (struct compile *c, const struct holo_jloc *loc, yajl_val v, holo_error_t *err)
{
  if (!YAJL_IS_STRING (v))
    return holo_j_fail (err, loc, NULL, "must be a string");
  const struct flag_name *f = find_flag (YAJL_GET_STRING (v));
  if (f == NULL)
    return holo_j_fail (err, loc, NULL, "unknown flag \"%s\"", YAJL_GET_STRING (v));
  if (!holo_seccomp_kernel_accepts_flags (f->flag))
    return holo_j_fail (err, loc, NULL, "%s is not supported by this kernel", f->name);
  if (f->flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    c->s->wait_killable_recv = true; /* only passed along with a listener */
  else if (f->flag != SECCOMP_FILTER_FLAG_TSYNC)
    c->s->flags |= f->flag;
  return 0;
}

static int
parse_condition (const struct holo_jloc *loc, yajl_val v, struct scmp_arg_cmp *out, holo_error_t *err)
{
  uint64_t index = 0, value = 0, value_two = 0;
  cleanup_free char *op = NULL;
  const struct operator_name *o = NULL;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_uint (loc, v, "index", true, 5, &index, NULL, err) < 0
      || holo_j_uint (loc, v, "value", true, UINT64_MAX, &value, NULL, err) < 0
      || holo_j_uint (loc, v, "valueTwo", false, UINT64_MAX, &value_two, NULL, err) < 0
      || holo_j_string (loc, v, "op", true, &op, err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof operator_names / sizeof operator_names[0]; i++)
    if (strcmp (operator_names[i].name, op) == 0)
      o = &operator_names[i];
  if (o == NULL)
    return holo_j_fail (err, loc, "op", "unknown operator \"%s\"", op);
  out->arg = (unsigned int) index;
  out->op = o->op;
  out->datum_a = value;
  out->datum_b = value_two;
  return 0;
}

/* The conditions of one syscalls[] entry.  *SEPARATE is set when two of
   them test the same argument (each then is a rule of its own).  */
struct conditions
{
  struct scmp_arg_cmp *v;
  size_t n;
  bool separate;
};

static int
parse_conditions (const struct holo_jloc *loc, yajl_val entry, struct conditions *out, holo_error_t *err)
{
  yajl_val arr;
  unsigned int seen = 0;

  if (holo_j_array (loc, entry, "args", false, &arr, err) < 0)
    return -1;
  if (arr == NULL || arr->u.array.len == 0)
    return 0;
  cleanup_free char *path = holo_j_join (loc->path, "args");
  out->v = holo_xmalloc (arr->u.array.len * sizeof *out->v);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      struct scmp_arg_cmp *cmp = &out->v[out->n];
      if (parse_condition (&eloc, arr->u.array.values[i], cmp, err) < 0)
        return -1;
      if (seen & (1u << cmp->arg))
        out->separate = true;
      seen |= 1u << cmp->arg;
      out->n++;
    }
  return 0;
}

static int
add_rules_for_name (struct compile *c, const struct holo_jloc *loc, const char *name, uint32_t action,
                    const struct conditions *conds, holo_error_t *err)
{
  int nr = seccomp_syscall_resolve_name (name);
  int r = 0;

  if (nr == __NR_SCMP_ERROR)
    {
      holo_log_debug ("%s: unknown syscall \"%s\" ignored", loc->path, name);
      return 0;
    }
  if (!conds->separate)
    r = seccomp_rule_add_array (c->ctx, action, nr, (unsigned int) conds->n, conds->v);
  else
    for (size_t i = 0; i < conds->n && r >= 0; i++)
      r = seccomp_rule_add_array (c->ctx, action, nr, 1, &conds->v[i]);
  if (r < 0)
    return holo_j_fail (err, loc, NULL, "add the rule for \"%s\": %s", name, strerror (-r));
  return 0;
}

/* What the init cannot let wait for a notification: it installs the filter
   and then has to get the notify fd to the listener.  */
static int
check_notify_names (const struct holo_jloc *loc, char **names, holo_error_t *err)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp (names[i], "write") == 0 || strcmp (names[i], "sendmsg") == 0)
      {
        cleanup_free char *path = holo_j_join (loc->path, "names");
        cleanup_free char *epath = holo_j_join_index (path, i);
        struct holo_jloc eloc = { loc->file, epath };
        return holo_j_fail (err, &eloc, NULL, "SCMP_ACT_NOTIFY cannot be used for the %s syscall", names[i]);
      }
  return 0;
}

static int
check_names (const struct holo_jloc *loc, char **names, holo_error_t *err)
{
  if (names == NULL || names[0] == NULL)
    return holo_j_fail (err, loc, "names", "must contain at least one syscall name");
  for (size_t i = 0; names[i]; i++)
    if (names[i][0] == '\0')
      {
        cleanup_free char *path = holo_j_join (loc->path, "names");
        cleanup_free char *epath = holo_j_join_index (path, i);
        struct holo_jloc eloc = { loc->file, epath };
        return holo_j_fail (err, &eloc, NULL, "must not be empty");
      }
  return 0;
}

static int
add_syscall_entry (struct compile *c, const struct holo_jloc *loc, yajl_val entry, holo_error_t *err)
{
  cleanup_strv char **names = NULL;
  struct conditions conds = { 0 };
  uint32_t action;
  int ret = -1;

  if (!YAJL_IS_OBJECT (entry))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_strv (loc, entry, "names", &names, err) < 0 || check_names (loc, names, err) < 0)
    return -1;
  if (parse_action (loc, entry, "action", "errnoRet", &action, err) < 0)
    return -1;
  if (parse_conditions (loc, entry, &conds, err) < 0)
    goto out;
  if (action == SCMP_ACT_NOTIFY)
    {
      if (check_notify_names (loc, names, err) < 0)
        goto out;
      c->s->uses_notify = true;
    }
  ret = 0;
  if (action == c->default_action)
    goto out; /* redundant, and libseccomp would refuse it */
  for (size_t i = 0; names[i] && ret == 0; i++)
    ret = add_rules_for_name (c, loc, names[i], action, &conds, err);
out:
  free (conds.v);
  return ret;
}

static int
parse_listener (struct compile *c, holo_error_t *err)
{
  struct holo_seccomp *s = c->s;
  if (holo_j_string (c->loc, c->obj, "listenerPath", false, &s->listener_path, err) < 0
      || holo_j_string (c->loc, c->obj, "listenerMetadata", false, &s->listener_metadata, err) < 0)
    return -1;
  if (s->listener_metadata && s->listener_path == NULL)
    return holo_j_fail (err, c->loc, "listenerMetadata", "must not be set without listenerPath");
  if (s->listener_path && s->listener_path[0] == '\0')
    return holo_j_fail (err, c->loc, "listenerPath", "must not be empty");
  return 0;
}

/* Checks that need the whole profile.  */
static int
check_notify (struct compile *c, holo_error_t *err)
{
  if (!c->s->uses_notify)
    return 0;
  if (c->s->listener_path == NULL)
    return holo_j_fail (err, c->loc, "listenerPath", "must be set when SCMP_ACT_NOTIFY is used");
  if (seccomp_api_get () < NOTIFY_API_LEVEL)
    return holo_j_fail (err, c->loc, NULL, "SCMP_ACT_NOTIFY is not supported by this kernel or libseccomp");
  return 0;
}

/* The BPF program libseccomp generates, read back from a memfd.  */
static int
export_program (struct compile *c, holo_error_t *err)
{
  cleanup_close int fd = memfd_create ("holo-seccomp", MFD_CLOEXEC);
  struct holo_seccomp *s = c->s;

  if (fd < 0)
    return holo_make_error (err, errno, "memfd_create");
  int r = seccomp_export_bpf (c->ctx, fd);
  if (r < 0)
    return holo_make_error (err, -r, "%s: %s: generate the BPF program", c->loc->file, c->loc->path);
  off_t size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % sizeof (struct sock_filter) != 0)
    return holo_make_error (err, 0, "%s: %s: libseccomp generated no program", c->loc->file, c->loc->path);
  s->prog_len = (size_t) size / sizeof (struct sock_filter);
  if (s->prog_len > BPF_MAXINSNS)
    return holo_make_error (err, 0, "%s: %s: the filter has %zu instructions, more than the kernel's limit of %d",
                            c->loc->file, c->loc->path, s->prog_len, BPF_MAXINSNS);
  s->prog = holo_xmalloc ((size_t) size);
  if (pread (fd, s->prog, (size_t) size, 0) != size)
    return holo_make_error (err, errno, "read back the seccomp program");
  return 0;
}

/* How many syscall names the profile lists (whatever their validity: this
   only decides the filter's layout).  */
static size_t
count_names (yajl_val syscalls)
{
  size_t n = 0;
  if (!YAJL_IS_ARRAY (syscalls))
    return 0;
  for (size_t i = 0; i < syscalls->u.array.len; i++)
    {
      yajl_val names = holo_j_member (syscalls->u.array.values[i], "names");
      if (YAJL_IS_ARRAY (names))
        n += names->u.array.len;
    }
  return n;
}

static void
release_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

static int
compile_profile (const struct holo_jloc *loc, yajl_val obj, struct holo_seccomp *s, holo_error_t *err)
{
  __attribute__ ((cleanup (release_ctx))) scmp_filter_ctx ctx = NULL;
  struct compile c = { .loc = loc, .obj = obj, .s = s };

  if (parse_action (loc, obj, "defaultAction", "defaultErrnoRet", &c.default_action, err) < 0)
    return -1;
  if (c.default_action == SCMP_ACT_NOTIFY)
    return holo_j_fail (err, loc, "defaultAction", "SCMP_ACT_NOTIFY cannot be used as the default action");
  ctx = seccomp_init (c.default_action);
  if (ctx == NULL)
    return holo_j_fail (err, loc, "defaultAction", "not supported by this kernel or libseccomp");
  c.ctx = ctx;
  if (count_names (holo_j_member (obj, "syscalls")) > OPTIMIZE_MIN_NAMES
      && seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
    holo_log_debug ("seccomp: binary tree optimization not available");
  if (for_each_element (&c, "architectures", add_architecture, err) < 0
      || for_each_element (&c, "flags", add_flag, err) < 0 || parse_listener (&c, err) < 0
      || for_each_element (&c, "syscalls", add_syscall_entry, err) < 0 || check_notify (&c, err) < 0)
    return -1;
  return export_program (&c, err);
}

int
holo_seccomp_compile (const struct holo_spec *spec, const char *cache_root, struct holo_seccomp **out,
                      holo_error_t *err)
{
  const struct holo_jloc loc = { "config.json", "linux.seccomp" };
  struct holo_seccomp *s;

  *out = NULL;
  if (spec->linux_.seccomp == NULL)
    return 0;
  if (!YAJL_IS_OBJECT (spec->linux_.seccomp))
    return holo_j_fail (err, &loc, NULL, "must be an object");
  s = holo_xmalloc (sizeof *s);
  s->listener_fd = -1;
  /* A profile compiled before (with the same holo, libseccomp and kernel)
     was valid then and is now: its program comes from the cache
     (seccomp_cache.c).  */
  size_t key_len = 0;
  cleanup_free char *key = cache_root ? holo_seccomp_cache_key (spec->linux_.seccomp, &key_len) : NULL;
  if (key && holo_seccomp_cache_lookup (cache_root, key, key_len, s))
    {
      *out = s;
      return 0;
    }
  if (compile_profile (&loc, spec->linux_.seccomp, s, err) < 0)
    {
      holo_seccomp_free (s);
      return -1;
    }
  if (key)
    holo_seccomp_cache_store (cache_root, key, key_len, s);
  *out = s;
  return 0;
}

bool
holo_seccomp_uses_listener (const struct holo_seccomp *s)
{
  return s != NULL && s->uses_notify;
}

bool
holo_seccomp_spec_uses_listener (const struct holo_spec *spec)
{
  yajl_val obj = spec->linux_.seccomp;
  yajl_val path = holo_j_member (obj, "listenerPath");
  yajl_val syscalls = holo_j_member (obj, "syscalls");

  if (path == NULL || !YAJL_IS_STRING (path) || syscalls == NULL || !YAJL_IS_ARRAY (syscalls))
    return false;
  for (size_t i = 0; i < syscalls->u.array.len; i++)
    {
      const char *action = YAJL_GET_STRING (holo_j_member (syscalls->u.array.values[i], "action"));
      if (action && strcmp (action, "SCMP_ACT_NOTIFY") == 0)
        return true;
    }
  return false;
}

void
holo_seccomp_free (struct holo_seccomp *s)
{
  if (s == NULL)
    return;
  if (s->listener_fd >= 0)
    close (s->listener_fd);
  free (s->prog);
  free (s->listener_path);
  free (s->listener_metadata);
  free (s->state_json);
  free (s);
}

int
holo_seccomp_listener_fd (const struct holo_seccomp *s)
{
  return s ? s->listener_fd : -1;
}
