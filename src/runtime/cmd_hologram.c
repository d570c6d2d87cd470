/* `holo hologram id|sign|verify` (HOLOGRAM.md section 6).  */
#define _GNU_SOURCE
#include "commands.h"
#include "hologram/hologram.h"
#include "hologram/hologram_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] = "Usage: holo hologram id [--no-cache] [--stats] PATH\n"
                            "       holo hologram sign --key KEY.pem [--expires RFC3339] [--output FILE] BUNDLE\n"
                            "       holo hologram verify BUNDLE\n\n"
                            "id      print the UOR-ID of a rootfs directory or of a bundle's root.path\n"
                            "sign    write BUNDLE/hologram.witness.json (or FILE, '-' for stdout): a DSSE\n"
                            "        envelope signed with the Ed25519 private key KEY.pem\n"
                            "verify  print the UOR-ID and the verdict for BUNDLE; exit 0 only when ok\n";

static int
cmd_id (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "no-cache", no_argument, NULL, 'n' },
    { "stats", no_argument, NULL, 's' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool no_cache = false, stats = false;
  int c;
  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      if (c == 'n')
        no_cache = true;
      else if (c == 's')
        stats = true;
      else if (c == 'h')
        return printf ("%s", usage), 0;
      else
        return holo_cmd_usage_error ("hologram", "invalid option");
    }
  if (argc - optind != 1)
    return holo_cmd_usage_error ("hologram", "\"hologram id\" requires exactly 1 argument(s)");
  holo_error_t err = NULL;
  cleanup_free char *rootfs = NULL;
  if (holo_hologram_resolve_rootfs (argv[optind], &rootfs, NULL, &err) < 0)
    return holo_cmd_fail (&err);
  struct holo_uor_cache *cache = no_cache ? NULL : holo_uor_cache_open (g->ctx.root);
  char id[HOLO_UOR_ID_LEN + 1];
  struct holo_uor_stats st;
  int r = holo_uor_compute (rootfs, cache, id, &st, &err);
  if (r == 0 && holo_uor_cache_save (cache, &err) < 0)
    holo_log_release_error (&err); /* only a cost, never the result */
  holo_uor_cache_free (cache);
  if (r < 0)
    return holo_cmd_fail (&err);
  printf ("%s\n", id);
  if (stats)
    fprintf (stderr, "entries %zu files %zu cached %zu bytes_hashed %llu\n", st.entries, st.files, st.files_cached,
             (unsigned long long) st.bytes_read);
  return 0;
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

static int
write_witness (const char *bundle_dir, const char *output, const char *envelope, holo_error_t *err)
{
  if (output && strcmp (output, "-") == 0)
    return printf ("%s\n", envelope) < 0 ? holo_make_error (err, errno, "write stdout") : 0;
  if (output)
    return holo_write_file (output, envelope, strlen (envelope), err);
  cleanup_close int dfd = open (bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return holo_make_error (err, errno, "open bundle `%s`", bundle_dir);
  return holo_write_file_atomic_at (dfd, "hologram.witness.json", envelope, strlen (envelope), err);
}

static int
sign_bundle (struct holo_global *g, const char *bundle, const char *key_path, const char *expires, const char *output)
{
  holo_error_t err = NULL;
  time_t t;
  if (expires && holo_parse_rfc3339 (expires, &t) < 0)
    return holo_cmd_usage_error ("hologram", "--expires `%s`: not an RFC 3339 time", expires);
  cleanup_pkey EVP_PKEY *key = load_private_key (key_path, &err);
  if (key == NULL)
    return holo_cmd_fail (&err);
  cleanup_free char *rootfs = NULL;
  if (holo_hologram_resolve_rootfs (bundle, &rootfs, NULL, &err) < 0)
    return holo_cmd_fail (&err);
  struct holo_uor_cache *cache = holo_uor_cache_open (g->ctx.root);
  char id[HOLO_UOR_ID_LEN + 1];
  int r = holo_uor_compute (rootfs, cache, id, NULL, &err);
  if (r == 0)
    {
      holo_error_t ignored = NULL;
      holo_uor_cache_save (cache, &ignored);
      holo_error_release (&ignored);
    }
  holo_uor_cache_free (cache);
  if (r < 0)
    return holo_cmd_fail (&err);
  char issued[32];
  time_t now = time (NULL);
  struct tm tm;
  strftime (issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
  cleanup_free char *statement = holo_witness_statement (id, issued, expires);
  cleanup_free char *envelope = NULL;
  if (holo_dsse_sign (key, statement, &envelope, &err) < 0 || write_witness (bundle, output, envelope, &err) < 0)
    return holo_cmd_fail (&err);
  if (output == NULL || strcmp (output, "-") != 0)
    printf ("%s\n", id);
  return 0;
}

static int
cmd_sign (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "key", required_argument, NULL, 'k' },
    { "expires", required_argument, NULL, 'e' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *key = NULL, *expires = NULL, *output = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "k:e:o:h", options, NULL)) != -1)
    {
      if (c == 'k')
        key = optarg;
      else if (c == 'e')
        expires = optarg;
      else if (c == 'o')
        output = optarg;
      else if (c == 'h')
        return printf ("%s", usage), 0;
      else
        return holo_cmd_usage_error ("hologram", "invalid option");
    }
  if (key == NULL)
    return holo_cmd_usage_error ("hologram", "\"hologram sign\" requires --key");
  if (argc - optind != 1)
    return holo_cmd_usage_error ("hologram", "\"hologram sign\" requires exactly 1 argument(s)");
  return sign_bundle (g, argv[optind], key, expires, output);
}

static int
cmd_verify (struct holo_global *g, int argc, char **argv)
{
  if (argc == 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return printf ("%s", usage), 0;
  if (argc != 2)
    return holo_cmd_usage_error ("hologram", "\"hologram verify\" requires exactly 1 argument(s)");
  holo_error_t err = NULL;
  cleanup_free char *rootfs = NULL;
  cleanup_spec struct holo_spec *spec = NULL;
  if (holo_hologram_resolve_rootfs (argv[1], &rootfs, &spec, &err) < 0)
    return holo_cmd_fail (&err);
  cleanup_free char *bundle = realpath (argv[1], NULL);
  struct holo_hologram_verdict v = { .mode = HOLO_HOLOGRAM_PERMISSIVE };
  holo_hologram_check (spec, spec ? bundle : NULL, rootfs, g->ctx.root, NULL, &v);
  printf ("%s\n", v.uor_id ? v.uor_id : "-");
  if (v.ok)
    printf ("ok: witness from %s\n", v.witness_source);
  else
    printf ("violation: %s\n", v.reason);
  int ret = v.ok ? 0 : 1;
  holo_hologram_verdict_clear (&v);
  return ret;
}

int
holo_cmd_hologram (struct holo_global *g, int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      fprintf (argc < 2 ? stderr : stdout, "%s", usage);
      return argc < 2 ? 1 : 0;
    }
  /* getopt for the subcommand: argv[1] becomes its argv[0].  */
  optind = 0;
  if (strcmp (argv[1], "id") == 0)
    return cmd_id (g, argc - 1, argv + 1);
  if (strcmp (argv[1], "sign") == 0)
    return cmd_sign (g, argc - 1, argv + 1);
  if (strcmp (argv[1], "verify") == 0)
    return cmd_verify (g, argc - 1, argv + 1);
  return holo_cmd_usage_error ("hologram", "unknown hologram command `%s`", argv[1]);
}
