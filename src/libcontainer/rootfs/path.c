/* Path resolution inside the container root.

   Every path the container image controls (mount destinations, device
   nodes, masked paths) is resolved with openat2(RESOLVE_IN_ROOT): the
   kernel treats the root fd as "/" for absolute symlinks and clamps ".."
   there, so a symlink such as "etc -> ../../../etc" in the image can never
   make us create or mount something on the host.  Magic links
   (/proc/self/fd/N and friends) are refused for the same reason.

   Also here: the recursive copy behind tmpcopyup and the reader of
   /proc/self/mountinfo, both about what lives at which path.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs_internal.h"
#include "../utils.h"

#include <errno.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

/* RESOLVE_IN_ROOT lookups fail with EAGAIN when a rename races with them;
   retrying a bounded number of times is what the kernel expects.  */
#define OPENAT2_EAGAIN_RETRIES 32

int
holo_openat_in_root (int root_fd, const char *path, int flags, mode_t mode)
{
  struct open_how how;
  int attempt;

  memset (&how, 0, sizeof (how));
  how.flags = (unsigned long long) (flags | O_CLOEXEC);
  /* openat2 insists on mode == 0 unless a file may be created.  */
  if (flags & (O_CREAT | O_TMPFILE))
    how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

  for (attempt = 0; attempt < OPENAT2_EAGAIN_RETRIES; attempt++)
    {
      int fd = (int) syscall (SYS_openat2, root_fd, path, &how, sizeof (how));
      if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
        return fd;
    }
  return -1;
}

static int
make_openat2_error (holo_error_t *err, int saved_errno, const char *what, const char *path)
{
  if (saved_errno == ENOSYS)
    return holo_make_error (err, 0, "%s `%s`: openat2(2) is not supported by this kernel (Linux >= 5.6 is required)",
                            what, path);
  return holo_make_error (err, saved_errno, "%s `%s` in the container root", what, path);
}

int
holo_open_in_root (int root_fd, const char *path, int flags, mode_t mode, holo_error_t *err)
{
  int fd = holo_openat_in_root (root_fd, path, flags, mode);
  if (fd < 0)
    return make_openat2_error (err, errno, "open", path);
  return fd;
}

/* How many dangling symlinks creation follows before giving up, like the
   kernel's limit for one path resolution.  */
#define MAX_CREATE_SYMLINKS 40

/* NAME in PARENT_FD exists but could not be resolved: if it is a dangling
   symlink, returns the path to create instead, its target (relative targets
   are relative to DIR, the path of PARENT_FD as written) followed by REST.
   Creating there is what runc does for e.g. an image's dangling
   /etc/resolv.conf; the new path is resolved inside the root again.  */
static char *
path_through_symlink (int parent_fd, const char *name, const char *dir, const char *rest)
{
  char target[4096];
  ssize_t n = readlinkat (parent_fd, name, target, sizeof (target) - 1);
  const char *sep = rest[0] ? "/" : "";

  if (n <= 0)
    return NULL;
  target[n] = '\0';
  if (target[0] == '/')
    return holo_xasprintf ("%s%s%s", target, sep, rest);
  return holo_xasprintf ("%s/%s%s%s", dir[0] ? dir : "/", target, sep, rest);
}

static int mkdir_in_root (int root_fd, const char *path, int depth, holo_error_t *err);

/* The walk below met NAME (the last component of PREFIX, followed by REST)
   missing.  Creates it in the resolved directory PARENT_FD and returns an fd
   on it, or, when NAME is a dangling symlink, creates the whole remaining
   path through it and returns the fd of the final directory (*DONE).  */
