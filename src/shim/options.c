/* holo shim — runtime options: which runtime binary, its state root, the
   systemd cgroup driver.  containerd sends containerd.runc.v1.Options (on
   the start command's stdin and in Create); the shim keeps them in the
   bundle so that the `delete` subcommand, run after a shim died, drives
   the runtime the same way.  */
#define _GNU_SOURCE
#include "shim.h"
#include "options.pb-c.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>

#define OPTIONS_FILE "holo-shim-options"
#define DEFAULT_ROOT "/run/containerd/holo"

void
shim_options_free (struct shim_options *o)
{
  free (o->binary_name);
  free (o->root);
  free (o->criu_image_path);
  free (o->criu_work_path);
  free (o->shim_cgroup);
  memset (o, 0, sizeof (*o));
}

static void
set_str (char **dst, const char *v)
{
  if (v == NULL || *v == '\0')
    return;
  free (*dst);
  *dst = holo_xstrdup (v);
}

static bool
has_suffix (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

/* Takes containerd.runc.v1.Options (what containerd sends to runc-style
   shims; "io.containerd.runc.v1.Options" from older releases).  Any other
   type, such as the CRI plugin's runtimeoptions.v1.Options, carries
   nothing for us and is ignored rather than refused.  */
int
shim_options_from_any (struct shim_options *o, const Hs__Any *any, holo_error_t *err)
{
  Hs__Options *opts;

  if (any == NULL || any->type_url == NULL || !has_suffix (any->type_url, "runc.v1.Options"))
    {
      if (any && any->type_url && *any->type_url)
        holo_log_debug ("ignoring runtime options of type %s", any->type_url);
      return 0;
    }
  opts = hs__options__unpack (NULL, any->value.len, any->value.data);
  if (opts == NULL)
    return holo_make_error (err, 0, "cannot decode runtime options of type %s", any->type_url);
  set_str (&o->binary_name, opts->binary_name);
  set_str (&o->root, opts->root);
  set_str (&o->criu_image_path, opts->criu_image_path);
  set_str (&o->criu_work_path, opts->criu_work_path);
  o->systemd_cgroup = opts->systemd_cgroup;
  o->no_pivot_root = opts->no_pivot_root;
  o->no_new_keyring = opts->no_new_keyring;
  set_str (&o->shim_cgroup, opts->shim_cgroup);
  o->io_uid = opts->io_uid;
  o->io_gid = opts->io_gid;
  hs__options__free_unpacked (opts, NULL);
  return 0;
}

/* containerd writes a packed google.protobuf.Any on stdin, or nothing.  */
int
shim_options_read_stdin (struct shim_options *o, holo_error_t *err)
{
  cleanup_free uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  Hs__Any *any;
  int ret;

  for (;;)
    {
      ssize_t n;
      if (len + 4096 > cap)
        {
          cap = cap ? cap * 2 : 4096;
          if (cap > (1u << 20))
            return holo_make_error (err, 0, "runtime options too large");
          buf = holo_xrealloc (buf, cap);
        }
      n = read (STDIN_FILENO, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  if (len == 0)
    return 0;
  any = hs__any__unpack (NULL, len, buf);
  if (any == NULL)
    return 0; /* not ours to judge: containerd may send nothing useful */
  ret = shim_options_from_any (o, any, err);
  hs__any__free_unpacked (any, NULL);
  return ret;
}

int
shim_options_save (const struct shim_options *o, const char *bundle, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("%s/" OPTIONS_FILE, bundle);
  cleanup_free char *text
      = holo_xasprintf ("binary_name=%s\nroot=%s\nsystemd_cgroup=%d\ncriu_image_path=%s\ncriu_work_path=%s\n",
                        o->binary_name ? o->binary_name : "", o->root ? o->root : "", o->systemd_cgroup ? 1 : 0,
                        o->criu_image_path ? o->criu_image_path : "", o->criu_work_path ? o->criu_work_path : "");

  return holo_write_file (path, text, strlen (text), err);
}

int
shim_options_load (struct shim_options *o, const char *bundle, holo_error_t *err)
{
  cleanup_free char *path = holo_xasprintf ("%s/" OPTIONS_FILE, bundle);
  cleanup_free char *text = NULL;
  char *line, *save = NULL;

  if (access (path, F_OK) < 0)
    return 0;
  if (holo_read_file (path, &text, NULL, err) < 0)
    return -1;
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *eq = strchr (line, '=');
      if (eq == NULL)
        continue;
      *eq++ = '\0';
      if (strcmp (line, "binary_name") == 0)
        set_str (&o->binary_name, eq);
      else if (strcmp (line, "root") == 0)
        set_str (&o->root, eq);
      else if (strcmp (line, "systemd_cgroup") == 0)
        o->systemd_cgroup = strcmp (eq, "1") == 0;
      else if (strcmp (line, "criu_image_path") == 0)
        set_str (&o->criu_image_path, eq);
      else if (strcmp (line, "criu_work_path") == 0)
        set_str (&o->criu_work_path, eq);
    }
  return 0;
}

const char *
shim_options_binary (const struct shim_options *o)
{
  return o->binary_name ? o->binary_name : "holo";
}

char *
shim_options_state_root (const struct shim_options *o, const char *namespace)
{
  return holo_xasprintf ("%s/%s", o->root ? o->root : DEFAULT_ROOT, namespace);
}
