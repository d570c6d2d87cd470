/* Interfaces between the files of src/hologram/ (HOLOGRAM.md v1.1):
   options.c    the policy file and the environment (section 4)
   policy.c     the policy engine: modes, the checks, the verdict (3, 4, 7)
   extension.c  Hologram as libcontainer's extension (create, start, delete)
   tools.c      what `holo hologram` needs: a path's tree, signing
   seal.c       sealing, and whether a tree is sealed throughout (7.3)
   uor.c        the UOR-ID of a tree: the walk, the lines (1)
   hash.c       file contents, sparse files, the deadline
   cache.c      the per-file digest cache under the state root (7.4)
   fsid.c       which filesystem a tree's files live on (the cache's key)
   treecache.c  the known result of a sealed tree
   dsse.c       base64, DSSE envelopes, PAE, Ed25519 signing
   witness.c    trusted keys, the in-toto statement, the witness verdict (2)
   endpoint.c   HTTP transport over libcurl (https), endpoint_http.c plain
                http, endpoint_probe.c
   ctp96.c      CTP-96 sessions (5)
   json.c       JSON reading helpers  */
#ifndef HOLO_HOLOGRAM_INTERNAL_H
#define HOLO_HOLOGRAM_INTERNAL_H

#include "hologram.h"
#include "libcontainer/error.h"
#include "libcontainer/json.h"
#include "libcontainer/sha256.h"
#include "libcontainer/spec/spec.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define HOLO_UOR_PREFIX "uor:sha256:"
#define HOLO_UOR_ID_LEN (sizeof (HOLO_UOR_PREFIX) - 1 + 64)

/* ------------------------------------------------------------------ uor.c */

struct holo_uor_cache;

#define holo_uor_stats holo_hologram_stats

/* Computes "uor:sha256:<hex>" of the tree whose root directory is ROOT_FD
   (any fd on it, O_PATH is enough) into ID, within DEADLINE_MS (<= 0: no
   deadline; passing it is an error with status ETIMEDOUT).  CACHE and
   STATS may be NULL.  */
int holo_uor_compute (int root_fd, struct holo_uor_cache *cache, long deadline_ms, char id[HOLO_UOR_ID_LEN + 1],
                      struct holo_uor_stats *stats, holo_error_t *err);

/* Either implementation, whichever is cheaper for LEN bytes (OpenSSL's
   for bulk data).  0, or -1 when OpenSSL fails.  */
int holo_sha256_any (const void *data, size_t len, unsigned char out[HOLO_SHA256_LEN]);

/* Appends the %XX-escaped form of the LEN bytes at S to OUT (needs 3*LEN
   bytes free); returns the number of bytes written.  */
size_t holo_uor_escape (const char *s, size_t len, char *out);

/* True when S is "uor:sha256:" followed by 64 lowercase hex digits.  */
bool holo_uor_id_valid (const char *s);

/* ---------------------------------------------------------------- cache.c */

/* fsid.c: the filesystem a tree's files live on, for the cache.  */
/* The directories whose sealing fixes a whole tree: the tree itself, or
   the lower layers of an overlay with an empty upper layer.  */
struct holo_tree_root
{
  char *path; /* NULL: the tree itself */
  ino_t ino;
  int64_t ctime_ns; /* unsealing a directory changes its ctime */
  bool immutable;
};

struct holo_fs_identity
{
  dev_t dev;         /* the superblock the files are on (an overlay's layers') */
  uint64_t mount_id; /* the smallest unique id of its live mounts */
  bool overlay;      /* the tree is an overlay of layers on DEV */
  char shard[33];    /* hex: boot, superblock, tree (names the shard) */
  struct holo_tree_root *roots;
  size_t n_roots;
};
/* The layers of an overlay from its mountinfo super options (raw, \ooo
   escaped); UNSUPPORTED for relative paths, data-only layers, metacopy.  */
struct holo_overlay_layers
{
  char **lower; /* top first */
  size_t n_lower;
  char *upper; /* NULL: a read-only overlay */
  bool unsupported;
};
void holo_overlay_parse (const char *super_options, struct holo_overlay_layers *l);
void holo_overlay_layers_clear (struct holo_overlay_layers *l);
/* False when the tree at ROOT_FD (stat ROOT) must not use the cache.  */
bool holo_fs_identify (int root_fd, const struct stat *root, struct holo_fs_identity *id);
void holo_fs_identity_clear (struct holo_fs_identity *id);

