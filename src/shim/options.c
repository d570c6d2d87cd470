/* holo shim — runtime options: which runtime binary, its state root, the
   systemd cgroup driver.  containerd sends them on the start command's
   stdin and in Create, as one of:
     - containerd.runc.v1.Options, the type of containerd's runc shims
       (a CRI handler of runtime_type io.containerd.runc.v2 whose
       runtime_path is this shim, or any client that sends it);
     - runtimeoptions.v1.Options {TypeUrl, ConfigPath}, what containerd
       1.6's CRI plugin makes of the [options] table of any other runtime
       type, io.containerd.holo.v2 included: every other key of that table
       is dropped by containerd, so the options themselves come from the
       TOML file at ConfigPath (the way gVisor's and Kata's shims take
       theirs), with the same names as runc's CRI options: BinaryName,
       Root, SystemdCgroup, ...  ctr's --runtime-config-path sends the
       same message.
   The shim keeps them in the bundle so that the `delete` subcommand, run
   after a shim died, drives the runtime the same way.  */
#define _GNU_SOURCE
#include "shim.h"
#include "options.pb-c.h"
#include "toml.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define OPTIONS_FILE "holo-shim-options"
#define DEFAULT_ROOT "/run/containerd/holo"
#define RUNC_OPTIONS "containerd.runc.v1.Options"
#define CRI_OPTIONS "runtimeoptions.v1.Options"
#define CONFIG_MAX (1 << 20)

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

/* ------------------------------------------------ the ConfigPath file */

enum option_kind
{
  OPT_STRING,
  OPT_BOOL,
  OPT_ID,
};

/* The options a file may set, by the names of containerd's runc options
   (as the CRI plugin's TOML spells them).  */
static const struct
{
  const char *name;
  enum option_kind kind;
  size_t offset;
} file_options[] = {
  { "BinaryName", OPT_STRING, offsetof (struct shim_options, binary_name) },
  { "Root", OPT_STRING, offsetof (struct shim_options, root) },
  { "SystemdCgroup", OPT_BOOL, offsetof (struct shim_options, systemd_cgroup) },
  { "NoPivotRoot", OPT_BOOL, offsetof (struct shim_options, no_pivot_root) },
  { "NoNewKeyring", OPT_BOOL, offsetof (struct shim_options, no_new_keyring) },
  { "ShimCgroup", OPT_STRING, offsetof (struct shim_options, shim_cgroup) },
  { "IoUid", OPT_ID, offsetof (struct shim_options, io_uid) },
  { "IoGid", OPT_ID, offsetof (struct shim_options, io_gid) },
  { "CriuImagePath", OPT_STRING, offsetof (struct shim_options, criu_image_path) },
  { "CriuWorkPath", OPT_STRING, offsetof (struct shim_options, criu_work_path) },
};

#define N_FILE_OPTIONS (sizeof (file_options) / sizeof (file_options[0]))

/* KEY names option NAME: the same letters whatever their case, with or
   without '_' between words ("BinaryName", "binaryname", "binary_name"). */
static bool
same_option (const char *key, const char *name)
{
  for (;; key++, name++)
    {
      if (*key == '_')
        key++;
      if (*key == '\0' || *name == '\0')
        return *key == *name;
      if ((*key | 0x20) != (*name | 0x20))
        return false;
    }
}

static char *
known_options (void)
{
  size_t len = 1;
  char *out;

  for (size_t i = 0; i < N_FILE_OPTIONS; i++)
    len += strlen (file_options[i].name) + 2;
  out = holo_xmalloc (len);
  out[0] = '\0';
  for (size_t i = 0; i < N_FILE_OPTIONS; i++)
    {
      if (i)
        strcat (out, ", ");
      strcat (out, file_options[i].name);
    }
  return out;
}

