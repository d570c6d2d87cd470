/* The config.json `holo spec` writes: the same template as `runc spec`
   (and `runc spec --rootless`), with hostname "holo" and a default seccomp
   profile (security/seccomp_default.c).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spec.h"
#include "../libcontainer.h"
#include "../json.h"
#include "../security/seccomp.h"
#include "../utils.h"

#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <yajl/yajl_gen.h>

#ifndef OCI_SPEC_VERSION
#define OCI_SPEC_VERSION "1.2.0"
#endif

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = {
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
  "/sys/devices/virtual/tpm",
  NULL,
};

static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount
{
  const char *destination;
  const char *type;
  const char *source;
  const char *options[8];
};

static const struct default_mount default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
  { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* Without a user namespace's root, sysfs cannot be mounted: bind the host's.  */
static const struct default_mount rootless_sys
    = { "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL } };

static void
gen_process (yajl_gen g)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[]
      = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };

  holo_json_str (g, "process");
  yajl_gen_map_open (g);
  holo_json_key_bool (g, "terminal", true);
  holo_json_str (g, "user");
  yajl_gen_map_open (g);
  holo_json_key_int (g, "uid", 0);
  holo_json_key_int (g, "gid", 0);
  yajl_gen_map_close (g);
  holo_json_key_strv (g, "args", args);
  holo_json_key_strv (g, "env", env);
  holo_json_key_str (g, "cwd", "/");
  holo_json_str (g, "capabilities");
  yajl_gen_map_open (g);
  holo_json_key_strv (g, "bounding", default_caps);
  holo_json_key_strv (g, "effective", default_caps);
  holo_json_key_strv (g, "permitted", default_caps);
  yajl_gen_map_close (g);
  holo_json_str (g, "rlimits");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  holo_json_key_str (g, "type", "RLIMIT_NOFILE");
  holo_json_key_int (g, "hard", 1024);
  holo_json_key_int (g, "soft", 1024);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  holo_json_key_bool (g, "noNewPrivileges", true);
  yajl_gen_map_close (g);
}

static void
gen_mount (yajl_gen g, const struct default_mount *m, bool rootless)
{
  yajl_gen_map_open (g);
  holo_json_key_str (g, "destination", m->destination);
  holo_json_key_str (g, "type", m->type);
  holo_json_key_str (g, "source", m->source);
  if (m->options[0])
    {
      holo_json_str (g, "options");
      yajl_gen_array_open (g);
      for (const char *const *o = m->options; *o; o++)
        /* An unprivileged user cannot map ids it does not own.  */
        if (!rootless || (strncmp (*o, "uid=", 4) != 0 && strncmp (*o, "gid=", 4) != 0))
          holo_json_str (g, *o);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, bool rootless)
{
  holo_json_str (g, "mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++)
    {
      const struct default_mount *m = &default_mounts[i];
      if (rootless && strcmp (m->destination, "/sys") == 0)
        m = &rootless_sys;
      gen_mount (g, m, rootless);
    }
  yajl_gen_array_close (g);
}

static void
gen_id_mapping (yajl_gen g, const char *key, unsigned int host_id)
{
  holo_json_str (g, key);
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  holo_json_key_int (g, "containerID", 0);
  holo_json_key_int (g, "hostID", host_id);
  holo_json_key_int (g, "size", 1);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
}

static void
gen_namespace (yajl_gen g, const char *type)
{
  yajl_gen_map_open (g);
  holo_json_key_str (g, "type", type);
  yajl_gen_map_close (g);
}

/* runc adds a cgroup namespace when the host runs the unified hierarchy.  */
static bool
host_is_cgroup2 (void)
{
  struct statfs st;
  return statfs ("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

static void
gen_namespaces (yajl_gen g, bool rootless)
{
  holo_json_str (g, "namespaces");
  yajl_gen_array_open (g);
  gen_namespace (g, "pid");
  if (!rootless)
    gen_namespace (g, "network");
  gen_namespace (g, "ipc");
  gen_namespace (g, "uts");
  gen_namespace (g, "mount");
  if (host_is_cgroup2 ())
    gen_namespace (g, "cgroup");
  if (rootless)
    gen_namespace (g, "user");
  yajl_gen_array_close (g);
}

static void
gen_linux (yajl_gen g, bool rootless)
{
  holo_json_str (g, "linux");
  yajl_gen_map_open (g);
  if (rootless)
    {
      gen_id_mapping (g, "uidMappings", geteuid ());
      gen_id_mapping (g, "gidMappings", getegid ());
    }
  else
    {
      /* Deny every device; runc's template does the same.  */
      holo_json_str (g, "resources");
      yajl_gen_map_open (g);
      holo_json_str (g, "devices");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      holo_json_key_bool (g, "allow", false);
      holo_json_key_str (g, "access", "rwm");
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  gen_namespaces (g, rootless);
  holo_json_key_strv (g, "maskedPaths", masked_paths);
  holo_json_key_strv (g, "readonlyPaths", readonly_paths);
  /* runc's template has none; holo's carries an allow-list profile.  */
  holo_json_str (g, "seccomp");
  holo_seccomp_gen_default_profile (g);
  yajl_gen_map_close (g);
}

char *
holo_spec_default_json (bool rootless)
{
  yajl_gen g = holo_json_new ("\t");

  yajl_gen_map_open (g);
  holo_json_key_str (g, "ociVersion", OCI_SPEC_VERSION);
  gen_process (g);
  holo_json_str (g, "root");
  yajl_gen_map_open (g);
  holo_json_key_str (g, "path", "rootfs");
  holo_json_key_bool (g, "readonly", true);
  yajl_gen_map_close (g);
  holo_json_key_str (g, "hostname", "holo");
  gen_mounts (g, rootless);
  gen_linux (g, rootless);
  yajl_gen_map_close (g);

  /* runc writes the document without a final newline.  */
  return holo_json_finish (g, NULL);
}
