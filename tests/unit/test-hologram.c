/* Unit and known-answer tests of src/hologram: escaping, base64, PAE,
   RFC 3339, UOR-ID lines, the digest cache, key ids, witness verdicts,
   modes and the persisted state.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "unit.h"

#include "hologram/hologram.h"
#include "hologram/hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define EMPTY_TREE_ID "uor:sha256:c3d1308a56dbfbc2e38c4fe33a1a3bfb2f0b70afee6179137b9b866f63b70189"
#define HELLO_SHA256 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static char *
make_tmpdir (void)
{
  char *d = holo_xstrdup ("/tmp/holo-unit-hologram-XXXXXX");
  if (mkdtemp (d) == NULL)
    abort ();
  return d;
}

static void
rm_rf (const char *path)
{
  cleanup_free char *cmd = holo_xasprintf ("rm -rf '%s'", path);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", path);
}

static void
write_str (const char *path, const char *s)
{
  holo_error_t err = NULL;
  if (holo_write_file (path, s, strlen (s), &err) < 0)
    abort ();
}

static void
sha256_hex (const void *data, size_t len, char out[65])
{
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest (data, len, md, &n, EVP_sha256 (), NULL);
  holo_hex (md, 32, out);
}

/* holo_uor_compute of the directory at PATH.  */
static int
uor_compute_path (const char *path, struct holo_uor_cache *cache, char id[HOLO_UOR_ID_LEN + 1],
                  struct holo_uor_stats *st, holo_error_t *err)
{
  cleanup_close int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return holo_make_error (err, errno, "open `%s`", path);
  return holo_uor_compute (fd, cache, 0, id, st, err);
}

static void
test_escape (void)
{
  char out[64];
  const char in[] = "a b%\n\x7f\xc3\xa9~!";
  holo_uor_escape (in, sizeof in - 1, out);
  UNIT_ASSERT_STR_EQ (out, "a%20b%25%0A%7F%C3%A9~!");
  holo_uor_escape ("\x01\x20\x21", 3, out);
  UNIT_ASSERT_STR_EQ (out, "%01%20!");
}

static void
test_uor_id_valid (void)
{
  UNIT_ASSERT (holo_uor_id_valid (EMPTY_TREE_ID));
  UNIT_ASSERT (!holo_uor_id_valid ("uor:sha256:C3d1308a56dbfbc2e38c4fe33a1a3bfb2f0b70afee6179137b9b866f63b70189"));
  UNIT_ASSERT (!holo_uor_id_valid ("uor:sha256:c3d1"));
  UNIT_ASSERT (!holo_uor_id_valid ("sha256:c3d1308a56dbfbc2e38c4fe33a1a3bfb2f0b70afee6179137b9b866f63b70189"));
}

static void
test_base64 (void)
{
  size_t len;
  cleanup_free unsigned char *a = holo_base64_decode ("aGVsbG8=", 8, &len);
  UNIT_ASSERT (a != NULL);
  UNIT_ASSERT_INT_EQ (len, 5);
  UNIT_ASSERT_STR_EQ ((char *) a, "hello");
  cleanup_free unsigned char *b = holo_base64_decode ("aGVs\nbG8", 8, &len); /* no padding, a newline */
  UNIT_ASSERT (b != NULL && len == 5 && memcmp (b, "hello", 5) == 0);
  cleanup_free unsigned char *c = holo_base64_decode ("-_8=", 4, &len); /* URL-safe alphabet */
  UNIT_ASSERT (c != NULL && len == 2 && c[0] == 0xfb && c[1] == 0xff);
  UNIT_ASSERT (holo_base64_decode ("aGV*bG8=", 8, &len) == NULL);
  UNIT_ASSERT (holo_base64_decode ("aGVsb", 5, &len) == NULL);
  UNIT_ASSERT (holo_base64_decode ("aG=Vs", 5, &len) == NULL);
  cleanup_free char *e = holo_base64_encode ((const unsigned char *) "hello", 5);
  UNIT_ASSERT_STR_EQ (e, "aGVsbG8=");
}

