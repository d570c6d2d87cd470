/* The runtime-spec features document: what this build of holo recognizes
   (not what the host supports), in the shape `runc features` prints.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../libcontainer.h"
#include "../json.h"
#include "parse_internal.h"
#include "../rootfs/rootfs.h"
#include "../security/seccomp.h"

#include <ctype.h>
#include <seccomp.h>
#include <string.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#ifndef VERSION
#define VERSION "unknown"
#endif
#ifndef OCI_SPEC_VERSION
#define OCI_SPEC_VERSION "1.2.0"
#endif

#define OCI_VERSION_MIN "1.0.0"

/* {"KEY": {"enabled": VALUE}} */
static void
gen_enabled (yajl_gen g, const char *key, bool value)
{
  holo_json_str (g, key);
  yajl_gen_map_open (g);
  holo_json_key_bool (g, "enabled", value);
  yajl_gen_map_close (g);
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Emits V (N strings) sorted, as runc does, then frees them.  */
static void
gen_sorted_and_free (yajl_gen g, const char *key, char **v, size_t n)
{
  qsort (v, n, sizeof (char *), compare_strings);
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      holo_json_str (g, v[i]);
      free (v[i]);
    }
  yajl_gen_array_close (g);
}

static void
gen_static_list (yajl_gen g, const char *key, const char *const *v)
{
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  for (; *v; v++)
    holo_json_str (g, *v);
  yajl_gen_array_close (g);
}

static void
gen_mount_options (yajl_gen g)
{
  size_t n = holo_strv_len ((char **) holo_mount_option_names), used = 0;
  char **v = holo_xmalloc ((n + 1) * sizeof (char *));
  bool idmap = holo_idmap_supported ();

  for (size_t i = 0; i < n; i++)
    {
      const char *name = holo_mount_option_names[i];
      /* Only where the kernel can make idmapped mounts.  */
      if (!idmap && (strcmp (name, "idmap") == 0 || strcmp (name, "ridmap") == 0))
        continue;
      v[used++] = holo_xstrdup (name);
    }
  gen_sorted_and_free (g, "mountOptions", v, used);
  free (v);
}

static void
gen_namespaces (yajl_gen g)
{
  char *v[HOLO_NS_COUNT];

  for (int k = 0; k < HOLO_NS_COUNT; k++)
    v[k] = holo_xstrdup (holo_ns_spec_name ((enum holo_ns_kind) k));
  gen_sorted_and_free (g, "namespaces", v, HOLO_NS_COUNT);
}

/* Every capability name libcap knows, in number order like runc.  */
static void
gen_capabilities (yajl_gen g)
{
  holo_json_str (g, "capabilities");
  yajl_gen_array_open (g);
  for (cap_value_t c = 0; c < 64; c++)
    {
      char *name = cap_to_name (c);
      if (name && strncmp (name, "cap_", 4) == 0)
        {
          for (char *p = name; *p; p++)
            *p = (char) toupper ((unsigned char) *p);
          holo_json_str (g, name);
        }
      cap_free (name);
    }
  yajl_gen_array_close (g);
}

static void
gen_cgroup (yajl_gen g)
{
  holo_json_str (g, "cgroup");
  yajl_gen_map_open (g);
  holo_json_key_bool (g, "v1", true);
  holo_json_key_bool (g, "v2", true);
  holo_json_key_bool (g, "systemd", false);
  holo_json_key_bool (g, "systemdUser", false);
  yajl_gen_map_close (g);
}

/* The architectures this libseccomp can build filters for.  */
static void
gen_seccomp_archs (yajl_gen g)
{
  static const char *const names[]
      = { "aarch64",  "arm",         "loongarch64", "m68k",     "mips", "mips64", "mips64n32", "mipsel",
          "mipsel64", "mipsel64n32", "parisc",      "parisc64", "ppc",  "ppc64",  "ppc64le",   "riscv64",
          "s390",     "s390x",       "sh",          "sheb",     "x32",  "x86",    "x86_64" };
  size_t n = sizeof names / sizeof names[0], used = 0;
  char **v = holo_xmalloc (n * sizeof (char *));

  for (size_t i = 0; i < n; i++)
    {
      if (seccomp_arch_resolve_name (names[i]) == 0)
        continue;
      char *s = holo_xasprintf ("SCMP_ARCH_%s", names[i]);
      for (char *p = s + 10; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
      v[used++] = s;
    }
  gen_sorted_and_free (g, "archs", v, used);
  free (v);
}

static void
gen_seccomp (yajl_gen g)
{
  static const char *const actions[]
      = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_LOG",   "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",         NULL };
  static const char *const operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
                                           "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };

  holo_json_str (g, "seccomp");
  yajl_gen_map_open (g);
  holo_json_key_bool (g, "enabled", true);
  gen_static_list (g, "actions", actions);
  gen_static_list (g, "operators", operators);
  gen_seccomp_archs (g);
  gen_static_list (g, "knownFlags", holo_seccomp_known_flags);
  holo_json_str (g, "supportedFlags");
  yajl_gen_array_open (g);
  for (const char *const *f = holo_seccomp_known_flags; *f; f++)
    if (holo_seccomp_flag_supported (*f))
      holo_json_str (g, *f);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

static void
gen_linux (yajl_gen g)
{
  holo_json_str (g, "linux");
  yajl_gen_map_open (g);
  gen_namespaces (g);
  gen_capabilities (g);
  gen_cgroup (g);
  gen_seccomp (g);
  /* Whether this build applies them (lsm.c), not whether the host has
     them enabled: features-linux.md asks for the former.  */
#ifdef HAVE_APPARMOR
  gen_enabled (g, "apparmor", true);
#else
  gen_enabled (g, "apparmor", false);
#endif
#ifdef HAVE_SELINUX
  gen_enabled (g, "selinux", true);
#else
  gen_enabled (g, "selinux", false);
#endif
  gen_enabled (g, "intelRdt", false);
  holo_json_str (g, "mountExtensions");
  yajl_gen_map_open (g);
  gen_enabled (g, "idmap", holo_idmap_supported ());
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
gen_annotations (yajl_gen g)
{
  const struct scmp_version *sv = seccomp_version ();
  char version[64];

  snprintf (version, sizeof version, "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0, sv ? sv->micro : 0);
  holo_json_str (g, "annotations");
  yajl_gen_map_open (g);
  holo_json_key_str (g, "io.github.holo.version", VERSION);
  holo_json_key_str (g, "io.github.seccomp.libseccomp.version", version);
  holo_json_key_str (g, "org.opencontainers.runc.checkpoint.enabled", "true"); /* criu swrk, src/libcontainer/criu */
  yajl_gen_map_close (g);
}

char *
holo_features_json (void)
{
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  yajl_gen g = holo_json_new ("    ");

  yajl_gen_map_open (g);
  holo_json_key_str (g, "ociVersionMin", OCI_VERSION_MIN);
  holo_json_key_str (g, "ociVersionMax", OCI_SPEC_VERSION);
  gen_static_list (g, "hooks", hooks);
  gen_mount_options (g);
  gen_linux (g);
  gen_annotations (g);
  yajl_gen_map_close (g);

  return holo_json_finish (g, NULL);
}
