/* `holo hologram id|sign|verify|seal|unseal` (HOLOGRAM.md section 6).  */
#define _GNU_SOURCE
#include "commands.h"
#include "hologram/hologram.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "Usage: holo hologram id [--no-cache] [--stats] [--sealed] PATH\n"
                            "       holo hologram sign --key KEY.pem [--expires RFC3339] [--output FILE] BUNDLE\n"
                            "       holo hologram verify BUNDLE\n"
                            "       holo hologram seal PATH\n"
                            "       holo hologram unseal PATH\n\n"
                            "id      print the UOR-ID of a rootfs directory or of a bundle's root.path;\n"
                            "        --sealed also prints whether the tree is sealed\n"
                            "sign    write BUNDLE/hologram.witness.json (or FILE, '-' for stdout): a DSSE\n"
                            "        envelope signed with the Ed25519 private key KEY.pem\n"
                            "verify  print the UOR-ID and the verdict for BUNDLE; exit 0 only when ok\n"
                            "seal    set the immutable flag on every directory and file of the tree\n"
                            "unseal  clear it (a sealed tree cannot be changed or removed)\n";

/* The options of the environment and policy file, with our state root. */
static void
load_options (struct holo_global *g, struct holo_hologram_options *o, bool cache)
{
  holo_hologram_options_load (o);
  o->state_root = cache ? g->ctx.root : NULL;
}

static int
open_tree (const char *path, struct holo_hologram_tree *t)
{
  holo_error_t err = NULL;
  if (holo_hologram_tree_open (path, t, &err) < 0)
    return holo_cmd_fail (&err);
  return 0;
}

/* sign and seal say what create would add to the tree: it would change. */
static void
warn_new_entries (const struct holo_hologram_tree *t)
{
  for (size_t i = 0; i < t->n_new_entries; i++)
    fprintf (stderr,
             "warning: the runtime would create %s in this rootfs (a missing mount point of the bundle): "
             "create it before signing or sealing, or the tree will not be the one witnessed\n",
             t->new_entries[i]);
}

static int
print_id (struct holo_global *g, const char *path, bool cache, bool stats, bool sealed)
{
  struct holo_hologram_options o;
  struct holo_hologram_tree t;
  if (open_tree (path, &t) != 0)
    return 1;
  load_options (g, &o, cache);
  struct holo_hologram_verdict v = { 0 };
  int r = holo_hologram_tree_id (&o, t.path, t.fd, &v);
  holo_hologram_options_clear (&o);
  holo_hologram_tree_close (&t);
  if (r < 0)
    {
      holo_log_error ("%s", v.reason);
      holo_hologram_verdict_clear (&v);
      return 1;
    }
  printf ("%s\n", v.uor_id);
  if (sealed && v.sealed)
    printf ("sealed\n");
  else if (sealed)
    printf ("unsealed: %s%s (and %zu more)\n", v.stats.first_unsealed,
            v.stats.seal_unknown ? " (the filesystem does not report the immutable flag)" : "", v.stats.unsealed - 1);
  if (stats)
    fprintf (stderr, "entries %zu files %zu cached %zu bytes_hashed %llu\n", v.stats.entries, v.stats.files,
             v.stats.files_cached, (unsigned long long) v.stats.bytes_read);
  holo_hologram_verdict_clear (&v);
  return 0;
}

