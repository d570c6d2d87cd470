#define _GNU_SOURCE
#include "store.h"
#include "json.h"
#include "utils.h"
#include "cgroups/cgroups.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

void
holo_state_free (struct holo_state *s)
{
  if (s == NULL)
    return;
  free (s->id);
  free (s->bundle);
  free (s->rootfs);
  free (s->created);
  free (s->owner);
  for (size_t i = 0; i < s->n_annotations; i++)
    {
      free (s->annotations[i].key);
      free (s->annotations[i].value);
    }
  free (s->annotations);
  free (s->cgroup_path);
  free (s->systemd_unit);
  free (s->extra_json);
  free (s->extra_state);
  free (s);
}

/* runc's rule: letters, digits and "_+-." only, so an id is always a
   plain file name (and never "." or "..").  */
int
holo_validate_id (const char *id, holo_error_t *err)
{
  if (id == NULL || *id == '\0')
    return holo_make_error (err, 0, "container id cannot be empty");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return holo_make_error (err, 0, "invalid id format: %s", id);
  if (strlen (id) > 1024)
    return holo_make_error (err, 0, "invalid id format: longer than 1024 bytes");
  for (const unsigned char *p = (const unsigned char *) id; *p; p++)
    if (!isalnum (*p) && *p != '_' && *p != '+' && *p != '-' && *p != '.')
      return holo_make_error (err, 0, "invalid id format: %s", id);
  return 0;
}

int
holo_store_open_root (const char *root, holo_error_t *err)
{
  if (holo_mkdir_p (root, 0700, err) < 0)
    return holo_error_prefix (err, "create state root");
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open state root `%s`", root);
  return fd;
}

int
holo_store_create (int root_fd, const char *id, holo_error_t *err)
{
  if (mkdirat (root_fd, id, 0711) < 0)
    {
      if (errno == EEXIST)
        return holo_make_error (err, 0, "container with id exists: %s", id);
      return holo_make_error (err, errno, "create state directory for `%s`", id);
    }
  int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open state directory for `%s`", id);
  if (flock (fd, LOCK_EX) < 0)
    {
      int saved = errno;
      close (fd);
      return holo_make_error (err, saved, "lock state directory for `%s`", id);
    }
  return fd;
}

int
holo_store_open (int root_fd, const char *id, int lock, holo_error_t *err)
{
  int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return holo_make_error (err, 0, "container does not exist");
      return holo_make_error (err, errno, "open state directory for `%s`", id);
    }
  if (lock && flock (fd, lock) < 0)
    {
      int saved = errno;
      close (fd);
      return holo_make_error (err, saved, "lock state directory for `%s`", id);
    }
  /* A directory removed by a concurrent delete while we waited for the lock. */
  struct stat st;
  if (fstat (fd, &st) == 0 && st.st_nlink == 0)
    {
      close (fd);
      return holo_make_error (err, 0, "container does not exist");
    }
  return fd;
}

int
holo_store_remove (int root_fd, const char *id, holo_error_t *err)
{
  cleanup_close int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return holo_make_error (err, errno, "open state directory for `%s`", id);
    }
  cleanup_dir DIR *d = fdopendir (dup (fd));
  if (d == NULL)
    return holo_make_error (err, errno, "read state directory for `%s`", id);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (fd, de->d_name, 0) < 0 && errno != ENOENT)
        {
          /* Subsystems may keep a subdirectory (e.g. a cache); remove one level. */
          if (errno == EISDIR)
            {
              cleanup_close int sub = openat (fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
              cleanup_dir DIR *sd = sub >= 0 ? fdopendir (dup (sub)) : NULL;
              struct dirent *se;
              while (sd && (se = readdir (sd)))
                if (strcmp (se->d_name, ".") && strcmp (se->d_name, ".."))
                  unlinkat (sub, se->d_name, 0);
              if (unlinkat (fd, de->d_name, AT_REMOVEDIR) == 0)
                continue;
            }
          return holo_make_error (err, errno, "remove `%s` from state directory", de->d_name);
        }
    }
  if (unlinkat (root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return holo_make_error (err, errno, "remove state directory for `%s`", id);
  return 0;
}

/* ---- state.json ---- */

static void
gen_annotations (yajl_gen g, const struct holo_state *s)
{
  holo_json_str (g, "annotations");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < s->n_annotations; i++)
    holo_json_key_str (g, s->annotations[i].key, s->annotations[i].value);
  yajl_gen_map_close (g);
}

