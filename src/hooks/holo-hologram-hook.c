/* holo-hologram-hook: the Hologram policy as an OCI hook, for runtimes
   without it built in (runc, crun).  Register it as a prestart or
   createRuntime hook; it reads the container state on stdin, loads the
   bundle's config.json and applies the same policy as holo: in enforce mode
   a violation makes it exit 1, so the runtime fails the create before the
   user process runs.  With HOLOGRAM_NET=ctp96 it opens the session and
   records it under --root; register it again as a poststop hook with the
   argument "poststop" to close the session.

   holo-hologram-hook [--root DIR] [create|poststop]  */
#define _GNU_SOURCE
#include "hologram/hologram.h"
#include "libcontainer/store.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define PROG "holo-hologram-hook"
#define MAX_STATE_JSON (1024 * 1024)

struct hook_state
{
  char *id;
  char *bundle;
};

static char *
default_root (void)
{
  if (geteuid () == 0)
    return holo_xstrdup ("/run/" PROG);
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  if (xdg && *xdg)
    return holo_xasprintf ("%s/%s", xdg, PROG);
  return holo_xasprintf ("/tmp/%s-%d", PROG, (int) geteuid ());
}

static int
read_state (struct hook_state *hs, holo_error_t *err)
{
  cleanup_free char *buf = holo_xmalloc (MAX_STATE_JSON + 1);
  ssize_t n = holo_read_all (STDIN_FILENO, buf, MAX_STATE_JSON);
  if (n < 0)
    return holo_make_error (err, errno, "read the container state from stdin");
  buf[n] = '\0';
  static const char *const id_path[] = { "id", NULL };
  static const char *const bundle_path[] = { "bundle", NULL };
  char errbuf[128] = "";
  yajl_val root = yajl_tree_parse (buf, errbuf, sizeof errbuf);
  if (root == NULL)
    return holo_make_error (err, 0, "the container state on stdin is not JSON: %s", errbuf);
  yajl_val idv = yajl_tree_get (root, (const char **) id_path, yajl_t_string);
  yajl_val bundlev = yajl_tree_get (root, (const char **) bundle_path, yajl_t_string);
  const char *id = idv ? YAJL_GET_STRING (idv) : NULL;
  const char *bundle = bundlev ? YAJL_GET_STRING (bundlev) : NULL;
  if (id == NULL || bundle == NULL)
    {
      yajl_tree_free (root);
      return holo_make_error (err, 0, "the container state on stdin lacks id or bundle");
    }
  hs->id = holo_xstrdup (id);
  hs->bundle = holo_xstrdup (bundle);
  yajl_tree_free (root);
  return 0;
}

/* The id names a file under --root: it must be a plain name.  */
static bool
valid_id (const char *id)
{
  holo_error_t err = NULL;
  if (holo_validate_id (id, &err) == 0)
    return true;
  fprintf (stderr, PROG ": %s\n", err->msg);
  holo_error_release (&err);
  return false;
}

/* <root>/sessions/<id>.json holds what poststop needs.  */
static char *
session_file (const char *root, const char *id, bool create_dir)
{
  cleanup_free char *dir = holo_xasprintf ("%s/sessions", root);
  holo_error_t ignored = NULL;
  if (create_dir && holo_mkdir_p (dir, 0700, &ignored) < 0)
    holo_error_release (&ignored);
  return holo_xasprintf ("%s/%s.json", dir, id);
}

/* What poststop needs to close the session.  */
static char *
session_json (const struct holo_hologram_verdict *v)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "session_id", 10);
  yajl_gen_string (g, (const unsigned char *) v->session_id, strlen (v->session_id));
  yajl_gen_string (g, (const unsigned char *) "ctp96_endpoint", 14);
  yajl_gen_string (g, (const unsigned char *) v->ctp96_endpoint, strlen (v->ctp96_endpoint));
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = holo_xstrndup ((const char *) buf, len);
  yajl_gen_free (g);
  return r;
}

static void
record_session (const struct holo_hologram_verdict *v, const char *root, const char *id)
{
  holo_error_t err = NULL;
  cleanup_free char *path = session_file (root, id, true);
  cleanup_free char *json = session_json (v);
  if (holo_write_file (path, json, strlen (json), &err) < 0)
    {
      fprintf (stderr, PROG ": warning: cannot record the CTP-96 session: %s\n", err->msg);
      holo_error_release (&err);
    }
}

