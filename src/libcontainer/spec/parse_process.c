/* The runtime-spec process object: config.json "process", and the standalone
   process.json that `exec --process` reads.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "parse_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <linux/ioprio.h>

#ifndef SCHED_ISO
#define SCHED_ISO 4 /* reserved by the kernel, named by the spec */
#endif

/* (uid_t) -1 means "leave unchanged" to setresuid(2): never a real id.  */
#define HOLO_MAX_ID ((uint64_t) UINT32_MAX - 1)

struct name_value
{
  const char *name;
  int value;
};

static const struct name_value rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
  { NULL, 0 },
};

static const struct name_value ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
  { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
  { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
  { NULL, 0 },
};

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", SCHED_OTHER },
  { "SCHED_FIFO", SCHED_FIFO },
  { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH },
  { "SCHED_ISO", SCHED_ISO },
  { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", SCHED_DEADLINE },
  { NULL, 0 },
};

/* Values from the kernel's sched_setattr(2) ABI.  */
static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

static const struct name_value *
lookup (const struct name_value *table, const char *name)
{
  for (; table->name; table++)
    if (strcmp (table->name, name) == 0)
      return table;
  return NULL;
}

/* A sub-object location: LOC->path + "." + KEY, owned by the caller.  */
static char *
sub_path (const struct holo_jloc *loc, const char *key)
{
  return holo_j_join (loc->path, key);
}

static int
parse_console_size (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "consoleSize");
  struct holo_jloc cloc = { loc->file, path };
  uint64_t height = 0, width = 0;
  yajl_val cs;

  if (holo_j_object (loc, obj, "consoleSize", false, &cs, err) < 0)
    return -1;
  if (cs == NULL)
    return 0;
  if (holo_j_uint (&cloc, cs, "height", true, UINT_MAX, &height, NULL, err) < 0
      || holo_j_uint (&cloc, cs, "width", true, UINT_MAX, &width, NULL, err) < 0)
    return -1;
  p->has_console_size = true;
  p->console_height = (unsigned int) height;
  p->console_width = (unsigned int) width;
  return 0;
}

static int
parse_additional_gids (const struct holo_jloc *loc, yajl_val user, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "additionalGids");
  yajl_val arr;

  if (holo_j_array (loc, user, "additionalGids", false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  p->additional_gids = holo_xmalloc (arr->u.array.len * sizeof (gid_t));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      uint64_t gid;
      if (holo_j_to_uint (&eloc, NULL, arr->u.array.values[i], HOLO_MAX_ID, &gid, err) < 0)
        return -1;
      p->additional_gids[p->n_additional_gids++] = (gid_t) gid;
    }
  return 0;
}

static int
parse_user (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "user");
  struct holo_jloc uloc = { loc->file, path };
  uint64_t uid = 0, gid = 0, umask = 0;
  yajl_val user;

  if (holo_j_object (loc, obj, "user", false, &user, err) < 0)
    return -1;
  /* Like runc, a missing user (or uid/gid) means root.  */
  if (user == NULL)
    return 0;
  if (holo_j_uint (&uloc, user, "uid", false, HOLO_MAX_ID, &uid, NULL, err) < 0
      || holo_j_uint (&uloc, user, "gid", false, HOLO_MAX_ID, &gid, NULL, err) < 0
      || holo_j_uint (&uloc, user, "umask", false, 0777, &umask, &p->has_umask, err) < 0)
    return -1;
  p->uid = (uid_t) uid;
  p->gid = (gid_t) gid;
  p->umask = (mode_t) umask;
  return parse_additional_gids (&uloc, user, p, err);
}

static int
parse_args (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  yajl_val args = holo_j_member (obj, "args");

  if (!YAJL_IS_ARRAY (args) || args->u.array.len == 0)
    return holo_j_fail (err, loc, "args", "must be a non-empty array of strings");
  return holo_j_strv (loc, obj, "args", &p->args, err);
}

static int
parse_env (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "env");

  if (holo_j_strv (loc, obj, "env", &p->env, err) < 0)
    return -1;
  holo_j_strv_ensure (&p->env);
  for (size_t i = 0; p->env[i]; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      const char *eq = strchr (p->env[i], '=');
      if (eq == NULL)
        return holo_j_fail (err, &eloc, NULL, "invalid environment variable \"%s\": missing '='", p->env[i]);
      if (eq == p->env[i])
        return holo_j_fail (err, &eloc, NULL, "invalid environment variable \"%s\": empty name", p->env[i]);
    }
  return 0;
}

static int
parse_cwd (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  if (holo_j_string (loc, obj, "cwd", false, &p->cwd, err) < 0)
    return -1;
  if (p->cwd == NULL || p->cwd[0] == '\0')
    return holo_j_fail (err, loc, "cwd", "must be specified");
  if (!holo_j_is_abs (p->cwd))
    return holo_j_fail (err, loc, "cwd", "must be an absolute path");
  return 0;
}

