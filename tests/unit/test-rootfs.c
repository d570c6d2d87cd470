/* Unit tests of the rootfs helpers that need no mounts: mount option
   parsing (holo_parse_mount_options) and its mount_setattr(2) form,
   linux.sysctl validation against the namespaces, path cleaning, and the
   idmapped-mount predicates.  */
#define _GNU_SOURCE
#include "unit.h"

#include "libcontainer/rootfs/rootfs.h"
#include "libcontainer/rootfs/rootfs_internal.h"
#include "libcontainer/sysctl.h"
#include "libcontainer/utils.h"

#include <stdlib.h>

/* ---- mount options ---- */

/* Parses a comma-separated list ("" = no options) into *MF.  */
static int
parse_opts (const char *list, struct holo_mount_flags *mf, char **msg)
{
  char *copy = holo_xstrdup (list);
  char *words[32];
  size_t n = 0;
  holo_error_t err = NULL;
  int ret;

  for (char *save = NULL, *w = strtok_r (copy, ",", &save); w && n < 31; w = strtok_r (NULL, ",", &save))
    words[n++] = strcmp (w, "EMPTY") == 0 ? (char *) "" : w;
  words[n] = NULL;
  ret = holo_parse_mount_options (n ? words : NULL, mf, &err);
  if (msg)
    *msg = err ? holo_xstrdup (err->msg) : NULL;
  holo_error_release (&err);
  /* data is a copy: the words may go.  */
  free (copy);
  return ret;
}

static void
test_flags_set (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("ro,nosuid,nodev,noexec,sync,dirsync,noatime,nodiratime", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC | MS_NOATIME
                                    | MS_NODIRATIME);
  UNIT_ASSERT_INT_EQ (mf.clear_flags, 0);
  UNIT_ASSERT (mf.data == NULL);
  UNIT_ASSERT (!mf.bind && !mf.idmap && !mf.tmpcopyup);
  holo_mount_flags_release (&mf);
}

static void
test_flags_clear (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("rw,suid,dev,exec,async,atime,diratime,norelatime", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.flags, 0);
  UNIT_ASSERT_INT_EQ (mf.clear_flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME
                                          | MS_NODIRATIME | MS_RELATIME);
  holo_mount_flags_release (&mf);
}

static void
test_later_words_win (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("ro,rw", &mf, NULL), 0);
  UNIT_ASSERT (!(mf.flags & MS_RDONLY) && (mf.clear_flags & MS_RDONLY));
  UNIT_ASSERT_INT_EQ (parse_opts ("rw,ro", &mf, NULL), 0);
  UNIT_ASSERT ((mf.flags & MS_RDONLY) && !(mf.clear_flags & MS_RDONLY));
  UNIT_ASSERT_INT_EQ (parse_opts ("nosuid,suid,nosuid", &mf, NULL), 0);
  UNIT_ASSERT ((mf.flags & MS_NOSUID) && !(mf.clear_flags & MS_NOSUID));
}