/* The example of the DSSE specification (protocol.md).  */
static void
test_pae (void)
{
  size_t len;
  cleanup_free unsigned char *p
      = holo_dsse_pae ("http://example.com/HelloWorld", (const unsigned char *) "hello world", 11, &len);
  const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
  UNIT_ASSERT_INT_EQ (len, sizeof want - 1);
  UNIT_ASSERT (memcmp (p, want, len) == 0);
}

static void
test_rfc3339 (void)
{
  time_t t;
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("1970-01-01T00:00:00Z", &t), 0);
  UNIT_ASSERT_INT_EQ (t, 0);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("2024-02-29T12:00:00.123456789+01:30", &t), 0);
  UNIT_ASSERT_INT_EQ (t, 1709208000 - 5400);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("2001-09-09T01:46:40-00:00", &t), 0);
  UNIT_ASSERT_INT_EQ (t, 1000000000);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("2024-13-01T00:00:00Z", &t), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("2024-01-01T00:00:00", &t), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("2024-01-01T00:00:00Zjunk", &t), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_rfc3339 ("tomorrow", &t), -1);
}

static void
test_uor_empty_tree (void)
{
  cleanup_free char *d = make_tmpdir ();
  char id[HOLO_UOR_ID_LEN + 1];
  holo_error_t err = NULL;
  int r = uor_compute_path (d, NULL, id, NULL, &err);
  rm_rf (d);
  UNIT_ASSERT_INT_EQ (r, 0);
  UNIT_ASSERT_STR_EQ (id, EMPTY_TREE_ID);
}

/* The lines written out by hand from the spec for a small tree.  */
static void
test_uor_known_tree (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *p = NULL;
  write_str ((p = holo_xasprintf ("%s/b c", d)), "hello");
  chmod (p, 0640);
  free (p);
  mkdir ((p = holo_xasprintf ("%s/dir", d)), 0700);
  chmod (p, 0710);
  free (p);
  symlink ("../b c", (p = holo_xasprintf ("%s/dir/l%%", d)));
  free (p);
  mkfifo ((p = holo_xasprintf ("%s/dir/fifo", d)), 0600);
  chmod (p, 0600);
  char id[HOLO_UOR_ID_LEN + 1];
  holo_error_t err = NULL;
  int r = uor_compute_path (d, NULL, id, NULL, &err);
  rm_rf (d);
  UNIT_ASSERT_INT_EQ (r, 0);

  char link_hex[65];
  sha256_hex ("../b c", 6, link_hex);
  unsigned u = getuid (), g = getgid ();
  cleanup_free char *text = holo_xasprintf ("hologram-uor-v1\n"
                                            "f 0640 %u %u " HELLO_SHA256 " ./b%%20c\n"
                                            "d 0710 %u %u - ./dir\n"
                                            "p 0600 %u %u - ./dir/fifo\n"
                                            "l 0777 %u %u %s ./dir/l%%25\n",
                                            u, g, u, g, u, g, u, g, link_hex);
  char want[HOLO_UOR_ID_LEN + 1] = HOLO_UOR_PREFIX;
  sha256_hex (text, strlen (text), want + strlen (HOLO_UOR_PREFIX));
  UNIT_ASSERT_STR_EQ (id, want);
}

static void
compute_with_cache (const char *tree, const char *state, char id[HOLO_UOR_ID_LEN + 1], struct holo_uor_stats *st)
{
  holo_error_t err = NULL;
  struct holo_uor_cache *c = holo_uor_cache_open (state);
  if (uor_compute_path (tree, c, id, st, &err) < 0 || holo_uor_cache_save (c, &err) < 0)
    {
      fprintf (stderr, "%s\n", err->msg);
      abort ();
    }
  holo_uor_cache_free (c);
}