static int
run_create (const struct holo_hologram_options *o, const struct hook_state *hs, const char *root)
{
  holo_error_t err = NULL;
  if (!valid_id (hs->id))
    return 1;
  cleanup_free char *rootfs = NULL;
  cleanup_spec struct holo_spec *spec = NULL;
  if (holo_hologram_resolve_rootfs (hs->bundle, &rootfs, &spec, &err) < 0)
    {
      /* Not even the config: the mode cannot come from annotations.  */
      int ret = o->configured && o->mode != HOLO_HOLOGRAM_OFF;
      if (ret)
        fprintf (stderr, PROG ": hologram: cannot read the bundle: %s\n", err->msg);
      holo_error_release (&err);
      return ret;
    }
  struct holo_hologram_verdict v = { 0 };
  holo_hologram_decide (o, spec->annotations, spec->n_annotations, &v);
  if (!v.configured)
    {
      holo_hologram_verdict_clear (&v);
      return 0;
    }
  struct holo_hologram_tree tree;
  if (holo_hologram_tree_open (hs->bundle, &tree, &err) < 0)
    {
      fprintf (stderr, PROG ": hologram: %s\n", err->msg);
      holo_error_release (&err);
      holo_hologram_verdict_clear (&v);
      return 1;
    }
  /* The hook runs after the runtime made its mount points: it cannot know
     which entries the runtime added (new_entries stays empty).  */
  struct holo_hologram_target t = {
    .container_id = hs->id,
    .bundle = hs->bundle,
    .rootfs = tree.path,
    .rootfs_fd = tree.fd,
    .annotations = spec->annotations,
    .n_annotations = spec->n_annotations,
  };
  holo_hologram_check (o, &t, &v);
  holo_hologram_tree_close (&tree);
  int ret = 0;
  if (!v.ok && v.mode == HOLO_HOLOGRAM_ENFORCE)
    {
      fprintf (stderr, PROG ": hologram: enforce: %s (enforced by %s)\n", v.reason, v.mode_source);
      ret = 1;
    }
  else
    {
      holo_hologram_log_decision (&v, hs->id);
      if (v.session_id)
        record_session (&v, root, hs->id);
    }
  holo_hologram_verdict_clear (&v);
  return ret;
}

static int
run_poststop (const struct holo_hologram_options *o, const struct hook_state *hs, const char *root)
{
  if (!valid_id (hs->id))
    return 0;
  cleanup_free char *path = session_file (root, hs->id, false);
  cleanup_free char *json = NULL;
  size_t len;
  holo_error_t err = NULL;
  if (holo_read_file (path, &json, &len, &err) < 0)
    {
      holo_error_release (&err);
      return 0;
    }
  static const char *const sid_path[] = { "session_id", NULL };
  static const char *const endpoint_path[] = { "ctp96_endpoint", NULL };
  char errbuf[64];
  yajl_val tree = yajl_tree_parse (json, errbuf, sizeof errbuf);
  yajl_val sid = tree ? yajl_tree_get (tree, (const char **) sid_path, yajl_t_string) : NULL;
  yajl_val endpoint = tree ? yajl_tree_get (tree, (const char **) endpoint_path, yajl_t_string) : NULL;
  if (sid && endpoint)
    holo_hologram_close_session (o, YAJL_GET_STRING (endpoint), YAJL_GET_STRING (sid));
  yajl_tree_free (tree);
  unlink (path);
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct option options[] = {
    { "root", required_argument, NULL, 'r' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  cleanup_free char *root = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "r:h", options, NULL)) != -1)
    {
      if (c == 'r')
        {
          free (root);
          root = holo_xstrdup (optarg);
        }
      else if (c == 'h')
        {
          printf ("Usage: " PROG " [--root DIR] [create|poststop]\n"
                  "An OCI hook (prestart or createRuntime; poststop to close a CTP-96 session)\n"
                  "that applies the Hologram policy to the container whose state is on stdin.\n");
          return 0;
        }
      else
        return 2;
    }
  const char *stage = optind < argc ? argv[optind] : "create";
  if (strcmp (stage, "create") != 0 && strcmp (stage, "prestart") != 0 && strcmp (stage, "createRuntime") != 0
      && strcmp (stage, "poststop") != 0)
    {
      fprintf (stderr, PROG ": unknown stage `%s`\n", stage);
      return 2;
    }
  if (root == NULL)
    root = default_root ();
  struct hook_state hs = { 0 };
  holo_error_t err = NULL;
  if (read_state (&hs, &err) < 0)
    {
      fprintf (stderr, PROG ": %s\n", err->msg);
      holo_error_release (&err);
      return 1;
    }
  struct holo_hologram_options o;
  holo_hologram_options_load (&o);
  o.state_root = root;
  int ret = strcmp (stage, "poststop") == 0 ? run_poststop (&o, &hs, root) : run_create (&o, &hs, root);
  holo_hologram_options_clear (&o);
  free (hs.id);
  free (hs.bundle);
  return ret;
}