int
holo_state_write (int dir_fd, const struct holo_state *s, holo_error_t *err)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_key_str (g, "id", s->id);
  holo_json_str (g, "pid");
  yajl_gen_integer (g, s->pid);
  holo_json_str (g, "pid_starttime");
  yajl_gen_integer (g, (long long) s->pid_starttime);
  holo_json_key_str (g, "bundle", s->bundle);
  holo_json_key_str (g, "rootfs", s->rootfs);
  holo_json_key_str (g, "created", s->created);
  holo_json_key_str (g, "owner", s->owner);
  gen_annotations (g, s);
  holo_json_str (g, "creating");
  yajl_gen_bool (g, s->creating);
  if (s->cgroup_path)
    holo_json_key_str (g, "cgroup_path", s->cgroup_path);
  if (s->systemd_unit)
    {
      holo_json_key_str (g, "systemd_unit", s->systemd_unit);
      holo_json_str (g, "systemd_user");
      yajl_gen_bool (g, s->systemd_user);
    }
  if (s->extra_json)
    holo_json_key_str (g, "extra", s->extra_json);
  if (s->extra_state)
    holo_json_key_str (g, "extra_state", s->extra_state);
  if (s->late_hooks_known)
    {
      holo_json_key_bool (g, "has_poststart", s->has_poststart);
      holo_json_key_bool (g, "has_poststop", s->has_poststop);
    }
  yajl_gen_map_close (g);
  cleanup_free char *json = holo_json_finish (g, NULL);
  return holo_write_file_atomic_at (dir_fd, HOLO_STATE_FILE, json, strlen (json), err);
}

static char *
tree_string (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return v ? holo_xstrdup (YAJL_GET_STRING (v)) : NULL;
}

static long long
tree_integer (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
holo_state_read (int dir_fd, struct holo_state **out, holo_error_t *err)
{
  cleanup_free char *buf = NULL;
  char errbuf[256];
  if (holo_read_file_at (dir_fd, HOLO_STATE_FILE, &buf, NULL, err) < 0)
    return -1;
  yajl_val root = yajl_tree_parse (buf, errbuf, sizeof errbuf);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      return holo_make_error (err, 0, "corrupt state file: %s", errbuf);
    }
  struct holo_state *s = holo_xmalloc (sizeof *s);
  s->id = tree_string (root, "id");
  s->pid = (pid_t) tree_integer (root, "pid");
  s->pid_starttime = (unsigned long long) tree_integer (root, "pid_starttime");
  s->bundle = tree_string (root, "bundle");
  s->rootfs = tree_string (root, "rootfs");
  s->created = tree_string (root, "created");
  s->owner = tree_string (root, "owner");
  s->cgroup_path = tree_string (root, "cgroup_path");
  s->systemd_unit = tree_string (root, "systemd_unit");
  const char *upath[] = { "systemd_user", NULL };
  yajl_val su = yajl_tree_get (root, upath, yajl_t_any);
  s->systemd_user = su && YAJL_IS_TRUE (su);
  s->extra_json = tree_string (root, "extra");
  s->extra_state = tree_string (root, "extra_state");
  const char *cpath[] = { "creating", NULL };
  yajl_val c = yajl_tree_get (root, cpath, yajl_t_any);
  s->creating = c && YAJL_IS_TRUE (c);
  const char *ppath[] = { "has_poststart", NULL }, *spath[] = { "has_poststop", NULL };
  yajl_val post_start = yajl_tree_get (root, ppath, yajl_t_any);
  yajl_val post_stop = yajl_tree_get (root, spath, yajl_t_any);
  s->late_hooks_known = post_start && post_stop;
  s->has_poststart = !s->late_hooks_known || YAJL_IS_TRUE (post_start);
  s->has_poststop = !s->late_hooks_known || YAJL_IS_TRUE (post_stop);
  const char *apath[] = { "annotations", NULL };
  yajl_val a = yajl_tree_get (root, apath, yajl_t_object);
  if (a)
    {
      size_t n = YAJL_GET_OBJECT (a)->len;
      s->annotations = holo_xmalloc ((n + 1) * sizeof *s->annotations);
      for (size_t i = 0; i < n; i++)
        {
          yajl_val v = YAJL_GET_OBJECT (a)->values[i];
          s->annotations[s->n_annotations].key = holo_xstrdup (YAJL_GET_OBJECT (a)->keys[i]);
          s->annotations[s->n_annotations].value = holo_xstrdup (YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "");
          s->n_annotations++;
        }
    }
  yajl_tree_free (root);
  *out = s;
  return 0;
}