/* Same size, mtime put back: ctime moves, the cache misses, the id changes. */
static void
test_cache_never_changes_result (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *tree = holo_xasprintf ("%s/tree", d);
  cleanup_free char *state = holo_xasprintf ("%s/state", d);
  cleanup_free char *f = holo_xasprintf ("%s/file", tree);
  mkdir (tree, 0755);
  write_str (f, "0123456789");
  struct stat before;
  stat (f, &before);
  /* Files changed within the racy margin are not cached: age the tree.  */
  struct timespec ts = { 2, 300 * 1000 * 1000 };
  nanosleep (&ts, NULL);

  char id1[HOLO_UOR_ID_LEN + 1], id2[HOLO_UOR_ID_LEN + 1], id3[HOLO_UOR_ID_LEN + 1], fresh[HOLO_UOR_ID_LEN + 1];
  struct holo_uor_stats st1, st2, st3;
  compute_with_cache (tree, state, id1, &st1);
  compute_with_cache (tree, state, id2, &st2);
  write_str (f, "0123456780");
  struct timespec times[2] = { before.st_atim, before.st_mtim };
  utimensat (AT_FDCWD, f, times, 0);
  compute_with_cache (tree, state, id3, &st3);
  holo_error_t err = NULL;
  int r = uor_compute_path (tree, NULL, fresh, NULL, &err);
  rm_rf (d);
  UNIT_ASSERT_INT_EQ (r, 0);
  UNIT_ASSERT_INT_EQ (st1.files_cached, 0);
  UNIT_ASSERT_INT_EQ (st2.files_cached, 1);
  UNIT_ASSERT_STR_EQ (id1, id2);
  UNIT_ASSERT_INT_EQ (st3.files_cached, 0);
  UNIT_ASSERT (strcmp (id3, id1) != 0);
  UNIT_ASSERT_STR_EQ (id3, fresh);
}

/* A file changed within the racy margin is never cached.  */
static void
test_cache_skips_racy_files (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *tree = holo_xasprintf ("%s/tree", d);
  cleanup_free char *state = holo_xasprintf ("%s/state", d);
  cleanup_free char *f = holo_xasprintf ("%s/file", tree);
  mkdir (tree, 0755);
  write_str (f, "racy");
  char id[HOLO_UOR_ID_LEN + 1];
  struct holo_uor_stats st1, st2;
  compute_with_cache (tree, state, id, &st1);
  compute_with_cache (tree, state, id, &st2);
  rm_rf (d);
  UNIT_ASSERT_INT_EQ (st2.files_cached, 0);
}

static EVP_PKEY *
new_key (void)
{
  return EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
}

/* keyid = sha256 of the DER SubjectPublicKeyInfo, built here by hand.  */
static void
test_keyid (void)
{
  cleanup_pkey EVP_PKEY *k = new_key ();
  unsigned char der[44] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };
  size_t len = 32;
  UNIT_ASSERT (EVP_PKEY_get_raw_public_key (k, der + 12, &len) == 1 && len == 32);
  char want[65], got[65];
  sha256_hex (der, sizeof der, want);
  UNIT_ASSERT_INT_EQ (holo_keyid (k, got), 0);
  UNIT_ASSERT_STR_EQ (got, want);
}

/* noinline: gcc 12 sees a false dangling pointer through the inlined copy. */
static __attribute__ ((noinline)) char *
signed_witness (EVP_PKEY *key, const char *uor_id, const char *expires)
{
  cleanup_free char *stmt = holo_witness_statement (uor_id, "2024-01-01T00:00:00Z", expires);
  char *env = NULL;
  holo_error_t err = NULL;
  if (holo_dsse_sign (key, stmt, &env, &err) < 0)
    abort ();
  return env;
}

static int
verify (const char *json, const struct holo_trust *t, const char *id, char **reason)
{
  return holo_witness_verify (json, strlen (json), id, t, time (NULL), reason);
}

