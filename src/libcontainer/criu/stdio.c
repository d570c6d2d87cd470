/* The container's stdio belongs to whoever started it (a shim's pipes, a
   log file, a terminal): it cannot come back from the image.  At dump each
   of the init's fds 0-2 is classified:
     pipe:[N]                  CRIU dumps the pipe; at restore the key
                               "pipe:[N]" lets the new process inherit ours
     a file outside the        external "file[MNT_ID:INODE]" (hex), or
     container's mounts        "tty[RDEV:DEV]" for a terminal
     anything else             restored from the image as it is
   and the key recorded in HOLO_CRIU_STDIO_FILE in the image directory.  At
   restore, each recorded key gets inherit_fd with our own fd of the same
   number, so `restore --detach` hands the container our stdio, as runc's
   callers (containerd's shim) expect.  */
#define _GNU_SOURCE
#include "criu.h"
#include "../json.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

static int
fd_mount_id (pid_t pid, int fd)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/fdinfo/%d", (int) pid, fd);
  cleanup_free char *buf = NULL;
  cleanup_error holo_error_t ignored = NULL;

  if (holo_read_file (path, &buf, NULL, &ignored) < 0)
    return -1;
  const char *p = strstr (buf, "mnt_id:");
  return p ? atoi (p + 7) : -1;
}

static bool
mount_is_visible (const struct holo_criu_mount *mounts, size_t n, int id)
{
  for (size_t i = 0; i < n; i++)
    if (mounts[i].id == id)
      return true;
  return false;
}

/* Terminals: the tty drivers (major 4), /dev/tty and /dev/console (5),
   and the pty slaves (136-143).  */
static bool
is_tty (const struct stat *st)
{
  unsigned maj = major (st->st_rdev);
  return S_ISCHR (st->st_mode) && (maj == 4 || maj == 5 || (maj >= 136 && maj <= 143));
}

/* The key for PID's fd FD, or NULL when CRIU restores it from the image.  */
static char *
classify_fd (CriuOpts *o, pid_t pid, int fd, const struct holo_criu_mount *mounts, size_t n)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/fd/%d", (int) pid, fd);
  char link[4096];
  struct stat st;
  ssize_t len = readlink (path, link, sizeof link - 1);
  char *key;

  if (len < 0)
    return NULL; /* closed */
  link[len] = '\0';
  if (strncmp (link, "pipe:", 5) == 0)
    return holo_xstrdup (link);
  if (link[0] != '/' || stat (path, &st) < 0)
    return NULL; /* sockets, anonymous inodes: --ext-unix-sk and friends */
  int mnt_id = fd_mount_id (pid, fd);
  if (mnt_id < 0 || mount_is_visible (mounts, n, mnt_id))
    return NULL;
  if (is_tty (&st))
    key = holo_xasprintf ("tty[%" PRIx64 ":%" PRIx64 "]", (uint64_t) st.st_rdev, (uint64_t) st.st_dev);
  else
    key = holo_xasprintf ("file[%x:%" PRIx64 "]", (unsigned) mnt_id, (uint64_t) st.st_ino);
  holo_criu_add_external (o, key);
  return key;
}

static int
write_record (int images_fd, char *const keys[3], holo_error_t *err)
{
  yajl_gen g = holo_json_new (NULL);
  size_t len;

  yajl_gen_map_open (g);
  holo_json_str (g, "stdio");
  yajl_gen_array_open (g);
  for (int i = 0; i < 3; i++)
    if (keys[i])
      holo_json_str (g, keys[i]);
    else
      yajl_gen_null (g);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  cleanup_free char *doc = holo_json_finish (g, &len);
  return holo_write_file_at (images_fd, HOLO_CRIU_STDIO_FILE, doc, len, err);
}

int
holo_criu_dump_stdio (CriuOpts *o, pid_t pid, int images_fd, holo_error_t *err)
{
  struct holo_criu_mount *mounts = NULL;
  size_t n = 0;
  char *keys[3];
  int ret;

  if (holo_criu_read_mounts (pid, &mounts, &n, err) < 0)
    return holo_error_prefix (err, "read the container's mounts");
  for (int i = 0; i < 3; i++)
    keys[i] = classify_fd (o, pid, i, mounts, n);
  holo_criu_mounts_free (mounts, n);
  ret = write_record (images_fd, keys, err);
  for (int i = 0; i < 3; i++)
    free (keys[i]);
  return ret < 0 ? holo_error_prefix (err, "record the container's stdio") : 0;
}

static bool
already_inherited (const CriuOpts *o, const char *key)
{
  for (size_t i = 0; i < o->n_inherit_fd; i++)
    if (strcmp (o->inherit_fd[i]->key, key) == 0)
      return true;
  return false;
}

int
holo_criu_restore_stdio (CriuOpts *o, int images_fd, holo_error_t *err)
{
  cleanup_free char *buf = NULL;
  char errbuf[256];
  const char *path[] = { "stdio", NULL };

  if (faccessat (images_fd, HOLO_CRIU_STDIO_FILE, F_OK, 0) < 0)
    return 0; /* an image holo did not make: nothing to hand over */
  if (holo_read_file_at (images_fd, HOLO_CRIU_STDIO_FILE, &buf, NULL, err) < 0)
    return -1;
  yajl_val root = yajl_tree_parse (buf, errbuf, sizeof errbuf);
  yajl_val keys = root ? yajl_tree_get (root, path, yajl_t_array) : NULL;
  if (keys == NULL)
    {
      yajl_tree_free (root);
      return holo_make_error (err, 0, "%s in the image is corrupt", HOLO_CRIU_STDIO_FILE);
    }
  for (size_t i = 0; i < YAJL_GET_ARRAY (keys)->len && i < 3; i++)
    {
      yajl_val k = YAJL_GET_ARRAY (keys)->values[i];
      /* Our fd i takes the place of the container's, if we have one.  */
      if (!YAJL_IS_STRING (k) || fcntl ((int) i, F_GETFD) < 0 || already_inherited (o, YAJL_GET_STRING (k)))
        continue;
      holo_criu_add_inherit_fd (o, YAJL_GET_STRING (k), (int) i);
    }
  yajl_tree_free (root);
  return 0;
}
