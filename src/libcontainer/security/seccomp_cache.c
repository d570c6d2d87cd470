/* The compiled-profile cache: libseccomp takes tens of milliseconds to
   compile a profile like Docker's or `holo spec`'s (~370 syscall names, three
   architectures), on every create and every exec.  The program it makes
   depends only on the profile and on the versions involved, so it is kept
   in the state root, in DIR_NAME, one file per profile.

   Correctness does not rest on a hash: an entry holds its whole key (what
   the compiler depends on: holo's and libseccomp's build ids, libseccomp's
   version and API level, the kernel, and linux.seccomp as written) and is
   used only when that key is equal byte for byte; the file name is only a
   64-bit hash of the key, to find it.

   Poisoning: a cache entry becomes the container's filter, so nobody but
   the user holo runs as (root, normally) may have written it.  The
   directory is created 0700 and entries 0600, and both are checked before
   an entry is read: owned by our effective uid, no group or other access,
   a real directory and a regular file with one link, reached without
   following symlinks.  A state root others can write (where they could
   swap the directory) does not help them: they cannot make a file or
   directory owned by root.  Anything that fails a check is ignored (a
   debug line says why) and the profile is compiled as if there were no
   cache.

   Entries are written to a temporary name and renamed into place, so a
   reader sees a whole entry or none; a torn entry after a crash fails its
   length checks.  No fsync: a lost entry is only compiled again.

   File format (integers little-endian, as this host):
     "HOLOSC01"  u32 key_len  key
     u32 flags  u8 wait_killable_recv  u8 uses_notify  u16 0
     u32 listener_path_len (0xffffffff: none)  listener_path
     u32 listener_metadata_len (0xffffffff: none)  listener_metadata
     u32 instructions  struct sock_filter[instructions]  */
#define _GNU_SOURCE
#include "seccomp_internal.h"
#include "../json.h"
#include "../utils.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <yajl/yajl_tree.h>

#define DIR_NAME ".seccomp:cache" /* ':' is never in a container id */
#define MAGIC "HOLOSC01"
#define NO_STRING 0xffffffffu
#define MAX_ENTRY_SIZE (8u << 20)
#define MAX_ENTRIES 64

/* ---- the key ---- */

struct build_ids
{
  char main[128];
  char seccomp[128];
};

static void
hex_build_id (const ElfW (Nhdr) * note, char *out, size_t outlen)
{
  const unsigned char *desc = (const unsigned char *) (note + 1) + ((note->n_namesz + 3) & ~3u);
  size_t k = 0;
  for (size_t i = 0; i < note->n_descsz && k + 3 < outlen; i++)
    k += (size_t) snprintf (out + k, outlen - k, "%02x", desc[i]);
}

static int
find_build_id (struct dl_phdr_info *info, size_t size, void *data)
{
  struct build_ids *ids = data;
  (void) size;
  char *out = NULL;
  if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
    out = ids->main; /* the program itself */
  else if (strstr (info->dlpi_name, "libseccomp.so"))
    out = ids->seccomp;
  if (out == NULL || out[0])
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
      if (ph->p_type != PT_NOTE)
        continue;
      const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
      while (p + sizeof (ElfW (Nhdr)) <= end)
        {
          const ElfW (Nhdr) *note = (const ElfW (Nhdr) *) p;
          size_t len = sizeof *note + ((note->n_namesz + 3) & ~3u) + ((note->n_descsz + 3) & ~3u);
          if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp (note + 1, "GNU", 4) == 0)
            {
              hex_build_id (note, out, sizeof ids->main);
              break;
            }
          p += len;
        }
    }
  return 0;
}

/* Everything the compiled program depends on, then the profile.  NULL when
   holo (or a shared libseccomp) has no build id (then there is no telling
   an old build's entries from this one's: no cache).  */
char *
holo_seccomp_cache_key (const struct yajl_val_s *profile, size_t *len)
{
  struct build_ids ids = { "", "" };
  dl_iterate_phdr (find_build_id, &ids);
  if (ids.main[0] == '\0')
    return NULL;
  /* No libseccomp.so mapped: holo links libseccomp's archive (configure),
     whose code is then part of holo's own build id.  */
  if (ids.seccomp[0] == '\0')
    snprintf (ids.seccomp, sizeof ids.seccomp, "linked into holo");
  const struct scmp_version *v = seccomp_version ();
  struct utsname u;
  if (uname (&u) < 0)
    return NULL;
  yajl_gen g = holo_json_new (NULL);
  holo_json_value (g, profile);
  cleanup_free char *json = holo_json_finish (g, NULL);
  char *key = holo_xasprintf ("holo %s build %s\nlibseccomp %u.%u.%u build %s api %d\nkernel %s %s %s\n%s",
                              PACKAGE_VERSION, ids.main, v->major, v->minor, v->micro, ids.seccomp,
                              (int) seccomp_api_get (), u.release, u.version, u.machine, json);
  *len = strlen (key);
  return key;
}