static void
test_witness_verdicts (void)
{
  const char *id = EMPTY_TREE_ID;
  const char *other = "uor:sha256:0000000000000000000000000000000000000000000000000000000000000000";
  cleanup_pkey EVP_PKEY *good = new_key ();
  cleanup_pkey EVP_PKEY *stranger = new_key ();
  struct holo_trusted_key tk = { good, "" };
  holo_keyid (good, tk.keyid);
  struct holo_trust trust = { &tk, 1 }, none = { NULL, 0 };
  cleanup_free char *ok = signed_witness (good, id, NULL);
  cleanup_free char *by_stranger = signed_witness (stranger, id, NULL);
  cleanup_free char *wrong = signed_witness (good, other, NULL);
  cleanup_free char *expired = signed_witness (good, id, "2000-01-01T00:00:00Z");
  cleanup_free char *later = signed_witness (good, id, "2999-01-01T00:00:00Z");
  char *r = NULL;
  UNIT_ASSERT_INT_EQ (verify (ok, &trust, id, &r), 1);
  UNIT_ASSERT_INT_EQ (verify (later, &trust, id, &r), 1);
  UNIT_ASSERT_INT_EQ (verify (ok, &none, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "no trusted keys");
  free (r);
  UNIT_ASSERT_INT_EQ (verify (by_stranger, &trust, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "untrusted key");
  free (r);
  UNIT_ASSERT_INT_EQ (verify (wrong, &trust, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "wrong subject");
  free (r);
  UNIT_ASSERT_INT_EQ (verify (expired, &trust, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "expired");
  free (r);
  UNIT_ASSERT_INT_EQ (verify ("{\"payloadType\":", &trust, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "malformed witness");
  free (r);
}

/* Swaps the payload of A with B's (signatures stay A's).  */
static char *
splice_payload (const char *a, const char *b)
{
  const char *pa = strstr (a, "\"payload\":\""), *pb = strstr (b, "\"payload\":\"");
  const char *ea = strchr (pa + 11, '"'), *eb = strchr (pb + 11, '"');
  return holo_xasprintf ("%.*s%.*s%s", (int) (pa - a), a, (int) (eb - pb), pb, ea);
}

static void
test_witness_tampering (void)
{
  const char *id = EMPTY_TREE_ID;
  cleanup_pkey EVP_PKEY *good = new_key ();
  cleanup_pkey EVP_PKEY *stranger = new_key ();
  struct holo_trusted_key tk = { good, "" };
  holo_keyid (good, tk.keyid);
  struct holo_trust trust = { &tk, 1 };
  cleanup_free char *ok = signed_witness (good, id, NULL);
  cleanup_free char *ok2 = signed_witness (good, id, "2999-01-01T00:00:00Z");
  cleanup_free char *tampered = splice_payload (ok, ok2);
  char *r = NULL;
  UNIT_ASSERT_INT_EQ (verify (tampered, &trust, id, &r), 0);
  UNIT_ASSERT_STR_CONTAINS (r, "bad signature");
  free (r);
  /* Two signatures, the first from a stranger: the good one is enough.  */
  cleanup_free char *bad = signed_witness (stranger, id, NULL);
  const char *sigs_ok = strstr (ok, "\"signatures\":[") + 14;
  const char *sigs_bad = strstr (bad, "\"signatures\":[") + 14;
  cleanup_free char *two = holo_xasprintf ("%.*s%.*s,%s", (int) (sigs_ok - ok), ok,
                                           (int) (strchr (sigs_bad, '}') + 1 - sigs_bad), sigs_bad, sigs_ok);
  UNIT_ASSERT_INT_EQ (verify (two, &trust, id, &r), 1);
}

static void
unset_hologram_env (void)
{
  static const char *const names[] = { "HOLOGRAM_POLICY",
                                       "HOLOGRAM_ENFORCE",
                                       "HOLOGRAM_DISABLE",
                                       "HOLOGRAM_VERBOSE",
                                       "HOLOGRAM_WITNESS_ENDPOINT",
                                       "HOLOGRAM_WITNESS_TIMEOUT_MS",
                                       "HOLOGRAM_WITNESS_PUBKEY",
                                       "HOLOGRAM_TRUST_DIR",
                                       "HOLOGRAM_REQUIRE_SEALED",
                                       "HOLOGRAM_VERIFY_TIMEOUT_MS",
                                       "HOLOGRAM_NET",
                                       "HOLOGRAM_CTP96_ENDPOINT",
                                       "HOLOGRAM_CTP96_TIMEOUT_MS",
                                       NULL };
  for (size_t i = 0; names[i]; i++)
    unsetenv (names[i]);
}

/* The mode of options O for a container with annotation KEY=VALUE (or
   none), and whether anything is computed.  */
static enum holo_hologram_mode
mode_for (const struct holo_hologram_options *o, const char *key, const char *value, bool *configured)
{
  struct holo_kv kv = { (char *) key, (char *) value };
  struct holo_hologram_verdict v = { 0 };
  holo_hologram_decide (o, key ? &kv : NULL, key ? 1 : 0, &v);
  enum holo_hologram_mode m = v.mode;
  *configured = v.configured;
  holo_hologram_verdict_clear (&v);
  return m;
}

static enum holo_hologram_mode
load_mode (const char *key, const char *value, bool *configured)
{
  struct holo_hologram_options o;
  holo_hologram_options_load (&o);
  enum holo_hologram_mode m = mode_for (&o, key, value, configured);
  holo_hologram_options_clear (&o);
  return m;
}

static void
test_modes (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *policy = holo_xasprintf ("%s/policy.json", d);
  bool conf;
  unset_hologram_env ();
  /* Point the default policy file away from the host's.  */
  setenv ("HOLOGRAM_POLICY", policy, 1);
  write_str (policy, "{}");
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_PERMISSIVE);
  UNIT_ASSERT (conf);
  setenv ("HOLOGRAM_DISABLE", "1", 1);
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_OFF);
  UNIT_ASSERT (!conf);
  /* Annotations tighten, even off.  */
  UNIT_ASSERT_INT_EQ (load_mode ("org.hologram.enforce", "true", &conf), HOLO_HOLOGRAM_ENFORCE);
  UNIT_ASSERT (conf);
  setenv ("HOLOGRAM_ENFORCE", "1", 1);
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_ENFORCE);
  unsetenv ("HOLOGRAM_ENFORCE");
  unsetenv ("HOLOGRAM_DISABLE");
  write_str (policy, "{\"mode\": \"off\"}");
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_OFF);
  write_str (policy, "{\"mode\": \"enforce\"}");
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_ENFORCE);
  /* The environment overrides the file; annotations never loosen.  */
  setenv ("HOLOGRAM_ENFORCE", "0", 1);
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_PERMISSIVE);
  unsetenv ("HOLOGRAM_ENFORCE");
  UNIT_ASSERT_INT_EQ (load_mode ("org.hologram.enforce", "false", &conf), HOLO_HOLOGRAM_ENFORCE);
  write_str (policy, "{\"mode\": \"permissive\"}");
  UNIT_ASSERT_INT_EQ (load_mode (NULL, NULL, &conf), HOLO_HOLOGRAM_PERMISSIVE);
  write_str (policy, "not json");
  struct holo_hologram_options o;
  holo_hologram_options_load (&o);
  UNIT_ASSERT_INT_EQ (o.mode, HOLO_HOLOGRAM_ENFORCE);
  UNIT_ASSERT_STR_CONTAINS (o.mode_source, "invalid");
  UNIT_ASSERT_STR_CONTAINS (o.policy_error, "not a JSON object");
  holo_hologram_options_clear (&o);

  /* Unconfigured: off, nothing computed, no endpoint; an org.hologram.*
     annotation configures it (permissive) for that container.  */
  unsetenv ("HOLOGRAM_POLICY");
  rm_rf (d);
  holo_hologram_options_load (&o);
  if (access ("/etc/hologram/policy.json", F_OK) != 0)
    {
      UNIT_ASSERT (!o.configured);
      UNIT_ASSERT_INT_EQ (mode_for (&o, NULL, NULL, &conf), HOLO_HOLOGRAM_OFF);
      UNIT_ASSERT (!conf);
      UNIT_ASSERT_INT_EQ (mode_for (&o, "org.hologram.witness", "x", &conf), HOLO_HOLOGRAM_PERMISSIVE);
      UNIT_ASSERT (conf);
      UNIT_ASSERT_INT_EQ (mode_for (&o, "org.other", "x", &conf), HOLO_HOLOGRAM_OFF);
      UNIT_ASSERT (o.witness_endpoint == NULL);
    }
  holo_hologram_options_clear (&o);
}