static int
set_file_option (void *data, const char *key, const struct shim_toml_value *v, holo_error_t *err)
{
  struct shim_options *o = data;
  cleanup_free char *quoted = shim_toml_quote (key);
  cleanup_free char *known = NULL;

  for (size_t i = 0; i < N_FILE_OPTIONS; i++)
    {
      void *field = (char *) o + file_options[i].offset;

      if (!same_option (key, file_options[i].name))
        continue;
      switch (file_options[i].kind)
        {
        case OPT_STRING:
          if (v->type != SHIM_TOML_STRING)
            return holo_make_error (err, 0, "%s must be a string", file_options[i].name);
          set_str (field, v->str);
          return 0;
        case OPT_BOOL:
          if (v->type != SHIM_TOML_BOOL)
            return holo_make_error (err, 0, "%s must be true or false", file_options[i].name);
          *(bool *) field = v->b;
          return 0;
        case OPT_ID:
          if (v->type != SHIM_TOML_INT || v->i < 0 || v->i > UINT32_MAX)
            return holo_make_error (err, 0, "%s must be an integer from 0 to %u", file_options[i].name, UINT32_MAX);
          *(unsigned *) field = (unsigned) v->i;
          return 0;
        }
    }
  known = known_options ();
  return holo_make_error (err, 0, "unknown option %s (the options are %s)", quoted, known);
}

/* A regular file of at most CONFIG_MAX bytes: never a FIFO or a device
   that would block the shim or never end.  */
static int
read_config (const char *path, char **text, size_t *len, holo_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  struct stat st;
  size_t got = 0;

  if (fd < 0)
    return holo_make_error (err, errno, "open");
  if (fstat (fd, &st) < 0)
    return holo_make_error (err, errno, "stat");
  if (!S_ISREG (st.st_mode))
    return holo_make_error (err, 0, "not a regular file");
  if (st.st_size > CONFIG_MAX)
    return holo_make_error (err, 0, "larger than %d bytes", CONFIG_MAX);
  buf = holo_xmalloc ((size_t) st.st_size + 1);
  while (got < (size_t) st.st_size)
    {
      ssize_t n = read (fd, buf + got, (size_t) st.st_size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return holo_make_error (err, errno, "read");
      if (n == 0)
        break;
      got += (size_t) n;
    }
  buf[got] = '\0';
  *len = got;
  *text = steal_pointer (&buf);
  return 0;
}

int
shim_options_from_file (struct shim_options *o, const char *path, holo_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;

  if (path[0] != '/')
    return holo_make_error (err, 0, "runtime options: ConfigPath \"%s\" is not an absolute path", path);
  if (read_config (path, &text, &len, err) < 0)
    return holo_error_prefix (err, "runtime options: ConfigPath %s", path);
  if (strlen (text) != len)
    return holo_make_error (err, 0, "runtime options: ConfigPath %s: a NUL byte in the file", path);
  if (shim_toml_parse (text, path, set_file_option, o, err) < 0)
    return holo_error_prefix (err, "runtime options");
  return 0;
}

/* runtimeoptions.v1.Options: TypeUrl says what ConfigPath holds (empty,
   or runc's options: ours too).  */
static int
from_cri_options (struct shim_options *o, const Hs__Any *any, holo_error_t *err)
{
  Hs__RuntimeOptions *ro = hs__runtime_options__unpack (NULL, any->value.len, any->value.data);
  int ret = 0;

  if (ro == NULL)
    return holo_make_error (err, 0, "cannot decode runtime options of type %s", any->type_url);
  if (*ro->type_url && !has_suffix (ro->type_url, "runc.v1.Options"))
    ret = holo_make_error (err, 0,
                           "runtime options: TypeUrl \"%s\" is not a type this shim reads: leave it out, or set it "
                           "to \"" RUNC_OPTIONS "\" (ConfigPath then names a TOML file of those options)",
                           ro->type_url);
  else if (*ro->config_path)
    ret = shim_options_from_file (o, ro->config_path, err);
  else
    holo_log_debug ("runtime options of type %s without a ConfigPath: nothing to read", any->type_url);
  hs__runtime_options__free_unpacked (ro, NULL);
  return ret;
}

/* Takes containerd.runc.v1.Options ("io.containerd.runc.v1.Options" from
   older releases) or the CRI plugin's runtimeoptions.v1.Options.  Any
   other type carries nothing for us and is ignored rather than refused,
   as containerd's runc shim ignores what it does not know.  */
int
shim_options_from_any (struct shim_options *o, const Hs__Any *any, holo_error_t *err)
{
  Hs__Options *opts;

  if (any && any->type_url && has_suffix (any->type_url, CRI_OPTIONS))
    return from_cri_options (o, any, err);
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
  return 1;
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