/* Capability number for "CAP_XXX", or -1 when this libcap or the running
   kernel does not know it.  */
static int
capability_number (const char *name)
{
  cap_value_t v;

  if (strncmp (name, "CAP_", 4) != 0 || cap_from_name (name, &v) < 0)
    return -1;
  if (v < 0 || v >= 64 || v >= cap_max_bits ())
    return -1;
  return v;
}

static int
parse_cap_set (const struct holo_jloc *loc, yajl_val caps, const char *set, uint64_t *bits, holo_error_t *err)
{
  cleanup_strv char **names = NULL;

  if (holo_j_strv (loc, caps, set, &names, err) < 0)
    return -1;
  for (size_t i = 0; names && names[i]; i++)
    {
      int cap = capability_number (names[i]);
      if (cap < 0)
        {
          /* runc ignores them too, so a spec written for a newer kernel runs.  */
          cleanup_free char *path = holo_j_join (loc->path, set);
          holo_log_warning ("%s: %s: ignoring unknown or unavailable capability %s", loc->file, path, names[i]);
          continue;
        }
      *bits |= UINT64_C (1) << cap;
    }
  return 0;
}

static int
parse_capabilities (const struct holo_jloc *loc, yajl_val obj, struct holo_capabilities *caps, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "capabilities");
  struct holo_jloc cloc = { loc->file, path };
  yajl_val c;

  if (holo_j_object (loc, obj, "capabilities", false, &c, err) < 0)
    return -1;
  if (c == NULL)
    return 0;
  caps->present = true;
  if (parse_cap_set (&cloc, c, "bounding", &caps->bounding, err) < 0
      || parse_cap_set (&cloc, c, "effective", &caps->effective, err) < 0
      || parse_cap_set (&cloc, c, "inheritable", &caps->inheritable, err) < 0
      || parse_cap_set (&cloc, c, "permitted", &caps->permitted, err) < 0
      || parse_cap_set (&cloc, c, "ambient", &caps->ambient, err) < 0)
    return -1;
  return 0;
}

static int
parse_rlimit (const struct holo_jloc *loc, yajl_val v, struct holo_process *p, holo_error_t *err)
{
  struct holo_rlimit *r = &p->rlimits[p->n_rlimits];
  const struct name_value *nv;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_string (loc, v, "type", true, &r->name, err) < 0)
    return -1;
  p->n_rlimits++;
  nv = lookup (rlimit_names, r->name);
  if (nv == NULL)
    return holo_j_fail (err, loc, "type", "unknown rlimit type \"%s\"", r->name);
  /* The spec requires an error for a type given twice.  */
  for (size_t i = 0; i + 1 < p->n_rlimits; i++)
    if (p->rlimits[i].resource == nv->value)
      return holo_j_fail (err, loc, "type", "duplicate rlimit type \"%s\"", r->name);
  r->resource = nv->value;
  if (holo_j_uint (loc, v, "soft", true, UINT64_MAX, &r->soft, NULL, err) < 0
      || holo_j_uint (loc, v, "hard", true, UINT64_MAX, &r->hard, NULL, err) < 0)
    return -1;
  return 0;
}