/* Every policy key, and the environment over it.  */
static void
test_policy_keys (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *policy = holo_xasprintf ("%s/policy.json", d);
  unset_hologram_env ();
  setenv ("HOLOGRAM_POLICY", policy, 1);
  write_str (policy, "{\"mode\": \"enforce\", \"trust_dir\": \"/t\", \"witness_pubkey\": \"/k.pem\","
                     " \"witness_endpoint\": \"http://w\", \"witness_timeout_ms\": 50, \"verify_timeout_ms\": 70,"
                     " \"require_sealed\": true, \"verbose\": true, \"net\": \"ctp96\","
                     " \"ctp96_endpoint\": \"http://c\"}");
  struct holo_hologram_options o;
  holo_hologram_options_load (&o);
  UNIT_ASSERT (o.policy_error == NULL);
  UNIT_ASSERT_INT_EQ (o.mode, HOLO_HOLOGRAM_ENFORCE);
  UNIT_ASSERT_STR_EQ (o.trust_dir, "/t");
  UNIT_ASSERT_STR_EQ (o.witness_pubkey, "/k.pem");
  UNIT_ASSERT_STR_EQ (o.witness_endpoint, "http://w");
  UNIT_ASSERT_INT_EQ (o.witness_timeout_ms, 50);
  UNIT_ASSERT_INT_EQ (o.verify_timeout_ms, 70);
  UNIT_ASSERT (o.require_sealed && o.verbose && o.ctp96);
  UNIT_ASSERT_STR_EQ (o.ctp96_endpoint, "http://c");
  holo_hologram_options_clear (&o);
  setenv ("HOLOGRAM_WITNESS_ENDPOINT", "http://e", 1);
  setenv ("HOLOGRAM_VERBOSE", "0", 1);
  setenv ("HOLOGRAM_NET", "none", 1);
  setenv ("HOLOGRAM_VERIFY_TIMEOUT_MS", "90", 1);
  holo_hologram_options_load (&o);
  UNIT_ASSERT_STR_EQ (o.witness_endpoint, "http://e");
  UNIT_ASSERT (!o.verbose && !o.ctp96);
  UNIT_ASSERT_INT_EQ (o.verify_timeout_ms, 90);
  holo_hologram_options_clear (&o);
  write_str (policy, "{\"verbose\": \"yes\"}");
  holo_hologram_options_load (&o);
  UNIT_ASSERT_STR_CONTAINS (o.policy_error, "verbose: must be true or false");
  holo_hologram_options_clear (&o);
  unset_hologram_env ();
  rm_rf (d);
}

