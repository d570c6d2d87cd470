/* Typed view of an OCI runtime-spec config.json (1.2, Linux).  The parser
   keeps the yajl tree alive (spec->tree) so sections that later subsystems
   own (linux.resources, linux.seccomp) can be read from it directly.  */
#ifndef HOLO_SPEC_H
#define HOLO_SPEC_H

#include "../error.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

struct holo_kv
{
  char *key;
  char *value;
};

struct holo_idmap
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct holo_mount
{
  char *destination; /* absolute path inside the container */
  char *type;        /* may be NULL (bind mounts) */
  char *source;      /* may be NULL */
  char **options;    /* NULL-terminated, may be empty */
  struct holo_idmap *uid_mappings;
  size_t n_uid_mappings;
  struct holo_idmap *gid_mappings;
  size_t n_gid_mappings;
};

struct holo_rlimit
{
  int resource; /* RLIMIT_* */
  char *name;   /* "RLIMIT_NOFILE" as written */
  uint64_t soft;
  uint64_t hard;
};

struct holo_hook
{
  char *path;
  char **args; /* NULL-terminated; may be NULL */
  char **env;  /* NULL-terminated; may be NULL */
  int timeout; /* seconds; 0 = none */
};

struct holo_hook_list
{
  struct holo_hook *hooks;
  size_t n;
};

struct holo_hooks
{
  struct holo_hook_list prestart;
  struct holo_hook_list create_runtime;
  struct holo_hook_list create_container;
  struct holo_hook_list start_container;
  struct holo_hook_list poststart;
  struct holo_hook_list poststop;
};

struct holo_capabilities
{
  bool present;      /* process.capabilities given */
  uint64_t bounding; /* bit N = capability N */
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

struct holo_process
{
  bool terminal;
  bool has_console_size;
  unsigned int console_height;
  unsigned int console_width;
  uid_t uid;
  gid_t gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  char **args;        /* NULL-terminated, at least one element */
  char *command_line; /* Windows only: rejected on Linux when set */
  char **env;         /* NULL-terminated, may be empty */
  char *cwd;          /* absolute */
  struct holo_capabilities caps;
  struct holo_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  char *selinux_label;
  bool has_oom_score_adj;
  int oom_score_adj;
  bool has_io_priority;
  int io_priority_class; /* IOPRIO_CLASS_* */
  int io_priority;
  bool has_scheduler;
  int sched_policy; /* SCHED_* */
  int sched_nice;
  int sched_priority;
  uint64_t sched_flags; /* SCHED_FLAG_* */
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

/* Namespace kinds in the order they must be joined (user first).  */
enum holo_ns_kind
{
  HOLO_NS_USER,
  HOLO_NS_PID,
  HOLO_NS_NETWORK,
  HOLO_NS_IPC,
  HOLO_NS_UTS,
  HOLO_NS_MOUNT,
  HOLO_NS_CGROUP,
  HOLO_NS_TIME,
  HOLO_NS_COUNT
};

struct holo_namespace
{
  bool present; /* listed in linux.namespaces */
  char *path;   /* join this one (NULL = create a new one) */
};

struct holo_device
{
  char *path;
  char type; /* 'c', 'b', 'u' or 'p' */
  int64_t major;
  int64_t minor;
  bool has_file_mode;
  mode_t file_mode;
  bool has_uid;
  uid_t uid;
  bool has_gid;
  gid_t gid;
};

struct holo_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct holo_linux
{
  struct holo_namespace namespaces[HOLO_NS_COUNT];
  struct holo_idmap *uid_mappings;
  size_t n_uid_mappings;
  struct holo_idmap *gid_mappings;
  size_t n_gid_mappings;
  struct holo_device *devices;
  size_t n_devices;
  char *cgroups_path;               /* may be NULL */
  unsigned long rootfs_propagation; /* MS_* propagation flags, 0 = unset */
  char **masked_paths;              /* NULL-terminated, may be empty */
  char **readonly_paths;
  char *mount_label;
  struct holo_kv *sysctl;
  size_t n_sysctl;
  bool has_personality;
  unsigned long personality; /* PER_LINUX or PER_LINUX32 */
  struct holo_time_offset time_monotonic;
  struct holo_time_offset time_boottime;
  yajl_val resources; /* borrowed from the tree; NULL if absent */
  yajl_val seccomp;   /* borrowed from the tree; NULL if absent */
};

struct holo_spec
{
  char *oci_version;
  char *root_path; /* as written (relative to the bundle or absolute) */
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct holo_mount *mounts;
  size_t n_mounts;
  bool has_process;
  struct holo_process process;
  struct holo_linux linux_;
  struct holo_hooks hooks;
  struct holo_kv *annotations;
  size_t n_annotations;
  yajl_val tree; /* owned */
};

/* Parses and validates config.json text.  Errors name the JSON path, e.g.
   "config.json: process.args: must be a non-empty array of strings".  */
int holo_spec_parse (const char *json, size_t len, struct holo_spec **out, holo_error_t *err);
int holo_spec_load (const char *path, struct holo_spec **out, holo_error_t *err);
/* Parses a standalone runtime-spec process object (for exec --process).  */
int holo_spec_parse_process (const char *json, size_t len, struct holo_process **out, yajl_val *tree_out,
                             holo_error_t *err);
/* Visible outside the library only until `holo hologram` goes through the
   public Hologram API.  */
__attribute__ ((visibility ("default"))) void holo_spec_free (struct holo_spec *spec);
void holo_process_free (struct holo_process *p); /* frees members and P */

static inline void
holo_cleanup_specp (struct holo_spec **s)
{
  holo_spec_free (*s);
}
#define cleanup_spec __attribute__ ((cleanup (holo_cleanup_specp)))

const char *holo_spec_annotation (const struct holo_spec *spec, const char *key);
/* CLONE_NEW* flag for a namespace kind, and its /proc/PID/ns/ file name.  */
int holo_ns_clone_flag (enum holo_ns_kind kind);
const char *holo_ns_proc_name (enum holo_ns_kind kind);
/* The namespace type name used in config.json ("network", "mount"...).  */
const char *holo_ns_spec_name (enum holo_ns_kind kind);

#endif