/* seal.c: whether the tree at ROOT_FD (not crossing into other
   filesystems) is sealed throughout: every directory and regular file,
   and the root, immutable, and nothing whose mode or owner could still
   change (devices, fifos, sockets; an overlay's whiteouts excepted).  */
bool holo_tree_fully_sealed (int root_fd);

/* Opens the cache of STATE_ROOT (<state root>/hologram-cache/).  Never
   fails: any problem means "no cache" (NULL) or an empty one.  */
struct holo_uor_cache *holo_uor_cache_open (const char *state_root);
/* Chooses the shard for the tree whose root is ROOT_FD (ROOT: its stat),
   or none when the tree's filesystem cannot be trusted for it (cache.c). */
void holo_uor_cache_bind (struct holo_uor_cache *c, int root_fd, const struct stat *root);
/* True (and DIGEST filled) when the file ST names is known.  */
bool holo_uor_cache_lookup (struct holo_uor_cache *c, const struct stat *st, unsigned char digest[HOLO_SHA256_LEN]);
/* Remembers DIGEST for ST, when ST is old enough that a later change of the
   file is certain to change its ctime (see cache.c).  */
void holo_uor_cache_add (struct holo_uor_cache *c, const struct stat *st, const unsigned char digest[HOLO_SHA256_LEN]);
/* The identity the cache was bound with (and its directory), or NULL.  */
const struct holo_fs_identity *holo_uor_cache_identity (const struct holo_uor_cache *c, int *dir_fd);
/* treecache.c: the known UOR-ID of a sealed tree, without a walk.  */
bool holo_uor_tree_lookup (struct holo_uor_cache *c, char id[HOLO_UOR_ID_LEN + 1], struct holo_uor_stats *st);
/* Remembers the result of a computation when the tree is sealed.  */
void holo_uor_tree_store (struct holo_uor_cache *c, int root_fd, const char *uor_id, const struct holo_uor_stats *st);
/* Writes new entries back (merged with what concurrent runs wrote).  */
int holo_uor_cache_save (struct holo_uor_cache *c, holo_error_t *err);
void holo_uor_cache_free (struct holo_uor_cache *c);

/* ----------------------------------------------------------------- dsse.c */

/* Standard base64 (URL-safe alphabet and missing padding accepted on input,
   whitespace ignored).  Returns a malloc'ed buffer (NUL-terminated) or NULL. */
unsigned char *holo_base64_decode (const char *in, size_t in_len, size_t *out_len);
char *holo_base64_encode (const unsigned char *in, size_t len);

#define HOLO_DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"

struct holo_dsse_sig
{
  char *keyid; /* may be NULL or "" */
  unsigned char *sig;
  size_t sig_len;
};

struct holo_dsse
{
  char *payload_type;
  unsigned char *payload; /* decoded, NUL-terminated */
  size_t payload_len;
  struct holo_dsse_sig *sigs;
  size_t n_sigs;
};

/* Parses an envelope; errors start with "malformed witness: ".  */
int holo_dsse_parse (const char *json, size_t len, struct holo_dsse **out, holo_error_t *err);
void holo_dsse_free (struct holo_dsse *e);
/* "DSSEv1 <len> <type> <len> <payload>" (malloc'ed, length in *LEN).  */
unsigned char *holo_dsse_pae (const char *type, const unsigned char *payload, size_t payload_len, size_t *len);
/* Signs PAYLOAD with the Ed25519 private key KEY; returns the envelope JSON. */
int holo_dsse_sign (EVP_PKEY *key, const char *payload, char **envelope, holo_error_t *err);
/* hex SHA-256 of the DER SubjectPublicKeyInfo of KEY into KEYID (65 bytes). */
int holo_keyid (EVP_PKEY *key, char keyid[65]);

static inline void
holo_cleanup_dssep (struct holo_dsse **e)
{
  holo_dsse_free (*e);
}
#define cleanup_dsse __attribute__ ((cleanup (holo_cleanup_dssep)))