/* The extension libcontainer gets: what create keeps and shows, and the
   check at start of the same tree, changed or not.  */
static void
test_extension (void)
{
  cleanup_free char *d = make_tmpdir ();
  cleanup_free char *policy = holo_xasprintf ("%s/policy.json", d);
  cleanup_free char *tree = holo_xasprintf ("%s/tree", d);
  cleanup_free char *f = holo_xasprintf ("%s/file", tree);
  mkdir (tree, 0755);
  write_str (f, "one");
  unset_hologram_env ();
  setenv ("HOLOGRAM_POLICY", policy, 1);
  write_str (policy, "{\"verbose\": true, \"trust_dir\": \"/nonexistent\"}");
  struct holo_hologram_options o;
  holo_hologram_options_load (&o);
  struct holo_extension ext;
  holo_hologram_extension (&o, &ext);
  UNIT_ASSERT (ext.create_wanted (ext.data, NULL, 0));
  cleanup_close int fd = open (tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct holo_extension_container c = { .id = "c1", .bundle = d, .rootfs = tree };
  struct holo_extension_result r = { 0 };
  holo_error_t err = NULL;
  /* Permissive: no witness is a warning, the record says so.  */
  UNIT_ASSERT_INT_EQ (ext.create_check (ext.data, &c, fd, &r, &err), 0);
  UNIT_ASSERT_STR_CONTAINS (r.persist, "\"mode\":\"permissive\"");
  UNIT_ASSERT_STR_CONTAINS (r.state_fields, "{\"XHologram\":{\"uor_id\":\"uor:sha256:");
  UNIT_ASSERT_STR_CONTAINS (r.state_fields, "\"witness_ok\":false");
  UNIT_ASSERT_INT_EQ (r.n_annotations, 2);
  UNIT_ASSERT_STR_EQ (r.annotations[1].key, "org.hologram.witness-ok");
  UNIT_ASSERT (!ext.start_wanted (ext.data, r.persist));
  holo_extension_result_clear (&r);
  holo_hologram_options_clear (&o);

  /* Enforce, not verbose: no state fields; start checks the tree again. */
  write_str (policy, "{\"mode\": \"enforce\", \"trust_dir\": \"/nonexistent\"}");
  holo_hologram_options_load (&o);
  holo_hologram_extension (&o, &ext);
  UNIT_ASSERT_INT_EQ (ext.create_check (ext.data, &c, fd, &r, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "hologram: enforce: no witness for uor:sha256:");
  holo_error_release (&err);
  /* A record as a permissive create left it, now started in enforce.  */
  cleanup_free char *id = NULL;
  {
    struct holo_hologram_verdict v = { 0 };
    UNIT_ASSERT_INT_EQ (holo_hologram_tree_id (&o, tree, fd, &v), 0);
    id = holo_xstrdup (v.uor_id);
    holo_hologram_verdict_clear (&v);
  }
  cleanup_free char *persist = holo_xasprintf ("{\"mode\":\"enforce\",\"uor_id\":\"%s\"}", id);
  UNIT_ASSERT (ext.start_wanted (ext.data, persist));
  UNIT_ASSERT_INT_EQ (ext.start_check (ext.data, &c, fd, persist, &err), 0);
  write_str (f, "two");
  UNIT_ASSERT_INT_EQ (ext.start_check (ext.data, &c, fd, persist, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "the rootfs changed after create");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (ext.start_check (ext.data, &c, fd, NULL, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "was not verified at create");
  holo_error_release (&err);
  holo_hologram_options_clear (&o);
  unset_hologram_env ();
  rm_rf (d);
}

int
main (void)
{
  UNIT_RUN (test_escape);
  UNIT_RUN (test_uor_id_valid);
  UNIT_RUN (test_base64);
  UNIT_RUN (test_pae);
  UNIT_RUN (test_rfc3339);
  UNIT_RUN (test_uor_empty_tree);
  UNIT_RUN (test_uor_known_tree);
  UNIT_RUN (test_cache_never_changes_result);
  UNIT_RUN (test_cache_skips_racy_files);
  UNIT_RUN (test_keyid);
  UNIT_RUN (test_witness_verdicts);
  UNIT_RUN (test_witness_tampering);
  UNIT_RUN (test_modes);
  UNIT_RUN (test_policy_keys);
  UNIT_RUN (test_extension);
  return unit_finish ();
}
