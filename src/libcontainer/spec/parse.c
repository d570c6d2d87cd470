/* config.json: the typed getters every section parser uses, and the top
   level of the document (ociVersion, root, hostname, mounts, hooks,
   annotations).  process and linux live in parse_process.c/parse_linux.c.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "parse_internal.h"
#include "../rootfs/rootfs.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <string.h>

yajl_val
holo_j_member (yajl_val obj, const char *key)
{
  yajl_val found = NULL;

  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      found = obj->u.object.values[i];
  return YAJL_IS_NULL (found) ? NULL : found;
}

static bool
is_identifier (const char *key)
{
  if (*key == '\0')
    return false;
  for (const char *p = key; *p; p++)
    if (!isalnum ((unsigned char) *p) && *p != '_')
      return false;
  return true;
}

char *
holo_j_join (const char *path, const char *key)
{
  if (!is_identifier (key))
    return holo_xasprintf ("%s[\"%s\"]", path, key);
  if (*path == '\0')
    return holo_xstrdup (key);
  return holo_xasprintf ("%s.%s", path, key);
}

char *
holo_j_join_index (const char *path, size_t i)
{
  return holo_xasprintf ("%s[%zu]", path, i);
}

int
holo_j_fail (holo_error_t *err, const struct holo_jloc *loc, const char *key, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  cleanup_free char *path = key ? holo_j_join (loc->path, key) : holo_xstrdup (loc->path);
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (*path == '\0')
    return holo_make_error (err, 0, "%s: %s", loc->file, msg);
  return holo_make_error (err, 0, "%s: %s: %s", loc->file, path, msg);
}

bool
holo_j_is_abs (const char *path)
{
  return path != NULL && path[0] == '/';
}

int
holo_j_string (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, char **out, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  *out = NULL;
  if (v == NULL)
    return required ? holo_j_fail (err, loc, key, "must be specified") : 0;
  if (!YAJL_IS_STRING (v))
    return holo_j_fail (err, loc, key, "must be a string");
  *out = holo_xstrdup (YAJL_GET_STRING (v));
  return 0;
}

int
holo_j_bool (const struct holo_jloc *loc, yajl_val obj, const char *key, bool *out, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return holo_j_fail (err, loc, key, "must be a boolean");
  *out = YAJL_IS_TRUE (v);
  return 0;
}

/* The number as written, when it is an integer ("-12", not "1.0" or "1e3").  */
static const char *
integer_text (yajl_val v)
{
  const char *s;

  if (!YAJL_IS_NUMBER (v) || YAJL_GET_NUMBER (v) == NULL)
    return NULL;
  s = YAJL_GET_NUMBER (v);
  for (const char *p = *s == '-' ? s + 1 : s; *p; p++)
    if (!isdigit ((unsigned char) *p))
      return NULL;
  return s;
}

int
holo_j_to_uint (const struct holo_jloc *loc, const char *key, yajl_val v, uint64_t max, uint64_t *out,
                holo_error_t *err)
{
  const char *s = integer_text (v);
  unsigned long long r;
  char *end;

  if (s == NULL || *s == '-')
    return holo_j_fail (err, loc, key, "must be a non-negative integer");
  errno = 0;
  r = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || r > max)
    return holo_j_fail (err, loc, key, "must be an integer between 0 and %" PRIu64, max);
  *out = r;
  return 0;
}

int
holo_j_to_int (const struct holo_jloc *loc, const char *key, yajl_val v, int64_t min, int64_t max, int64_t *out,
               holo_error_t *err)
{
  const char *s = integer_text (v);
  long long r;
  char *end;

  if (s == NULL)
    return holo_j_fail (err, loc, key, "must be an integer");
  errno = 0;
  r = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0' || r < min || r > max)
    return holo_j_fail (err, loc, key, "must be an integer between %" PRId64 " and %" PRId64, min, max);
  *out = r;
  return 0;
}

