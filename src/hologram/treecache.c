/* The result of a sealed tree (HOLOGRAM.md 7.3, 7.4), beside the digest
   cache: <state root>/hologram-cache/tree-<shard>, the UOR-ID of a tree
   whose "roots" (the tree itself, or the lower layers of an overlay with an
   empty upper layer, fsid.c) were all sealed throughout when it was
   computed.

   A sealed tree cannot change without someone holding CAP_LINUX_IMMUTABLE
   first clearing a flag, and the spec takes its verdict to hold for a
   container's whole life.  So a second verification of it needs no walk:
   it is the same tree while each root is the same directory (inode), still
   immutable, with the same ctime (clearing the flag of a root changes its
   ctime); for an overlay, the shard name already pins the layers, their
   filesystem and the empty upper layer.  What this trusts, and the per-file
   cache does not: that whoever holds CAP_LINUX_IMMUTABLE does not unseal an
   entry deep inside, change it and seal it again (the man page says so).

   File: "HOLOTREEv1\n", the UOR-ID, "entries files sealed\n", one "ino ctime\n"
   per root, then the SHA-256 (hex) of all of it; anything else is
   ignored.  Written to a temporary file and renamed.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TREE_MAGIC "HOLOTREEv1\n"

static char *
record_text (const struct holo_fs_identity *id, const char *uor_id, size_t entries, size_t files, int sealed)
{
  char *text = holo_xasprintf (TREE_MAGIC "%s\n%zu %zu %d\n", uor_id, entries, files, sealed);
  for (size_t i = 0; i < id->n_roots; i++)
    {
      char *next = holo_xasprintf ("%s%llu %lld\n", text, (unsigned long long) id->roots[i].ino,
                                   (long long) id->roots[i].ctime_ns);
      free (text);
      text = next;
    }
  unsigned char md[HOLO_SHA256_LEN];
  char hex[2 * HOLO_SHA256_LEN + 1];
  holo_sha256 (text, strlen (text), md);
  holo_hex (md, sizeof md, hex);
  char *full = holo_xasprintf ("%s%s\n", text, hex);
  free (text);
  return full;
}

static bool
all_roots_sealed (const struct holo_fs_identity *id)
{
  for (size_t i = 0; i < id->n_roots; i++)
    if (!id->roots[i].immutable)
      return false;
  return id->n_roots > 0;
}

bool
holo_uor_tree_lookup (struct holo_uor_cache *c, char id[HOLO_UOR_ID_LEN + 1], struct holo_uor_stats *st)
{
  int dir_fd;
  const struct holo_fs_identity *fsid = holo_uor_cache_identity (c, &dir_fd);
  if (fsid == NULL || !all_roots_sealed (fsid))
    return false;
  cleanup_free char *name = holo_xasprintf ("tree-%s", fsid->shard);
  cleanup_free char *raw = NULL;
  size_t len = 0;
  if (holo_read_file_at (dir_fd, name, &raw, &len, NULL) < 0)
    return false;
  char want[HOLO_UOR_ID_LEN + 1];
  size_t entries, files;
  int sealed;
  if (sscanf (raw, TREE_MAGIC "%75s %zu %zu %d", want, &entries, &files, &sealed) != 4 || !holo_uor_id_valid (want)
      || (sealed != 0 && sealed != 1))
    return false;
  /* The same roots, unchanged since: the text must be exactly what they
     give today.  */
  cleanup_free char *expect = record_text (fsid, want, entries, files, sealed);
  if (strcmp (raw, expect) != 0)
    return false;
  memcpy (id, want, sizeof want);
  memset (st, 0, sizeof *st);
  st->entries = entries;
  st->files = st->files_cached = files;
  st->tree_cached = true;
  /* The merged tree of an overlay is not sealed itself (its upper layer is
     writable): the flag says what the walk found.  */
  if (!sealed)
    {
      st->unsealed = 1;
      snprintf (st->first_unsealed, sizeof st->first_unsealed, ".");
    }
  return true;
}

/* An overlay's lower layer, by the path its mount names (fsid.c checked
   it), not following symlinks; still the directory fsid saw.  */
static bool
layer_fully_sealed (const struct holo_tree_root *r)
{
  struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
  cleanup_close int fd = (int) syscall (SYS_openat2, AT_FDCWD, r->path, &how, sizeof how);
  struct stat st;
  return fd >= 0 && fstat (fd, &st) == 0 && st.st_ino == r->ino && holo_tree_fully_sealed (fd);
}

void
holo_uor_tree_store (struct holo_uor_cache *c, int root_fd, const char *uor_id, const struct holo_uor_stats *st)
{
  int dir_fd;
  const struct holo_fs_identity *fsid = holo_uor_cache_identity (c, &dir_fd);
  if (fsid == NULL || !all_roots_sealed (fsid))
    return;
  bool fixed = true;
  (void) root_fd;
  if (!fsid->overlay)
    /* The walk saw every entry: all immutable, none whose mode or owner
       could still change.  */
    fixed = st->unsealed == 0 && st->specials == 0 && !st->seal_unknown;
  for (size_t i = 0; fixed && fsid->overlay && i < fsid->n_roots; i++)
    fixed = layer_fully_sealed (&fsid->roots[i]);
  if (!fixed)
    return;
  cleanup_free char *name = holo_xasprintf ("tree-%s", fsid->shard);
  cleanup_free char *text = record_text (fsid, uor_id, st->entries, st->files, st->unsealed == 0);
  holo_error_t err = NULL;
  if (holo_write_file_atomic_at (dir_fd, name, text, strlen (text), &err) < 0)
    {
      holo_log_debug ("hologram: %s", err->msg);
      holo_error_release (&err);
    }
}