static int
cmd_id (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "no-cache", no_argument, NULL, 'n' },
    { "stats", no_argument, NULL, 's' },
    { "sealed", no_argument, NULL, 'S' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool no_cache = false, stats = false, sealed = false;
  int c;
  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      if (c == 'n')
        no_cache = true;
      else if (c == 's')
        stats = true;
      else if (c == 'S')
        sealed = true;
      else if (c == 'h')
        return printf ("%s", usage), 0;
      else
        return holo_cmd_usage_error ("hologram", "invalid option");
    }
  if (argc - optind != 1)
    return holo_cmd_usage_error ("hologram", "\"hologram id\" requires exactly 1 argument(s)");
  return print_id (g, argv[optind], !no_cache, stats, sealed);
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
  if (expires && !holo_hologram_valid_time (expires))
    return holo_cmd_usage_error ("hologram", "--expires `%s`: not an RFC 3339 time", expires);
  struct holo_hologram_tree t;
  if (open_tree (bundle, &t) != 0)
    return 1;
  warn_new_entries (&t);
  struct holo_hologram_options o;
  load_options (g, &o, true);
  struct holo_hologram_verdict v = { 0 };
  holo_error_t err = NULL;
  cleanup_free char *envelope = NULL;
  int ret = 0;
  if (holo_hologram_tree_id (&o, t.path, t.fd, &v) < 0)
    ret = holo_make_error (&err, 0, "%s", v.reason);
  else if (holo_hologram_sign (key_path, v.uor_id, expires, &envelope, &err) < 0
           || write_witness (t.bundle ? t.bundle : bundle, output, envelope, &err) < 0)
    ret = -1;
  else if (output == NULL || strcmp (output, "-") != 0)
    printf ("%s\n", v.uor_id);
  holo_hologram_verdict_clear (&v);
  holo_hologram_options_clear (&o);
  holo_hologram_tree_close (&t);
  return ret < 0 ? holo_cmd_fail (&err) : 0;
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

/* One positional argument and --help.  */
static int
single_path (const char *cmd, int argc, char **argv, const char **path)
{
  if (argc == 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return printf ("%s", usage), -1;
  if (argc != 2)
    return holo_cmd_usage_error ("hologram", "\"hologram %s\" requires exactly 1 argument(s)", cmd);
  *path = argv[1];
  return 0;
}

static int
cmd_verify (struct holo_global *g, int argc, char **argv)
{
  const char *path;
  int r = single_path ("verify", argc, argv, &path);
  if (r != 0)
    return r < 0 ? 0 : r;
  struct holo_hologram_tree t;
  if (open_tree (path, &t) != 0)
    return 1;
  struct holo_hologram_options o;
  load_options (g, &o, true);
  /* verify always checks, whatever the mode.  */
  struct holo_hologram_verdict v = { .configured = true, .mode = HOLO_HOLOGRAM_PERMISSIVE };
  struct holo_hologram_target target = {
    .bundle = t.bundle,
    .rootfs = t.path,
    .rootfs_fd = t.fd,
    .annotations = t.annotations,
    .n_annotations = t.n_annotations,
    .new_entries = t.new_entries,
    .n_new_entries = t.n_new_entries,
  };
  holo_hologram_check (&o, &target, &v);
  printf ("%s\n", v.uor_id ? v.uor_id : "-");
  if (v.ok)
    printf ("ok: witness from %s%s\n", v.witness_source, v.sealed ? " (sealed)" : "");
  else
    printf ("violation: %s\n", v.reason);
  int ret = v.ok ? 0 : 1;
  holo_hologram_verdict_clear (&v);
  holo_hologram_options_clear (&o);
  holo_hologram_tree_close (&t);
  return ret;
}

static int
cmd_seal (int argc, char **argv, bool seal)
{
  const char *path;
  int r = single_path (seal ? "seal" : "unseal", argc, argv, &path);
  if (r != 0)
    return r < 0 ? 0 : r;
  struct holo_hologram_tree t;
  if (open_tree (path, &t) != 0)
    return 1;
  if (seal)
    warn_new_entries (&t);
  struct holo_hologram_seal_stats st;
  holo_error_t err = NULL;
  r = holo_hologram_seal (t.fd, seal, &st, &err);
  holo_hologram_tree_close (&t);
  if (r < 0)
    return holo_cmd_fail (&err);
  printf ("%s: %zu entries changed, %zu left alone (symlinks, devices, fifos, mount points)\n",
          seal ? "sealed" : "unsealed", st.changed, st.skipped);
  return 0;
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
  if (strcmp (argv[1], "seal") == 0)
    return cmd_seal (argc - 1, argv + 1, true);
  if (strcmp (argv[1], "unseal") == 0)
    return cmd_seal (argc - 1, argv + 1, false);
  return holo_cmd_usage_error ("hologram", "unknown hologram command `%s`", argv[1]);
}
