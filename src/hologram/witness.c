/* Witness verification (HOLOGRAM.md section 2): trusted keys, the
   in-toto statement, the verdict.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_gen.h>

#define STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PREDICATE_TYPE "urn:hologram:witness:v1"

/* ----------------------------------------------------------- trusted keys */

static void
trust_add (struct holo_trust *t, EVP_PKEY *key)
{
  t->keys = holo_xrealloc (t->keys, (t->n + 1) * sizeof *t->keys);
  struct holo_trusted_key *k = &t->keys[t->n];
  k->key = key;
  if (holo_keyid (key, k->keyid) < 0)
    {
      EVP_PKEY_free (key);
      return;
    }
  t->n++;
}

/* Adds every Ed25519 public key of the PEM file PATH; returns how many.  */
static int
load_pem_file (struct holo_trust *t, const char *path, holo_error_t *err)
{
  cleanup_file FILE *f = fopen (path, "re");
  if (f == NULL)
    return holo_make_error (err, errno, "trusted key `%s`", path);
  int n = 0;
  EVP_PKEY *key;
  while ((key = PEM_read_PUBKEY (f, NULL, NULL, NULL)) != NULL)
    {
      if (EVP_PKEY_get_id (key) != EVP_PKEY_ED25519)
        {
          EVP_PKEY_free (key);
          return holo_make_error (err, 0, "trusted key `%s`: not an Ed25519 public key", path);
        }
      trust_add (t, key);
      n++;
    }
  ERR_clear_error ();
  if (n == 0)
    return holo_make_error (err, 0, "trusted key `%s`: no PEM public key in it", path);
  return n;
}

static int
load_trust_dir (struct holo_trust *t, const char *dir, holo_error_t *err)
{
  cleanup_dir DIR *d = opendir (dir);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return holo_make_error (err, errno, "trust directory `%s`", dir);
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' || fnmatch ("*.pem", de->d_name, 0) != 0)
        continue;
      cleanup_free char *path = holo_xasprintf ("%s/%s", dir, de->d_name);
      holo_error_t ignored = NULL;
      /* One bad file must not disable the others: skip it, say so.  */
      if (load_pem_file (t, path, &ignored) < 0)
        holo_log_warning ("hologram: %s", ignored->msg);
      holo_error_release (&ignored);
    }
  return 0;
}

int
holo_trust_load (struct holo_trust *t, const char *trust_dir, const char *pubkey, holo_error_t *err)
{
  memset (t, 0, sizeof *t);
  if (pubkey && load_pem_file (t, pubkey, err) < 0)
    return holo_error_prefix (err, "HOLOGRAM_WITNESS_PUBKEY (witness_pubkey)");
  return trust_dir ? load_trust_dir (t, trust_dir, err) : 0;
}

void
holo_trust_free (struct holo_trust *t)
{
  for (size_t i = 0; i < t->n; i++)
    EVP_PKEY_free (t->keys[i].key);
  free (t->keys);
  t->keys = NULL;
  t->n = 0;
}

/* ------------------------------------------------------------- RFC 3339 */

static bool
digits (const char *s, int n, int *out)
{
  *out = 0;
  for (int i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      *out = *out * 10 + (s[i] - '0');
    }
  return true;
}

int
holo_parse_rfc3339 (const char *s, time_t *out)
{
  struct tm tm = { 0 };
  int y, mo, d, h, mi, sec, oh = 0, om = 0;
  if (strlen (s) < 20 || !digits (s, 4, &y) || s[4] != '-' || !digits (s + 5, 2, &mo) || s[7] != '-'
      || !digits (s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits (s + 11, 2, &h)
      || s[13] != ':' || !digits (s + 14, 2, &mi) || s[16] != ':' || !digits (s + 17, 2, &sec))
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return -1;
  const char *p = s + 19;
  if (*p == '.')
    {
      p++;
      if (*p < '0' || *p > '9')
        return -1;
      while (*p >= '0' && *p <= '9')
        p++;
    }
  int sign = 0;
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    sign = 0;
  else if ((*p == '+' || *p == '-') && digits (p + 1, 2, &oh) && p[3] == ':' && digits (p + 4, 2, &om) && p[6] == '\0'
           && oh < 24 && om < 60)
    sign = *p == '+' ? 1 : -1;
  else
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm (&tm);
  *out = t - sign * (oh * 3600 + om * 60);
  return 0;
}

/* ------------------------------------------------------------- verdict */

static bool
verify_one (EVP_PKEY *key, const unsigned char *sig, size_t sig_len, const unsigned char *msg, size_t msg_len)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  bool ok = ctx && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, key) == 1
            && EVP_DigestVerify (ctx, sig, sig_len, msg, msg_len) == 1;
  EVP_MD_CTX_free (ctx);
  ERR_clear_error ();
  return ok;
}

/* 1: a signature verifies with a trusted key; otherwise the reason.  The
   keyid is a hint: when it names no trusted key, every key is tried.  */
static int
check_signatures (const struct holo_dsse *e, const struct holo_trust *trust, char **reason)
{
  size_t pae_len;
  cleanup_free unsigned char *pae = holo_dsse_pae (e->payload_type, e->payload, e->payload_len, &pae_len);
  bool keyid_matched = false;
  for (size_t i = 0; i < e->n_sigs; i++)
    {
      const struct holo_dsse_sig *s = &e->sigs[i];
      bool any = false;
      for (size_t k = 0; k < trust->n; k++)
        if (s->keyid && *s->keyid && strcasecmp (s->keyid, trust->keys[k].keyid) == 0)
          {
            any = keyid_matched = true;
            if (verify_one (trust->keys[k].key, s->sig, s->sig_len, pae, pae_len))
              return 1;
          }
      for (size_t k = 0; !any && k < trust->n; k++)
        if (verify_one (trust->keys[k].key, s->sig, s->sig_len, pae, pae_len))
          return 1;
    }
  *reason = holo_xstrdup (keyid_matched ? "bad signature: does not verify with the trusted key it names"
                                        : "untrusted key: no signature verifies with a trusted key");
  return 0;
}