bool
holo_state_process_alive (const struct holo_state *s)
{
  unsigned long long start;
  char st;
  if (s->pid <= 0 || holo_proc_stat (s->pid, &start, &st) < 0)
    return false;
  if (start != s->pid_starttime)
    return false; /* the pid was reused by another process */
  return st != 'Z' && st != 'X';
}

/* Another holo holds the lock: only create keeps it for long.  */
static bool
lock_held_elsewhere (int dir_fd)
{
  cleanup_close int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (flock (fd, LOCK_SH | LOCK_NB) < 0)
    return errno == EWOULDBLOCK;
  return false;
}

enum holo_status
holo_state_status (int dir_fd, const struct holo_state *s)
{
  if (s->creating)
    return lock_held_elsewhere (dir_fd) ? HOLO_STATUS_CREATING : HOLO_STATUS_STOPPED;
  /* Frozen first, as runc: a created container can be paused too, and a
     paused one whose init died stays paused until resumed.  */
  if (s->cgroup_path && holo_cgroup_is_frozen (s->cgroup_path))
    return HOLO_STATUS_PAUSED;
  if (!holo_state_process_alive (s))
    return HOLO_STATUS_STOPPED;
  if (faccessat (dir_fd, HOLO_EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return HOLO_STATUS_CREATED;
  return HOLO_STATUS_RUNNING;
}

const char *
holo_status_name (enum holo_status st)
{
  switch (st)
    {
    case HOLO_STATUS_CREATING:
      return "creating";
    case HOLO_STATUS_CREATED:
      return "created";
    case HOLO_STATUS_RUNNING:
      return "running";
    case HOLO_STATUS_PAUSED:
      return "paused";
    case HOLO_STATUS_STOPPED:
    default:
      return "stopped";
    }
}

static void
gen_tree (yajl_gen g, yajl_val v)
{
  if (YAJL_IS_STRING (v))
    holo_json_str (g, YAJL_GET_STRING (v));
  else if (YAJL_IS_INTEGER (v))
    yajl_gen_integer (g, YAJL_GET_INTEGER (v));
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, YAJL_GET_NUMBER (v), strlen (YAJL_GET_NUMBER (v)));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    yajl_gen_bool (g, YAJL_IS_TRUE (v));
  else if (YAJL_IS_OBJECT (v))
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < YAJL_GET_OBJECT (v)->len; i++)
        {
          holo_json_str (g, YAJL_GET_OBJECT (v)->keys[i]);
          gen_tree (g, YAJL_GET_OBJECT (v)->values[i]);
        }
      yajl_gen_map_close (g);
    }
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < YAJL_GET_ARRAY (v)->len; i++)
        gen_tree (g, YAJL_GET_ARRAY (v)->values[i]);
      yajl_gen_array_close (g);
    }
  else
    yajl_gen_null (g);
}

/* The extension's state fields (extension.h): the members of the object.  */
static void
gen_extra_state (yajl_gen g, const char *extra)
{
  if (extra == NULL)
    return;
  char errbuf[64];
  yajl_val root = yajl_tree_parse (extra, errbuf, sizeof errbuf);
  if (root && YAJL_IS_OBJECT (root))
    for (size_t i = 0; i < YAJL_GET_OBJECT (root)->len; i++)
      {
        holo_json_str (g, YAJL_GET_OBJECT (root)->keys[i]);
        gen_tree (g, YAJL_GET_OBJECT (root)->values[i]);
      }
  yajl_tree_free (root);
}

char *
holo_state_to_json (const struct holo_state *s, enum holo_status st, bool pretty)
{
  yajl_gen g = holo_json_new (pretty ? "  " : NULL);
  yajl_gen_map_open (g);
  holo_json_key_str (g, "ociVersion", OCI_SPEC_VERSION);
  holo_json_key_str (g, "id", s->id);
  holo_json_str (g, "pid");
  yajl_gen_integer (g, st == HOLO_STATUS_STOPPED ? 0 : s->pid);
  holo_json_key_str (g, "status", holo_status_name (st));
  holo_json_key_str (g, "bundle", s->bundle);
  holo_json_key_str (g, "rootfs", s->rootfs);
  holo_json_key_str (g, "created", s->created);
  holo_json_key_str (g, "owner", s->owner);
  gen_annotations (g, s);
  gen_extra_state (g, s->extra_state);
  yajl_gen_map_close (g);
  return holo_json_finish (g, NULL);
}