/* FNV-1a: only to name the file (the key itself is compared).  */
static void
entry_name (const char *key, size_t len, char name[17])
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char) key[i]) * 0x100000001b3ull;
  snprintf (name, 17, "%016llx", (unsigned long long) h);
}

/* ---- trust ---- */

static bool
trusted (const struct stat *st, mode_t type, const char *what)
{
  if ((st->st_mode & S_IFMT) != type)
    holo_log_debug ("seccomp cache: %s is not a %s: ignored", what, type == S_IFDIR ? "directory" : "regular file");
  else if (st->st_uid != geteuid ())
    holo_log_debug ("seccomp cache: %s belongs to uid %u, not to us: ignored", what, (unsigned) st->st_uid);
  else if (st->st_mode & 077)
    holo_log_debug ("seccomp cache: %s is accessible to group or others (mode %o): ignored", what,
                    (unsigned) (st->st_mode & 07777));
  else if (type == S_IFREG && st->st_nlink != 1)
    holo_log_debug ("seccomp cache: %s has %lu links: ignored", what, (unsigned long) st->st_nlink);
  else
    return true;
  return false;
}

/* The cache directory under ROOT, checked; CREATE makes it first.  */
static int
open_cache_dir (const char *root, bool create)
{
  cleanup_close int root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return -1;
  if (create && mkdirat (root_fd, DIR_NAME, 0700) < 0 && errno != EEXIST)
    return -1;
  int fd = openat (root_fd, DIR_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    {
      if (errno != ENOENT)
        holo_log_debug ("seccomp cache: %s/%s: %s: ignored", root, DIR_NAME, strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) < 0 || !trusted (&st, S_IFDIR, DIR_NAME))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* ---- reading ---- */

struct reader
{
  const unsigned char *p, *end;
};

static bool
take (struct reader *r, void *out, size_t n)
{
  if ((size_t) (r->end - r->p) < n)
    return false;
  memcpy (out, r->p, n);
  r->p += n;
  return true;
}

static bool
take_u32 (struct reader *r, uint32_t *v)
{
  return take (r, v, sizeof *v);
}

static bool
take_string (struct reader *r, char **out)
{
  uint32_t n;
  if (!take_u32 (r, &n))
    return false;
  if (n == NO_STRING)
    {
      *out = NULL;
      return true;
    }
  if ((size_t) (r->end - r->p) < n || memchr (r->p, '\0', n))
    return false;
  *out = holo_xstrndup ((const char *) r->p, n);
  r->p += n;
  return true;
}

/* Fills S from an entry whose key is KEY; false (S untouched) otherwise.  */
static bool
decode (const unsigned char *buf, size_t size, const char *key, size_t key_len, struct holo_seccomp *s)
{
  struct reader r = { buf, buf + size };
  char magic[8];
  uint32_t n, flags, prog_len;
  uint8_t b[4];
  if (!take (&r, magic, sizeof magic) || memcmp (magic, MAGIC, sizeof magic) != 0 || !take_u32 (&r, &n) || n != key_len
      || (size_t) (r.end - r.p) < n || memcmp (r.p, key, n) != 0)
    return false;
  r.p += n;
  cleanup_free char *path = NULL, *metadata = NULL;
  if (!take_u32 (&r, &flags) || !take (&r, b, sizeof b) || !take_string (&r, &path) || !take_string (&r, &metadata)
      || !take_u32 (&r, &prog_len) || prog_len == 0 || prog_len > BPF_MAXINSNS
      || (size_t) (r.end - r.p) != (size_t) prog_len * sizeof (struct sock_filter))
    return false;
  s->prog = holo_xmalloc ((size_t) prog_len * sizeof (struct sock_filter));
  memcpy (s->prog, r.p, (size_t) prog_len * sizeof (struct sock_filter));
  s->prog_len = prog_len;
  s->flags = flags;
  s->wait_killable_recv = b[0] != 0;
  s->uses_notify = b[1] != 0;
  s->listener_path = steal_pointer (&path);
  s->listener_metadata = steal_pointer (&metadata);
  return true;
}

bool
holo_seccomp_cache_lookup (const char *root, const char *key, size_t key_len, struct holo_seccomp *s)
{
  char name[17];
  entry_name (key, key_len, name);
  cleanup_close int dir = open_cache_dir (root, false);
  if (dir < 0)
    return false;
  cleanup_close int fd = openat (dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !trusted (&st, S_IFREG, name) || st.st_size > MAX_ENTRY_SIZE)
    return false;
  cleanup_free unsigned char *buf = holo_xmalloc ((size_t) st.st_size + 1);
  if (pread (fd, buf, (size_t) st.st_size, 0) != st.st_size)
    return false;
  if (!decode (buf, (size_t) st.st_size, key, key_len, s))
    {
      holo_log_debug ("seccomp cache: %s is for another profile or damaged: compiling", name);
      return false;
    }
  holo_log_debug ("seccomp cache: using the compiled profile %s", name);
  return true;
}

/* ---- writing ---- */

static void
put (char **buf, size_t *len, const void *data, size_t n)
{
  *buf = holo_xrealloc (*buf, *len + n);
  memcpy (*buf + *len, data, n);
  *len += n;
}

static void
put_u32 (char **buf, size_t *len, uint32_t v)
{
  put (buf, len, &v, sizeof v);
}

static void
put_string (char **buf, size_t *len, const char *s)
{
  if (s == NULL)
    {
      put_u32 (buf, len, NO_STRING);
      return;
    }
  put_u32 (buf, len, (uint32_t) strlen (s));
  put (buf, len, s, strlen (s));
}

static char *
encode (const char *key, size_t key_len, const struct holo_seccomp *s, size_t *len)
{
  char *buf = NULL;
  uint8_t b[4] = { s->wait_killable_recv, s->uses_notify, 0, 0 };
  *len = 0;
  put (&buf, len, MAGIC, 8);
  put_u32 (&buf, len, (uint32_t) key_len);
  put (&buf, len, key, key_len);
  put_u32 (&buf, len, s->flags);
  put (&buf, len, b, sizeof b);
  put_string (&buf, len, s->listener_path);
  put_string (&buf, len, s->listener_metadata);
  put_u32 (&buf, len, (uint32_t) s->prog_len);
  put (&buf, len, s->prog, s->prog_len * sizeof (struct sock_filter));
  return buf;
}

/* Keeps the directory at MAX_ENTRIES - 1 entries before one more is
   added: the oldest go (entries are rewritten when they are compiled
   again, so the oldest is the one unused the longest, roughly).  */
static void
evict (int dir)
{
  for (;;)
    {
      cleanup_dir DIR *d = fdopendir (dup (dir));
      if (d == NULL)
        return;
      struct dirent *de;
      size_t n = 0;
      char oldest[256] = "";
      struct timespec oldest_time = { 0, 0 };
      while ((de = readdir (d)))
        {
          struct stat st;
          if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp (de->d_name, "..") == 0))
            continue;
          if (fstatat (dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
          n++;
          if (oldest[0] == '\0' || st.st_mtim.tv_sec < oldest_time.tv_sec
              || (st.st_mtim.tv_sec == oldest_time.tv_sec && st.st_mtim.tv_nsec < oldest_time.tv_nsec))
            {
              snprintf (oldest, sizeof oldest, "%s", de->d_name);
              oldest_time = st.st_mtim;
            }
        }
      if (n < MAX_ENTRIES || oldest[0] == '\0' || unlinkat (dir, oldest, 0) < 0)
        return;
    }
}

void
holo_seccomp_cache_store (const char *root, const char *key, size_t key_len, const struct holo_seccomp *s)
{
  char name[17], tmp[64];
  entry_name (key, key_len, name);
  cleanup_close int dir = open_cache_dir (root, true);
  if (dir < 0)
    return;
  evict (dir);
  size_t len;
  cleanup_free char *buf = encode (key, key_len, s, &len);
  snprintf (tmp, sizeof tmp, ".tmp-%s-%d", name, (int) getpid ());
  cleanup_close int fd = openat (dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  /* 0600 whatever the umask (open already gave no more than that).  */
  if (fchmod (fd, 0600) < 0 || holo_write_all (fd, buf, len) < 0 || renameat (dir, tmp, dir, name) < 0)
    {
      holo_log_debug ("seccomp cache: could not write %s: %s", name, strerror (errno));
      unlinkat (dir, tmp, 0);
      return;
    }
  holo_log_debug ("seccomp cache: stored profile %s", name);
}