static bool
subject_matches (yajl_val root, const char *hex)
{
  static const char *const subject_path[] = { "subject", NULL };
  static const char *const digest_path[] = { "digest", "sha256", NULL };
  yajl_val subjects = yajl_tree_get (root, (const char **) subject_path, yajl_t_array);
  if (subjects == NULL)
    return false;
  for (size_t i = 0; i < YAJL_GET_ARRAY (subjects)->len; i++)
    {
      const char *d = holo_json_string (YAJL_GET_ARRAY (subjects)->values[i], digest_path);
      if (d && strcasecmp (d, hex) == 0)
        return true;
    }
  return false;
}

/* The signed statement: right types, subject, uor_id, dates.  */
static int
check_statement (const struct holo_dsse *e, const char *uor_id, time_t now, char **reason)
{
  static const char *const type_path[] = { "_type", NULL };
  static const char *const ptype_path[] = { "predicateType", NULL };
  static const char *const uor_path[] = { "predicate", "uor_id", NULL };
  static const char *const issued_path[] = { "predicate", "issued_at", NULL };
  static const char *const expires_path[] = { "predicate", "expires_at", NULL };
  char errbuf[128] = "";
  yajl_val root = yajl_tree_parse ((const char *) e->payload, errbuf, sizeof errbuf);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      *reason = holo_xstrdup ("malformed witness: the payload is not a JSON statement");
      return 0;
    }
  const char *type = holo_json_string (root, type_path);
  const char *ptype = holo_json_string (root, ptype_path);
  const char *claimed = holo_json_string (root, uor_path);
  const char *issued = holo_json_string (root, issued_path);
  const char *expires = holo_json_string (root, expires_path);
  time_t t;
  if (type == NULL || strcmp (type, STATEMENT_TYPE) != 0)
    *reason = holo_xasprintf ("malformed witness: statement _type is not %s", STATEMENT_TYPE);
  else if (ptype == NULL || strcmp (ptype, PREDICATE_TYPE) != 0)
    *reason = holo_xasprintf ("malformed witness: predicateType is not %s", PREDICATE_TYPE);
  else if (!subject_matches (root, uor_id + strlen (HOLO_UOR_PREFIX)))
    *reason = holo_xasprintf ("wrong subject: no subject digest is %s", uor_id);
  else if (claimed == NULL || strcmp (claimed, uor_id) != 0)
    *reason = holo_xasprintf ("wrong subject: predicate.uor_id `%s` is not %s", claimed ? claimed : "", uor_id);
  else if (issued == NULL || holo_parse_rfc3339 (issued, &t) < 0)
    *reason = holo_xstrdup ("malformed witness: predicate.issued_at is not an RFC 3339 time");
  else if (expires && holo_parse_rfc3339 (expires, &t) < 0)
    *reason = holo_xstrdup ("malformed witness: predicate.expires_at is not an RFC 3339 time");
  else if (expires && now >= t)
    *reason = holo_xasprintf ("expired: the witness expired at %s", expires);
  yajl_tree_free (root);
  return *reason ? 0 : 1;
}

int
holo_witness_verify (const char *json, size_t len, const char *uor_id, const struct holo_trust *trust, time_t now,
                     char **reason)
{
  cleanup_dsse struct holo_dsse *e = NULL;
  holo_error_t err = NULL;
  *reason = NULL;
  if (holo_dsse_parse (json, len, &e, &err) < 0)
    {
      *reason = steal_pointer (&err->msg);
      holo_error_release (&err);
      return 0;
    }
  if (strcmp (e->payload_type, HOLO_DSSE_PAYLOAD_TYPE) != 0)
    {
      *reason = holo_xasprintf ("malformed witness: payloadType is not %s", HOLO_DSSE_PAYLOAD_TYPE);
      return 0;
    }
  if (trust->n == 0)
    {
      *reason = holo_xstrdup ("untrusted key: no trusted keys (HOLOGRAM_WITNESS_PUBKEY, HOLOGRAM_TRUST_DIR)");
      return 0;
    }
  if (check_signatures (e, trust, reason) == 0)
    return 0;
  return check_statement (e, uor_id, now, reason);
}

char *
holo_witness_statement (const char *uor_id, const char *issued_at, const char *expires_at)
{
  yajl_gen g = holo_json_new (NULL);
#define S(x) holo_json_str (g, x)
  yajl_gen_map_open (g);
  S ("_type");
  S (STATEMENT_TYPE);
  S ("subject");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  S ("name");
  S ("rootfs");
  S ("digest");
  yajl_gen_map_open (g);
  S ("sha256");
  S (uor_id + strlen (HOLO_UOR_PREFIX));
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  S ("predicateType");
  S (PREDICATE_TYPE);
  S ("predicate");
  yajl_gen_map_open (g);
  S ("uor_id");
  S (uor_id);
  S ("issued_at");
  S (issued_at);
  if (expires_at)
    {
      S ("expires_at");
      S (expires_at);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
#undef S
  return holo_json_finish (g, NULL);
}