int
holo_j_uint (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, uint64_t max, uint64_t *out,
             bool *present, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  if (present)
    *present = v != NULL;
  if (v == NULL)
    return required ? holo_j_fail (err, loc, key, "must be specified") : 0;
  return holo_j_to_uint (loc, key, v, max, out, err);
}

int
holo_j_int (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, int64_t min, int64_t max,
            int64_t *out, bool *present, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  if (present)
    *present = v != NULL;
  if (v == NULL)
    return required ? holo_j_fail (err, loc, key, "must be specified") : 0;
  return holo_j_to_int (loc, key, v, min, max, out, err);
}

int
holo_j_object (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, yajl_val *out,
               holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  *out = NULL;
  if (v == NULL)
    return required ? holo_j_fail (err, loc, key, "must be specified") : 0;
  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, key, "must be an object");
  *out = v;
  return 0;
}

int
holo_j_array (const struct holo_jloc *loc, yajl_val obj, const char *key, bool required, yajl_val *out,
              holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);

  *out = NULL;
  if (v == NULL)
    return required ? holo_j_fail (err, loc, key, "must be specified") : 0;
  if (!YAJL_IS_ARRAY (v))
    return holo_j_fail (err, loc, key, "must be an array");
  *out = v;
  return 0;
}

int
holo_j_strv (const struct holo_jloc *loc, yajl_val obj, const char *key, char ***out, holo_error_t *err)
{
  yajl_val v = holo_j_member (obj, key);
  cleanup_strv char **r = NULL;
  size_t n;

  *out = NULL;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_ARRAY (v))
    return holo_j_fail (err, loc, key, "must be an array of strings");
  n = v->u.array.len;
  r = holo_xmalloc ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      yajl_val e = v->u.array.values[i];
      if (!YAJL_IS_STRING (e))
        {
          cleanup_free char *path = holo_j_join (loc->path, key);
          cleanup_free char *epath = holo_j_join_index (path, i);
          struct holo_jloc eloc = { loc->file, epath };
          return holo_j_fail (err, &eloc, NULL, "must be a string");
        }
      r[i] = holo_xstrdup (YAJL_GET_STRING (e));
    }
  *out = steal_pointer (&r);
  return 0;
}

static int
parse_idmap (const struct holo_jloc *loc, yajl_val v, struct holo_idmap *m, holo_error_t *err)
{
  uint64_t container_id = 0, host_id = 0, size = 0;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_uint (loc, v, "containerID", true, UINT32_MAX, &container_id, NULL, err) < 0
      || holo_j_uint (loc, v, "hostID", true, UINT32_MAX, &host_id, NULL, err) < 0
      || holo_j_uint (loc, v, "size", true, UINT32_MAX, &size, NULL, err) < 0)
    return -1;
  if (size == 0)
    return holo_j_fail (err, loc, "size", "must be greater than 0");
  m->container_id = (uint32_t) container_id;
  m->host_id = (uint32_t) host_id;
  m->size = (uint32_t) size;
  return 0;
}

int
holo_j_idmaps (const struct holo_jloc *loc, yajl_val obj, const char *key, struct holo_idmap **out, size_t *n,
               holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, key);
  yajl_val arr;

  if (holo_j_array (loc, obj, key, false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  *out = holo_xmalloc (arr->u.array.len * sizeof (struct holo_idmap));
  *n = arr->u.array.len;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      if (parse_idmap (&eloc, arr->u.array.values[i], &(*out)[i], err) < 0)
        return -1;
    }
  return 0;
}