static void
test_defaults_is_nothing (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("defaults", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.flags | mf.clear_flags | mf.propagation | mf.attr_set | mf.attr_clr, 0);
  UNIT_ASSERT (mf.data == NULL);
  /* No options at all: the same.  */
  UNIT_ASSERT_INT_EQ (parse_opts ("", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.flags | mf.clear_flags | mf.propagation | mf.attr_set | mf.attr_clr, 0);
}

static void
test_propagation (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("rprivate", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.propagation, MS_PRIVATE | MS_REC);
  UNIT_ASSERT_INT_EQ (parse_opts ("private", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.propagation, MS_PRIVATE);
  /* Several words accumulate: a shared slave.  */
  UNIT_ASSERT_INT_EQ (parse_opts ("rslave,shared", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.propagation, MS_SLAVE | MS_SHARED | MS_REC);
  UNIT_ASSERT_INT_EQ (parse_opts ("runbindable", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.propagation, MS_UNBINDABLE | MS_REC);
  /* Propagation is not a per-mount flag.  */
  UNIT_ASSERT_INT_EQ (mf.flags, 0);
}

static void
test_bind (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("bind,ro", &mf, NULL), 0);
  UNIT_ASSERT (mf.bind && !mf.recursive_bind);
  UNIT_ASSERT_INT_EQ (mf.flags, MS_BIND | MS_RDONLY);
  UNIT_ASSERT_INT_EQ (parse_opts ("rbind", &mf, NULL), 0);
  UNIT_ASSERT (mf.bind && mf.recursive_bind);
  UNIT_ASSERT_INT_EQ (mf.flags, MS_BIND | MS_REC);
}

static void
test_recursive_attributes (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("rro,rnosuid,rnodev,rnoexec,rnosymfollow", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                                       | MOUNT_ATTR_NOSYMFOLLOW);
  UNIT_ASSERT_INT_EQ (mf.attr_clr, 0);
  /* They are not MS_* flags of the top mount.  */
  UNIT_ASSERT_INT_EQ (mf.flags, 0);
  UNIT_ASSERT_INT_EQ (parse_opts ("rro,rrw,rsuid,rexec", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.attr_set, 0);
  UNIT_ASSERT_INT_EQ (mf.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
}

static void
test_recursive_atime (void)
{
  struct holo_mount_flags mf;
  /* The atime mode is one field: changing it clears the whole field.  */
  UNIT_ASSERT_INT_EQ (parse_opts ("rnoatime", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.attr_set, MOUNT_ATTR_NOATIME);
  UNIT_ASSERT_INT_EQ (mf.attr_clr, MOUNT_ATTR__ATIME);
  UNIT_ASSERT_INT_EQ (parse_opts ("rnoatime,rstrictatime", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.attr_set, MOUNT_ATTR_STRICTATIME);
  UNIT_ASSERT_INT_EQ (parse_opts ("rnoatime,rrelatime,rnodiratime", &mf, NULL), 0);
  UNIT_ASSERT_INT_EQ (mf.attr_set, MOUNT_ATTR_RELATIME | MOUNT_ATTR_NODIRATIME);
  UNIT_ASSERT_INT_EQ (mf.attr_clr, MOUNT_ATTR__ATIME);
}

static void
test_data (void)
{
  struct holo_mount_flags mf;
  /* Unknown words are filesystem data, in order, as runc passes them.  */
  UNIT_ASSERT_INT_EQ (parse_opts ("nosuid,mode=755,size=65536k,newinstance,ro,gid=5", &mf, NULL), 0);
  UNIT_ASSERT_STR_EQ (mf.data, "mode=755,size=65536k,newinstance,gid=5");
  UNIT_ASSERT_INT_EQ (mf.flags, MS_NOSUID | MS_RDONLY);
  holo_mount_flags_release (&mf);
  UNIT_ASSERT (mf.data == NULL);
}

static void
test_idmap_and_tmpcopyup (void)
{
  struct holo_mount_flags mf;
  UNIT_ASSERT_INT_EQ (parse_opts ("rbind,idmap", &mf, NULL), 0);
  UNIT_ASSERT (mf.idmap && !mf.idmap_recursive);
  UNIT_ASSERT (mf.data == NULL);
  UNIT_ASSERT_INT_EQ (parse_opts ("rbind,ridmap", &mf, NULL), 0);
  UNIT_ASSERT (mf.idmap && mf.idmap_recursive);
  UNIT_ASSERT_INT_EQ (parse_opts ("tmpcopyup", &mf, NULL), 0);
  UNIT_ASSERT (mf.tmpcopyup && !mf.idmap);
  UNIT_ASSERT (mf.data == NULL);
}

static void
test_empty_option_is_an_error (void)
{
  struct holo_mount_flags mf;
  char *msg = NULL;
  UNIT_ASSERT_INT_EQ (parse_opts ("ro,EMPTY", &mf, &msg), -1);
  UNIT_ASSERT_STR_EQ (msg, "options[1]: empty option");
  UNIT_ASSERT (mf.data == NULL);
  free (msg);
}

static void
test_every_option_name_parses_as_an_option (void)
{
  for (size_t i = 0; holo_mount_option_names[i]; i++)
    {
      struct holo_mount_flags mf;
      char *words[] = { (char *) holo_mount_option_names[i], NULL };
      UNIT_ASSERT_INT_EQ (holo_parse_mount_options (words, &mf, NULL), 0);
      /* Known words never end up as filesystem data.  */
      UNIT_ASSERT (mf.data == NULL);
    }
}

static void
test_flags_to_attr (void)
{
  struct mount_attr attr;
  holo_mount_flags_to_attr (MS_RDONLY | MS_NOSUID | MS_BIND, MS_NOEXEC, &attr);
  UNIT_ASSERT_INT_EQ (attr.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
  UNIT_ASSERT_INT_EQ (attr.attr_clr, MOUNT_ATTR_NOEXEC);
  /* No atime word: the atime field is left alone.  */
  UNIT_ASSERT_INT_EQ (attr.attr_clr & MOUNT_ATTR__ATIME, 0);
  holo_mount_flags_to_attr (MS_NOATIME, 0, &attr);
  UNIT_ASSERT_INT_EQ (attr.attr_set, MOUNT_ATTR_NOATIME);
  UNIT_ASSERT_INT_EQ (attr.attr_clr, MOUNT_ATTR__ATIME);
  holo_mount_flags_to_attr (MS_STRICTATIME, 0, &attr);
  UNIT_ASSERT_INT_EQ (attr.attr_set, MOUNT_ATTR_STRICTATIME);
  /* "norelatime" asks for strictatime.  */
  holo_mount_flags_to_attr (0, MS_RELATIME, &attr);
  UNIT_ASSERT_INT_EQ (attr.attr_set, MOUNT_ATTR_STRICTATIME);
  UNIT_ASSERT_INT_EQ (attr.attr_clr, MOUNT_ATTR__ATIME);
  /* "atime" (clearing noatime): back to the default, relatime.  */
  holo_mount_flags_to_attr (0, MS_NOATIME, &attr);
  UNIT_ASSERT_INT_EQ (attr.attr_set, MOUNT_ATTR_RELATIME);
  UNIT_ASSERT_INT_EQ (attr.attr_clr, MOUNT_ATTR__ATIME);
}

static void
test_is_idmapped (void)
{
  struct holo_idmap map = { .container_id = 0, .host_id = 1000, .size = 1 };
  struct holo_mount m = { .destination = (char *) "/d" };
  struct holo_mount_flags mf = { .idmap = false };
  UNIT_ASSERT (!holo_mount_is_idmapped (&m, &mf));
  mf.idmap = true;
  UNIT_ASSERT (holo_mount_is_idmapped (&m, &mf));
  /* Mappings alone make it idmapped, with or without the option.  */
  mf.idmap = false;
  m.uid_mappings = &map;
  m.n_uid_mappings = 1;
  UNIT_ASSERT (holo_mount_is_idmapped (&m, &mf));
}

/* ---- linux.sysctl ---- */

/* A spec with NAMESPACES ("ipc,net,uts"; "net=PATH" joins one) and one
   sysctl KEY; returns holo_sysctl_validate's result, *MSG its error.  */
static int
validate_sysctl (const char *namespaces, const char *key, char **msg)
{
  struct holo_spec spec;
  struct holo_kv kv = { .key = (char *) key, .value = (char *) "1" };
  holo_error_t err = NULL;
  int ret;

  memset (&spec, 0, sizeof spec);
  if (strstr (namespaces, "ipc"))
    spec.linux_.namespaces[HOLO_NS_IPC].present = true;
  if (strstr (namespaces, "uts"))
    spec.linux_.namespaces[HOLO_NS_UTS].present = true;
  if (strstr (namespaces, "net"))
    {
      const char *path = strstr (namespaces, "net=");
      spec.linux_.namespaces[HOLO_NS_NETWORK].present = true;
      spec.linux_.namespaces[HOLO_NS_NETWORK].path = path ? (char *) path + 4 : NULL;
    }
  spec.linux_.sysctl = &kv;
  spec.linux_.n_sysctl = 1;
  ret = holo_sysctl_validate (&spec, &err);
  *msg = err ? holo_xstrdup (err->msg) : NULL;
  holo_error_release (&err);
  return ret;
}

#define SYSCTL_OK(ns, key)                                                                                             \
  do                                                                                                                   \
    {                                                                                                                  \
      char *msg_ = NULL;                                                                                               \
      int r_ = validate_sysctl (ns, key, &msg_);                                                                       \
      if (r_ != 0)                                                                                                     \
        unit_report (__FILE__, __LINE__, msg_ ? msg_ : "refused");                                                     \
      free (msg_);                                                                                                     \
      if (r_ != 0)                                                                                                     \
        return;                                                                                                        \
    }                                                                                                                  \
  while (0)

#define SYSCTL_REFUSED(ns, key, text)                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      char *msg_ = NULL;                                                                                               \
      int r_ = validate_sysctl (ns, key, &msg_);                                                                       \
      bool ok_ = r_ < 0 && msg_ && strstr (msg_, text);                                                                \
      if (!ok_)                                                                                                        \
        unit_report (__FILE__, __LINE__, msg_ ? msg_ : "accepted");                                                    \
      free (msg_);                                                                                                     \
      if (!ok_)                                                                                                        \
        return;                                                                                                        \
    }                                                                                                                  \
  while (0)

static void
test_sysctl_ipc (void)
{
  SYSCTL_OK ("ipc", "kernel.shmmax");
  SYSCTL_OK ("ipc", "kernel.msgmnb");
  SYSCTL_OK ("ipc", "fs.mqueue.queues_max");
  SYSCTL_REFUSED ("net,uts", "kernel.shmmax", "not allowed in the host's ipc namespace");
  SYSCTL_REFUSED ("", "fs.mqueue.msg_max", "not allowed in the host's ipc namespace");
}

static void
test_sysctl_net (void)
{
  SYSCTL_OK ("net", "net.ipv4.ip_forward");
  /* The slash form names the same key.  */
  SYSCTL_OK ("net", "net/ipv4/ip_forward");
  SYSCTL_REFUSED ("ipc,uts", "net.ipv4.ip_forward", "host's network namespace");
  /* Joining the namespace we run in is the host's.  */
  SYSCTL_REFUSED ("net=/proc/self/ns/net", "net.core.somaxconn", "host's network namespace");
}

static void
test_sysctl_uts (void)
{
  SYSCTL_OK ("uts", "kernel.domainname");
  SYSCTL_REFUSED ("uts", "kernel.hostname", "conflicts with the OCI `hostname` field");
  SYSCTL_REFUSED ("ipc,net", "kernel.domainname", "not in a separate kernel namespace");
}

static void
test_sysctl_not_namespaced (void)
{
  SYSCTL_REFUSED ("ipc,net,uts", "vm.swappiness", "not in a separate kernel namespace");
  SYSCTL_REFUSED ("ipc,net,uts", "kernel.pid_max", "not in a separate kernel namespace");
}

static void
test_sysctl_bad_keys (void)
{
  SYSCTL_REFUSED ("ipc,net,uts", "", "is not a valid key");
  SYSCTL_REFUSED ("ipc,net,uts", ".net.ipv4", "is not a valid key");
  SYSCTL_REFUSED ("ipc,net,uts", "net..ipv4", "is not a valid key");
  SYSCTL_REFUSED ("ipc,net,uts", "net.ipv4.", "is not a valid key");
  /* "net/../kernel" would climb out of /proc/sys/net.  */
  SYSCTL_REFUSED ("ipc,net,uts", "net/../kernel/core_pattern", "is not a valid key");
}

static void
test_sysctl_error_names_the_field (void)
{
  char *msg = NULL;
  UNIT_ASSERT_INT_EQ (validate_sysctl ("", "vm.swappiness", &msg), -1);
  UNIT_ASSERT (strncmp (msg, "linux.sysctl: ", 14) == 0);
  free (msg);
}

/* ---- paths ---- */

#define CLEAN(in, want)                                                                                                \
  do                                                                                                                   \
    {                                                                                                                  \
      char *got_ = holo_clean_path (in);                                                                               \
      bool ok_ = strcmp (got_, want) == 0;                                                                             \
      if (!ok_)                                                                                                        \
        unit_report (__FILE__, __LINE__, got_);                                                                        \
      free (got_);                                                                                                     \
      if (!ok_)                                                                                                        \
        return;                                                                                                        \
    }                                                                                                                  \
  while (0)

static void
test_clean_path (void)
{
  CLEAN ("a//b/./c/", "/a/b/c");
  CLEAN ("/dev/pts", "/dev/pts");
  CLEAN ("", "/");
  CLEAN ("/", "/");
  CLEAN ("///", "/");
  CLEAN ("./x/../y", "/y");
  /* ".." never climbs above the root.  */
  CLEAN ("/../x", "/x");
  CLEAN ("/a/b/../../..", "/");
  CLEAN ("../../etc/passwd", "/etc/passwd");
  CLEAN ("/a/..b/c..", "/a/..b/c..");
}

int
main (void)
{
  UNIT_RUN (test_flags_set);
  UNIT_RUN (test_flags_clear);
  UNIT_RUN (test_later_words_win);
  UNIT_RUN (test_defaults_is_nothing);
  UNIT_RUN (test_propagation);
  UNIT_RUN (test_bind);
  UNIT_RUN (test_recursive_attributes);
  UNIT_RUN (test_recursive_atime);
  UNIT_RUN (test_data);
  UNIT_RUN (test_idmap_and_tmpcopyup);
  UNIT_RUN (test_empty_option_is_an_error);
  UNIT_RUN (test_every_option_name_parses_as_an_option);
  UNIT_RUN (test_flags_to_attr);
  UNIT_RUN (test_is_idmapped);
  UNIT_RUN (test_sysctl_ipc);
  UNIT_RUN (test_sysctl_net);
  UNIT_RUN (test_sysctl_uts);
  UNIT_RUN (test_sysctl_not_namespaced);
  UNIT_RUN (test_sysctl_bad_keys);
  UNIT_RUN (test_sysctl_error_names_the_field);
  UNIT_RUN (test_clean_path);
  return unit_finish ();
}