static int
parse_rlimits (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "rlimits");
  yajl_val arr;

  if (holo_j_array (loc, obj, "rlimits", false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  p->rlimits = holo_xmalloc (arr->u.array.len * sizeof (struct holo_rlimit));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      if (parse_rlimit (&eloc, arr->u.array.values[i], p, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_io_priority (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "ioPriority");
  struct holo_jloc iloc = { loc->file, path };
  cleanup_free char *class = NULL;
  const struct name_value *nv;
  int64_t priority = 0;
  yajl_val io;

  if (holo_j_object (loc, obj, "ioPriority", false, &io, err) < 0)
    return -1;
  if (io == NULL)
    return 0;
  if (holo_j_string (&iloc, io, "class", true, &class, err) < 0)
    return -1;
  nv = lookup (ioprio_classes, class);
  if (nv == NULL)
    return holo_j_fail (err, &iloc, "class", "unknown I/O priority class \"%s\"", class);
  if (holo_j_int (&iloc, io, "priority", false, 0, 7, &priority, NULL, err) < 0)
    return -1;
  p->has_io_priority = true;
  p->io_priority_class = nv->value;
  p->io_priority = (int) priority;
  return 0;
}

static int
parse_sched_flags (const struct holo_jloc *loc, yajl_val sched, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "flags");
  cleanup_strv char **flags = NULL;

  if (holo_j_strv (loc, sched, "flags", &flags, err) < 0)
    return -1;
  for (size_t i = 0; flags && flags[i]; i++)
    {
      const struct name_value *nv = lookup (sched_flags, flags[i]);
      if (nv == NULL)
        {
          cleanup_free char *epath = holo_j_join_index (path, i);
          struct holo_jloc eloc = { loc->file, epath };
          return holo_j_fail (err, &eloc, NULL, "unknown scheduler flag \"%s\"", flags[i]);
        }
      p->sched_flags |= (uint64_t) nv->value;
    }
  return 0;
}

static int
parse_scheduler (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  cleanup_free char *path = sub_path (loc, "scheduler");
  struct holo_jloc sloc = { loc->file, path };
  cleanup_free char *policy = NULL;
  const struct name_value *nv;
  int64_t nice = 0, priority = 0;
  yajl_val s;

  if (holo_j_object (loc, obj, "scheduler", false, &s, err) < 0)
    return -1;
  if (s == NULL)
    return 0;
  if (holo_j_string (&sloc, s, "policy", true, &policy, err) < 0)
    return -1;
  nv = lookup (sched_policies, policy);
  if (nv == NULL)
    return holo_j_fail (err, &sloc, "policy", "unknown scheduler policy \"%s\"", policy);
  if (holo_j_int (&sloc, s, "nice", false, -20, 19, &nice, NULL, err) < 0
      || holo_j_int (&sloc, s, "priority", false, INT32_MIN, INT32_MAX, &priority, NULL, err) < 0
      || parse_sched_flags (&sloc, s, p, err) < 0
      || holo_j_uint (&sloc, s, "runtime", false, UINT64_MAX, &p->sched_runtime, NULL, err) < 0
      || holo_j_uint (&sloc, s, "deadline", false, UINT64_MAX, &p->sched_deadline, NULL, err) < 0
      || holo_j_uint (&sloc, s, "period", false, UINT64_MAX, &p->sched_period, NULL, err) < 0)
    return -1;
  /* A static priority means something only to the real-time policies.  */
  if (priority != 0 && nv->value != SCHED_FIFO && nv->value != SCHED_RR)
    return holo_j_fail (err, &sloc, "priority", "can only be set with SCHED_FIFO or SCHED_RR");
  p->has_scheduler = true;
  p->sched_policy = nv->value;
  p->sched_nice = (int) nice;
  p->sched_priority = (int) priority;
  return 0;
}

static int
parse_security (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  int64_t oom = 0;

  if (holo_j_bool (loc, obj, "noNewPrivileges", &p->no_new_privileges, err) < 0
      || holo_j_string (loc, obj, "apparmorProfile", false, &p->apparmor_profile, err) < 0
      || holo_j_string (loc, obj, "selinuxLabel", false, &p->selinux_label, err) < 0
      || holo_j_int (loc, obj, "oomScoreAdj", false, -1000, 1000, &oom, &p->has_oom_score_adj, err) < 0)
    return -1;
  p->oom_score_adj = (int) oom;
  return 0;
}

int
holo_parse_process_object (const struct holo_jloc *loc, yajl_val obj, struct holo_process *p, holo_error_t *err)
{
  if (holo_j_bool (loc, obj, "terminal", &p->terminal, err) < 0 || parse_console_size (loc, obj, p, err) < 0
      || parse_user (loc, obj, p, err) < 0 || parse_args (loc, obj, p, err) < 0
      || holo_j_string (loc, obj, "commandLine", false, &p->command_line, err) < 0 || parse_env (loc, obj, p, err) < 0
      || parse_cwd (loc, obj, p, err) < 0 || parse_capabilities (loc, obj, &p->caps, err) < 0
      || parse_rlimits (loc, obj, p, err) < 0 || parse_security (loc, obj, p, err) < 0
      || parse_io_priority (loc, obj, p, err) < 0 || parse_scheduler (loc, obj, p, err) < 0)
    return -1;
  return 0;
}

void
holo_process_clear (struct holo_process *p)
{
  free (p->additional_gids);
  holo_strv_free (p->args);
  free (p->command_line);
  holo_strv_free (p->env);
  free (p->cwd);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free (p->rlimits[i].name);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  memset (p, 0, sizeof *p);
}

void
holo_process_free (struct holo_process *p)
{
  if (p == NULL)
    return;
  holo_process_clear (p);
  free (p);
}

int
holo_spec_parse_process (const char *json, size_t len, struct holo_process **out, yajl_val *tree_out, holo_error_t *err)
{
  struct holo_jloc loc = { "process.json", "" };
  struct holo_process *p;
  yajl_val tree;

  if (holo_j_parse_tree (loc.file, json, len, &tree, err) < 0)
    return -1;
  p = holo_xmalloc (sizeof *p);
  if (holo_parse_process_object (&loc, tree, p, err) < 0)
    {
      holo_process_free (p);
      yajl_tree_free (tree);
      return -1;
    }
  *out = p;
  if (tree_out)
    *tree_out = tree;
  else
    yajl_tree_free (tree);
  return 0;
}
