/* What `holo hologram id|sign|verify|seal` needs beyond the policy engine:
   the tree of a path as create would see it, and signing.  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/rootfs/rootfs.h"
#include "libcontainer/spec/spec.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <openssl/pem.h>
#include <string.h>
#include <time.h>

void
holo_hologram_tree_close (struct holo_hologram_tree *t)
{
  free (t->path);
  free (t->bundle);
  holo_spec_free (t->spec);
  if (t->fd >= 0)
    close (t->fd);
  holo_strv_free (t->new_entries);
  memset (t, 0, sizeof *t);
  t->fd = -1;
}

int
holo_hologram_tree_open (const char *path, struct holo_hologram_tree *t, holo_error_t *err)
{
  memset (t, 0, sizeof *t);
  t->fd = -1;
  if (holo_hologram_resolve_rootfs (path, &t->path, &t->spec, err) < 0)
    return -1;
  if (t->spec)
    {
      t->bundle = realpath (path, NULL);
      t->annotations = t->spec->annotations;
      t->n_annotations = t->spec->n_annotations;
    }
  cleanup_close int dir = holo_rootfs_open_dir (t->path, err);
  if (dir < 0)
    {
      holo_hologram_tree_close (t);
      return -1;
    }
  if (t->spec)
    holo_rootfs_new_entries (t->spec, dir, &t->new_entries, &t->n_new_entries);
  /* As create sees it: the filesystem without what is mounted inside it
     when we may clone a mount, else the directory.  */
  t->fd = holo_rootfs_clone (dir, false);
  if (t->fd < 0)
    t->fd = steal_fd (&dir);
  return 0;
}

bool
holo_hologram_valid_time (const char *s)
{
  time_t t;
  return holo_parse_rfc3339 (s, &t) == 0;
}

static EVP_PKEY *
load_private_key (const char *path, holo_error_t *err)
{
  cleanup_file FILE *f = fopen (path, "re");
  if (f == NULL)
    {
      holo_make_error (err, errno, "open key `%s`", path);
      return NULL;
    }
  EVP_PKEY *key = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  if (key == NULL || EVP_PKEY_get_id (key) != EVP_PKEY_ED25519)
    {
      EVP_PKEY_free (key);
      holo_make_error (err, 0, "key `%s`: not a PEM Ed25519 private key", path);
      return NULL;
    }
  return key;
}

int
holo_hologram_sign (const char *key_path, const char *uor_id, const char *expires, char **envelope, holo_error_t *err)
{
  cleanup_pkey EVP_PKEY *key = load_private_key (key_path, err);
  if (key == NULL)
    return -1;
  char issued[32];
  time_t now = time (NULL);
  struct tm tm;
  strftime (issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
  cleanup_free char *statement = holo_witness_statement (uor_id, issued, expires);
  return holo_dsse_sign (key, statement, envelope, err);
}