static int
create_component (int root_fd, int parent_fd, const char *prefix, const char *name, const char *rest, int depth,
                  bool *done, holo_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_free char *redirect = NULL;
  int fd;

  if (mkdirat (parent_fd, name, 0755) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s` in the container root", prefix);

  /* Open through the root again rather than relative to PARENT_FD, so that
     a symlink planted concurrently is still confined.  */
  fd = holo_openat_in_root (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : make_openat2_error (err, errno, "open directory", prefix);

  dir = strndup (prefix, (size_t) (name - prefix));
  if (dir == NULL)
    abort ();
  redirect = path_through_symlink (parent_fd, name, dir, rest);
  if (redirect == NULL)
    return holo_make_error (err, ENOENT, "mkdir `%s` in the container root", prefix);
  if (depth >= MAX_CREATE_SYMLINKS)
    return holo_make_error (err, ELOOP, "mkdir `%s` in the container root", prefix);
  *done = true;
  return mkdir_in_root (root_fd, redirect, depth + 1, err);
}

/* Walks PATH one component at a time; each prefix is resolved from the
   root again, so symlinks met on the way resolve inside the root.  */
static int
mkdir_in_root (int root_fd, const char *path, int depth, holo_error_t *err)
{
  cleanup_free char *prefix = NULL;
  cleanup_close int parent_fd = -1;
  char *cursor;
  int fd;

  /* Fast path: it usually exists already.  */
  fd = holo_openat_in_root (root_fd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_openat2_error (err, errno, "open directory", path);

  parent_fd = holo_openat_in_root (root_fd, "/", O_PATH | O_DIRECTORY, 0);
  if (parent_fd < 0)
    return make_openat2_error (err, errno, "open directory", "/");

  prefix = holo_xstrdup (path);
  cursor = prefix;
  while (*cursor)
    {
      bool done = false;
      char *name, *end;
      char saved;

      while (*cursor == '/')
        cursor++;
      if (*cursor == '\0')
        break;
      name = cursor;
      end = strchrnul (cursor, '/');
      saved = *end;
      *end = '\0'; /* PREFIX is now the path up to NAME; END + 1 the rest */

      fd = holo_openat_in_root (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
      if (fd < 0 && errno == ENOENT)
        fd = create_component (root_fd, parent_fd, prefix, name, saved ? end + 1 : "", depth, &done, err);
      else if (fd < 0)
        fd = make_openat2_error (err, errno, "open directory", prefix);
      if (fd < 0 || done)
        return fd;

      close (parent_fd);
      parent_fd = fd;
      *end = saved;
      cursor = end;
    }
  return steal_fd (&parent_fd);
}

int
holo_mkdir_in_root (int root_fd, const char *path, holo_error_t *err)
{
  return mkdir_in_root (root_fd, path, 0, err);
}

/* Splits PATH (trailing slashes ignored) into its parent directory (the
   return value) and its last component (*BASE); both malloc'ed.  */
static char *
split_last_component (const char *path, char **base)
{
  char *copy = holo_xstrdup (path);
  size_t len = strlen (copy);
  char *slash;

  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  slash = strrchr (copy, '/');
  if (slash == NULL)
    {
      *base = holo_xstrdup (copy);
      copy[0] = '.';
      copy[1] = '\0';
      return copy;
    }
  *base = holo_xstrdup (slash + 1);
  if (slash == copy)
    slash[1] = '\0';
  else
    *slash = '\0';
  return copy;
}

static int
ensure_file_in_root (int root_fd, const char *path, int depth, holo_error_t *err)
{
  cleanup_free char *base = NULL;
  cleanup_free char *dir = NULL;
  cleanup_free char *redirect = NULL;
  cleanup_close int parent_fd = -1;
  int fd;

  fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_openat2_error (err, errno, "open", path);

  dir = split_last_component (path, &base);
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return holo_make_error (err, 0, "cannot create a file at `%s`", path);
  parent_fd = mkdir_in_root (root_fd, dir, depth, err);
  if (parent_fd < 0)
    return -1;

  /* O_EXCL|O_NOFOLLOW: never open (and so never trigger) an existing
     device node or fifo, and never create through a symlink unchecked.  */
  fd = openat (parent_fd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0)
    close (fd);
  else if (errno != EEXIST)
    return holo_make_error (err, errno, "create `%s` in the container root", path);

  fd = holo_openat_in_root (root_fd, path, O_PATH, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : make_openat2_error (err, errno, "open", path);

  /* BASE exists and does not resolve: follow the dangling symlink.  */
  redirect = path_through_symlink (parent_fd, base, dir, "");
  if (redirect == NULL)
    return make_openat2_error (err, ENOENT, "open", path);
  if (depth >= MAX_CREATE_SYMLINKS)
    return holo_make_error (err, ELOOP, "create `%s` in the container root", path);
  return ensure_file_in_root (root_fd, redirect, depth + 1, err);
}

int
holo_ensure_in_root (int root_fd, const char *path, bool directory, holo_error_t *err)
{
  if (directory)
    return mkdir_in_root (root_fd, path, 0, err);
  return ensure_file_in_root (root_fd, path, 0, err);
}

const char *
holo_fd_proc_path (int fd, char *buf)
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

char *
holo_fd_path_in_root (int fd, const char *rootfs)
{
  char link[32];
  char target[4096];
  size_t root_len = strlen (rootfs);
  ssize_t n;

  n = readlink (holo_fd_proc_path (fd, link), target, sizeof (target) - 1);
  if (n < 0 || (size_t) n >= sizeof (target) - 1)
    return NULL;
  target[n] = '\0';

  while (root_len > 1 && rootfs[root_len - 1] == '/')
    root_len--;
  if (root_len == 1 && rootfs[0] == '/')
    return holo_xstrdup (target);
  if (strncmp (target, rootfs, root_len) != 0)
    return NULL;
  if (target[root_len] == '\0')
    return holo_xstrdup ("/");
  if (target[root_len] != '/')
    return NULL;
  return holo_xstrdup (target + root_len);
}

/* ---- tmpcopyup ---- */

static int copy_dir_contents (int src_dir, int dst_dir, const char *rel, holo_error_t *err);

static int
copy_file_data (int src_dir, int dst_dir, const char *name, const struct stat *st, holo_error_t *err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  char buf[65536];
  ssize_t n;

  if (in < 0)
    return holo_make_error (err, errno, "open `%s`", name);
  out = openat (dst_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
  if (out < 0)
    return holo_make_error (err, errno, "create `%s`", name);
  while ((n = read (in, buf, sizeof (buf))) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return holo_make_error (err, errno, "read `%s`", name);
      if (holo_write_all (out, buf, (size_t) n) < 0)
        return holo_make_error (err, errno, "write `%s`", name);
    }
  return 0;
}

static int
copy_subdir (int src_dir, int dst_dir, const char *name, const struct stat *st, const char *rel, holo_error_t *err)
{
  cleanup_close int child_src = -1;
  cleanup_close int child_dst = -1;
  cleanup_free char *child_rel = holo_xasprintf ("%s/%s", rel, name);

  if (mkdirat (dst_dir, name, st->st_mode & 07777) < 0 && errno != EEXIST)
    return holo_make_error (err, errno, "mkdir `%s`", child_rel);
  child_src = openat (src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child_src < 0)
    return holo_make_error (err, errno, "open `%s`", child_rel);
  child_dst = openat (dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child_dst < 0)
    return holo_make_error (err, errno, "open `%s`", child_rel);
  return copy_dir_contents (child_src, child_dst, child_rel, err);
}

static int
copy_symlink (int src_dir, int dst_dir, const char *name, holo_error_t *err)
{
  char target[4096];
  ssize_t n = readlinkat (src_dir, name, target, sizeof (target) - 1);

  if (n < 0)
    return holo_make_error (err, errno, "readlink `%s`", name);
  target[n] = '\0';
  if (symlinkat (target, dst_dir, name) < 0)
    return holo_make_error (err, errno, "symlink `%s`", name);
  return 0;
}

/* Owner first (chown clears set-id bits), then mode, then times.  Owners
   that are not mapped in a user namespace are kept as they come out.  */
static void
copy_metadata (int dst_dir, const char *name, const struct stat *st)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };

  if (fchownat (dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    holo_log_debug ("tmpcopyup: chown `%s`: %s", name, strerror (errno));
  if (!S_ISLNK (st->st_mode))
    fchmodat (dst_dir, name, st->st_mode & 07777, 0);
  utimensat (dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
}

static int
copy_entry (int src_dir, int dst_dir, const char *name, const char *rel, holo_error_t *err)
{
  struct stat st;
  int ret;

  if (fstatat (src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return holo_make_error (err, errno, "stat `%s/%s`", rel, name);

  if (S_ISDIR (st.st_mode))
    ret = copy_subdir (src_dir, dst_dir, name, &st, rel, err);
  else if (S_ISREG (st.st_mode))
    ret = copy_file_data (src_dir, dst_dir, name, &st, err);
  else if (S_ISLNK (st.st_mode))
    ret = copy_symlink (src_dir, dst_dir, name, err);
  else if (S_ISSOCK (st.st_mode))
    return 0; /* a socket's address is meaningless once copied */
  else if (mknodat (dst_dir, name, st.st_mode, st.st_rdev) < 0)
    ret = holo_make_error (err, errno, "mknod `%s/%s`", rel, name);
  else
    ret = 0;
  if (ret < 0)
    return -1;
  copy_metadata (dst_dir, name, &st);
  return 0;
}

static int
copy_dir_contents (int src_dir, int dst_dir, const char *rel, holo_error_t *err)
{
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;
  int fd = dup (src_dir);

  if (fd < 0)
    return holo_make_error (err, errno, "dup");
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return holo_make_error (err, errno, "opendir `%s`", rel);
    }
  while ((de = readdir (dir)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (src_dir, dst_dir, de->d_name, rel, err) < 0)
        return -1;
    }
  return 0;
}

int
holo_copy_tree (int src_fd, int dst_fd, holo_error_t *err)
{
  /* "." from an fd does not cross a mount stacked on it: SRC_FD still
     reaches the directory the new mount now hides.  */
  cleanup_close int src = openat (src_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dst = -1;

  if (src < 0)
    return holo_make_error (err, errno, "open the source directory");
  dst = openat (dst_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return holo_make_error (err, errno, "open the destination directory");
  return copy_dir_contents (src, dst, ".", err);
}

/* ---- /proc/self/mountinfo ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo.  */
static char *
unescape_mountinfo (const char *s)
{
  char *out = holo_xmalloc (strlen (s) + 1);
  char *o = out;

  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
        {
          *o++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}

static bool
parse_mountinfo_line (char *line, struct holo_mountinfo *mi)
{
  char *save = NULL;
  char *field[6];
  char *tok;
  int i;

  memset (mi, 0, sizeof (*mi));
  for (i = 0; i < 6; i++)
    {
      field[i] = strtok_r (i == 0 ? line : NULL, " \n", &save);
      if (field[i] == NULL)
        return false;
    }
  /* Optional fields up to the "-" separator.  */
  while ((tok = strtok_r (NULL, " \n", &save)) && strcmp (tok, "-") != 0)
    if (strncmp (tok, "shared:", 7) == 0)
      mi->shared = true;
  if (tok == NULL)
    return false;
  tok = strtok_r (NULL, " \n", &save);
  if (tok == NULL)
    return false;
  mi->fs_type = holo_xstrdup (tok);
  strtok_r (NULL, " \n", &save); /* source */
  tok = strtok_r (NULL, " \n", &save);
  mi->super_options = holo_xstrdup (tok ? tok : "");
  mi->root = unescape_mountinfo (field[3]);
  mi->mount_point = unescape_mountinfo (field[4]);
  return true;
}

void
holo_mountinfo_free (struct holo_mountinfo *mi, size_t n)
{
  size_t i;

  for (i = 0; mi && i < n; i++)
    {
      free (mi[i].root);
      free (mi[i].mount_point);
      free (mi[i].fs_type);
      free (mi[i].super_options);
    }
  free (mi);
}

int
holo_read_mountinfo (struct holo_mountinfo **out, size_t *n, holo_error_t *err)
{
  cleanup_file FILE *f = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  struct holo_mountinfo *mi = NULL;
  size_t count = 0, cap = 0, line_cap = 0;

  if (f == NULL)
    return holo_make_error (err, errno, "open `/proc/self/mountinfo`");
  while (getline (&line, &line_cap, f) >= 0)
    {
      if (count == cap)
        {
          cap = cap ? cap * 2 : 64;
          mi = holo_xrealloc (mi, cap * sizeof (*mi));
        }
      if (parse_mountinfo_line (line, &mi[count]))
        count++;
    }
  *out = mi;
  *n = count;
  return 0;
}