static inline void
holo_cleanup_pkeyp (EVP_PKEY **k)
{
  EVP_PKEY_free (*k);
}
#define cleanup_pkey __attribute__ ((cleanup (holo_cleanup_pkeyp)))

/* -------------------------------------------------------------- witness.c */

struct holo_trusted_key
{
  EVP_PKEY *key;
  char keyid[65];
};

struct holo_trust
{
  struct holo_trusted_key *keys;
  size_t n;
};

/* Loads PUBKEY (may be NULL; an error when set but unusable) and every
   TRUST_DIR/\*.pem (a bad file there is skipped with a warning).  */
int holo_trust_load (struct holo_trust *t, const char *trust_dir, const char *pubkey, holo_error_t *err);
void holo_trust_free (struct holo_trust *t);

/* Verifies the envelope JSON against UOR_ID at time NOW.  Returns 1 when
   the witness is ok, 0 when it is not (*REASON says why, malloc'ed).  */
int holo_witness_verify (const char *json, size_t len, const char *uor_id, const struct holo_trust *trust, time_t now,
                         char **reason);

/* The in-toto statement for UOR_ID (malloc'ed JSON).  EXPIRES may be NULL. */
char *holo_witness_statement (const char *uor_id, const char *issued_at, const char *expires_at);

/* RFC 3339 ("2024-01-02T03:04:05Z", fractions and offsets allowed).  */
int holo_parse_rfc3339 (const char *s, time_t *out);

/* ------------------------------------------------------------- endpoint.c */

struct holo_http_reply
{
  long status; /* 0 on a transport error */
  char *body;  /* NUL-terminated; may be NULL */
  size_t len;
  char *error; /* transport error text when status == 0 */
};

/* METHOD URL with an optional JSON body; no redirects; TIMEOUT_MS overall. */
void holo_http_request (const char *method, const char *url, const char *json_body, long timeout_ms,
                        struct holo_http_reply *reply);
void holo_http_reply_free (struct holo_http_reply *r);
/* endpoint_http.c: METHOD URL for a plain "http://host[:port]/path" URL
   without libcurl (true, *REPLY filled); false for any other URL.  */
bool holo_http_plain (const char *method, const char *url, const char *json_body, long timeout_ms,
                      struct holo_http_reply *reply);
/* The status line, headers and body of a whole reply RAW (modified).  */
void holo_http_parse_reply (char *raw, size_t len, struct holo_http_reply *reply);
/* True (with *WHY set) when nothing listens at URL's host and port: a
   plain-http endpoint that refuses connections, answered without libcurl. */
bool holo_http_endpoint_refuses (const char *url, long timeout_ms, char **why);

/* GET ENDPOINT/v1/witness/<uor-id>.  Returns 1 with the body in *JSON, or
   0 (no witness) with *WHY saying what happened.  */
int holo_endpoint_fetch_witness (const char *endpoint, long timeout_ms, const char *uor_id, char **json, size_t *len,
                                 char **why);

/* ---------------------------------------------------------------- ctp96.c */

struct holo_ctp96_session
{
  char *endpoint;
  char *session_id;
  char *lease_id;
  char *expires_at;
};

/* POST ENDPOINT/v1/sessions; 0 and *S filled, or -1 with the reason in
   ERR.  TIMEOUT_MS <= 0: the default.  */
int holo_ctp96_open (const char *endpoint, long timeout_ms, const char *uor_id, const char *container_id,
                     struct holo_ctp96_session *s, holo_error_t *err);
/* DELETE ENDPOINT/v1/sessions/<id>; failures are logged as warnings.  */
void holo_ctp96_close (const char *endpoint, long timeout_ms, const char *session_id);
void holo_ctp96_session_clear (struct holo_ctp96_session *s);

/* ------------------------------------------------------------------ json.c */

/* The string at PATH (NULL-terminated keys) of a yajl tree, or NULL.  */
const char *holo_json_string (yajl_val root, const char *const *path);
/* KEY: VALUE, or KEY: null for a NULL VALUE.  */
void holo_json_key_nstr (yajl_gen g, const char *key, const char *value);

#endif