/* Namespaces: config.json type name, /proc/PID/ns name, clone flag.  */
static const struct
{
  const char *spec_name;
  const char *proc_name;
  int flag;
} ns_table[HOLO_NS_COUNT] = {
  [HOLO_NS_USER] = { "user", "user", CLONE_NEWUSER },
  [HOLO_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [HOLO_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
  [HOLO_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [HOLO_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [HOLO_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
  [HOLO_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [HOLO_NS_TIME] = { "time", "time", 0x00000080 /* CLONE_NEWTIME */ },
};

int
holo_ns_clone_flag (enum holo_ns_kind kind)
{
  return (unsigned) kind < HOLO_NS_COUNT ? ns_table[kind].flag : 0;
}

const char *
holo_ns_proc_name (enum holo_ns_kind kind)
{
  return (unsigned) kind < HOLO_NS_COUNT ? ns_table[kind].proc_name : NULL;
}

const char *
holo_ns_spec_name (enum holo_ns_kind kind)
{
  return (unsigned) kind < HOLO_NS_COUNT ? ns_table[kind].spec_name : NULL;
}

static int
parse_root (const struct holo_jloc *top, yajl_val tree, struct holo_spec *spec, holo_error_t *err)
{
  struct holo_jloc loc = { top->file, "root" };
  yajl_val root;

  if (holo_j_object (top, tree, "root", false, &root, err) < 0)
    return -1;
  /* Optional in the spec (Windows Hyper-V), required on Linux.  */
  if (root == NULL)
    return holo_j_fail (err, top, "root", "must be specified");
  if (holo_j_string (&loc, root, "path", true, &spec->root_path, err) < 0)
    return -1;
  if (spec->root_path[0] == '\0')
    return holo_j_fail (err, &loc, "path", "must not be empty");
  return holo_j_bool (&loc, root, "readonly", &spec->root_readonly, err);
}

static bool
mount_is_bind (const struct holo_mount *m, const struct holo_mount_flags *flags)
{
  return flags->bind || (m->type && strcmp (m->type, "bind") == 0);
}

static int
parse_mount (const struct holo_jloc *loc, yajl_val v, struct holo_mount *m, holo_error_t *err)
{
  struct holo_mount_flags flags = { 0 };
  int ret;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_string (loc, v, "destination", true, &m->destination, err) < 0)
    return -1;
  if (!holo_j_is_abs (m->destination))
    return holo_j_fail (err, loc, "destination", "must be an absolute path");
  if (holo_j_string (loc, v, "type", false, &m->type, err) < 0
      || holo_j_string (loc, v, "source", false, &m->source, err) < 0
      || holo_j_strv (loc, v, "options", &m->options, err) < 0
      || holo_j_idmaps (loc, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err) < 0
      || holo_j_idmaps (loc, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err) < 0)
    return -1;
  holo_j_strv_ensure (&m->options);

  ret = holo_parse_mount_options (m->options, &flags, err);
  free (flags.data);
  if (ret < 0)
    return holo_error_prefix (err, "%s: %s", loc->file, loc->path);
  if (mount_is_bind (m, &flags) && (m->source == NULL || m->source[0] == '\0'))
    return holo_j_fail (err, loc, "source", "must be specified for bind mounts");
  return 0;
}

static int
parse_mounts (const struct holo_jloc *top, yajl_val tree, struct holo_spec *spec, holo_error_t *err)
{
  yajl_val arr;

  if (holo_j_array (top, tree, "mounts", false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  spec->mounts = holo_xmalloc (arr->u.array.len * sizeof (struct holo_mount));
  spec->n_mounts = arr->u.array.len;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = holo_j_join_index ("mounts", i);
      struct holo_jloc loc = { top->file, path };
      if (parse_mount (&loc, arr->u.array.values[i], &spec->mounts[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_hook (const struct holo_jloc *loc, yajl_val v, struct holo_hook *h, holo_error_t *err)
{
  int64_t timeout = 0;
  bool has_timeout = false;

  if (!YAJL_IS_OBJECT (v))
    return holo_j_fail (err, loc, NULL, "must be an object");
  if (holo_j_string (loc, v, "path", true, &h->path, err) < 0)
    return -1;
  if (!holo_j_is_abs (h->path))
    return holo_j_fail (err, loc, "path", "must be an absolute path");
  if (holo_j_strv (loc, v, "args", &h->args, err) < 0 || holo_j_strv (loc, v, "env", &h->env, err) < 0
      || holo_j_int (loc, v, "timeout", false, INT_MIN, INT_MAX, &timeout, &has_timeout, err) < 0)
    return -1;
  if (has_timeout && timeout <= 0)
    return holo_j_fail (err, loc, "timeout", "must be greater than 0");
  h->timeout = (int) timeout;
  return 0;
}

static int
parse_hook_list (const struct holo_jloc *loc, yajl_val hooks, const char *kind, struct holo_hook_list *list,
                 holo_error_t *err)
{
  cleanup_free char *path = holo_j_join (loc->path, kind);
  yajl_val arr;

  if (holo_j_array (loc, hooks, kind, false, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  list->hooks = holo_xmalloc (arr->u.array.len * sizeof (struct holo_hook));
  list->n = arr->u.array.len;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *epath = holo_j_join_index (path, i);
      struct holo_jloc eloc = { loc->file, epath };
      if (parse_hook (&eloc, arr->u.array.values[i], &list->hooks[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_hooks (const struct holo_jloc *top, yajl_val tree, struct holo_hooks *h, holo_error_t *err)
{
  struct holo_jloc loc = { top->file, "hooks" };
  yajl_val hooks;

  if (holo_j_object (top, tree, "hooks", false, &hooks, err) < 0)
    return -1;
  if (hooks == NULL)
    return 0;
  if (parse_hook_list (&loc, hooks, "prestart", &h->prestart, err) < 0
      || parse_hook_list (&loc, hooks, "createRuntime", &h->create_runtime, err) < 0
      || parse_hook_list (&loc, hooks, "createContainer", &h->create_container, err) < 0
      || parse_hook_list (&loc, hooks, "startContainer", &h->start_container, err) < 0
      || parse_hook_list (&loc, hooks, "poststart", &h->poststart, err) < 0
      || parse_hook_list (&loc, hooks, "poststop", &h->poststop, err) < 0)
    return -1;
  return 0;
}

static int
parse_annotations (const struct holo_jloc *top, yajl_val tree, struct holo_spec *spec, holo_error_t *err)
{
  struct holo_jloc loc = { top->file, "annotations" };
  yajl_val obj;

  if (holo_j_object (top, tree, "annotations", false, &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  spec->annotations = holo_xmalloc (obj->u.object.len * sizeof (struct holo_kv));
  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      const char *key = obj->u.object.keys[i];
      yajl_val v = obj->u.object.values[i];
      if (!YAJL_IS_STRING (v))
        return holo_j_fail (err, &loc, key, "must be a string");
      spec->annotations[i].key = holo_xstrdup (key);
      spec->annotations[i].value = holo_xstrdup (YAJL_GET_STRING (v));
      spec->n_annotations++;
    }
  return 0;
}

static int
parse_names (const struct holo_jloc *top, yajl_val tree, struct holo_spec *spec, holo_error_t *err)
{
  if (holo_j_string (top, tree, "hostname", false, &spec->hostname, err) < 0
      || holo_j_string (top, tree, "domainname", false, &spec->domainname, err) < 0)
    return -1;
  /* Setting them without a UTS namespace would rename the host.  */
  if (spec->hostname && spec->hostname[0] && !spec->linux_.namespaces[HOLO_NS_UTS].present)
    return holo_j_fail (err, top, "hostname", "cannot be set without a UTS namespace in linux.namespaces");
  if (spec->domainname && spec->domainname[0] && !spec->linux_.namespaces[HOLO_NS_UTS].present)
    return holo_j_fail (err, top, "domainname", "cannot be set without a UTS namespace in linux.namespaces");
  return 0;
}

static int
parse_document (const char *file, yajl_val tree, struct holo_spec *spec, holo_error_t *err)
{
  struct holo_jloc top = { file, "" };
  struct holo_jloc process_loc = { file, "process" };
  struct holo_jloc linux_loc = { file, "linux" };
  yajl_val process, linux_obj;

  if (holo_j_string (&top, tree, "ociVersion", true, &spec->oci_version, err) < 0)
    return -1;
  if (spec->oci_version[0] == '\0')
    return holo_j_fail (err, &top, "ociVersion", "must not be empty");
  if (parse_root (&top, tree, spec, err) < 0 || parse_mounts (&top, tree, spec, err) < 0)
    return -1;

  if (holo_j_object (&top, tree, "process", false, &process, err) < 0)
    return -1;
  spec->has_process = process != NULL;
  if (process && holo_parse_process_object (&process_loc, process, &spec->process, err) < 0)
    return -1;

  /* Parsed even when absent so the defaults (empty path lists) are set.  */
  if (holo_j_object (&top, tree, "linux", false, &linux_obj, err) < 0
      || holo_parse_linux_object (&linux_loc, linux_obj, &spec->linux_, err) < 0)
    return -1;

  if (parse_names (&top, tree, spec, err) < 0 || parse_hooks (&top, tree, &spec->hooks, err) < 0
      || parse_annotations (&top, tree, spec, err) < 0)
    return -1;
  return 0;
}

static int
parse_named (const char *file, const char *json, size_t len, struct holo_spec **out, holo_error_t *err)
{
  cleanup_spec struct holo_spec *spec = holo_xmalloc (sizeof *spec);

  if (holo_j_parse_tree (file, json, len, &spec->tree, err) < 0)
    return -1;
  if (parse_document (file, spec->tree, spec, err) < 0)
    return -1;
  *out = steal_pointer (&spec);
  return 0;
}

int
holo_spec_parse (const char *json, size_t len, struct holo_spec **out, holo_error_t *err)
{
  return parse_named ("config.json", json, len, out, err);
}

int
holo_spec_load (const char *path, struct holo_spec **out, holo_error_t *err)
{
  cleanup_free char *text = NULL;
  const char *base = strrchr (path, '/');
  size_t len = 0;

  if (holo_read_file (path, &text, &len, err) < 0)
    return -1;
  base = base ? base + 1 : path;
  return parse_named (*base ? base : path, text, len, out, err);
}

const char *
holo_spec_annotation (const struct holo_spec *spec, const char *key)
{
  const char *found = NULL;

  for (size_t i = 0; spec && i < spec->n_annotations; i++)
    if (strcmp (spec->annotations[i].key, key) == 0)
      found = spec->annotations[i].value;
  return found;
}

static void
free_hook_list (struct holo_hook_list *list)
{
  for (size_t i = 0; i < list->n; i++)
    {
      free (list->hooks[i].path);
      holo_strv_free (list->hooks[i].args);
      holo_strv_free (list->hooks[i].env);
    }
  free (list->hooks);
}

static void
free_mount (struct holo_mount *m)
{
  free (m->destination);
  free (m->type);
  free (m->source);
  holo_strv_free (m->options);
  free (m->uid_mappings);
  free (m->gid_mappings);
}

void
holo_spec_free (struct holo_spec *spec)
{
  if (spec == NULL)
    return;
  free (spec->oci_version);
  free (spec->root_path);
  free (spec->hostname);
  free (spec->domainname);
  for (size_t i = 0; i < spec->n_mounts; i++)
    free_mount (&spec->mounts[i]);
  free (spec->mounts);
  holo_process_clear (&spec->process);
  holo_linux_clear (&spec->linux_);
  free_hook_list (&spec->hooks.prestart);
  free_hook_list (&spec->hooks.create_runtime);
  free_hook_list (&spec->hooks.create_container);
  free_hook_list (&spec->hooks.start_container);
  free_hook_list (&spec->hooks.poststart);
  free_hook_list (&spec->hooks.poststop);
  for (size_t i = 0; i < spec->n_annotations; i++)
    {
      free (spec->annotations[i].key);
      free (spec->annotations[i].value);
    }
  free (spec->annotations);
  yajl_tree_free (spec->tree);
  free (spec);
}
