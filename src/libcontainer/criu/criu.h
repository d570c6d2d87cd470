/* Checkpoint/restore through CRIU: holo runs the distribution's `criu`
   binary as `criu swrk FD` and talks CRIU's RPC protocol (protobuf
   messages, one per SOCK_SEQPACKET packet) over a socketpair.

     swrk.c     finding the binary, the swrk process, requests, notifications
     request.c  building a CriuOpts (the repeated fields, the shared flags)
     mounts.c   which mounts are external (bind mounts of the config, masks,
                host devices, the cgroup2 mount) and where they come from
     stdio.c    the init's stdio: what is external at dump, what the restored
                process inherits (our own fds 0-2)
     ns.c       namespaces the config joins by path (external net/pid,
                join_ns for ipc/uts)  */
#ifndef HOLO_CRIU_H
#define HOLO_CRIU_H

#include "../libcontainer.h"
#include "../cgroups/cgroups.h"
#include "../spec/spec.h"
#include "criu-rpc.pb-c.h"

#include <stdbool.h>
#include <sys/types.h>

/* Log files CRIU writes into the work directory.  */
#define HOLO_CRIU_DUMP_LOG "dump.log"
#define HOLO_CRIU_PRE_DUMP_LOG "pre-dump.log"
#define HOLO_CRIU_RESTORE_LOG "restore.log"

/* ---- swrk.c ---- */

/* NAME on PATH (malloc'ed), or NULL.  */
char *holo_criu_which (const char *name);
/* The criu binary on PATH (malloc'ed), or the error "criu not found:
   install the criu package".  */
int holo_criu_find (char **path, holo_error_t *err);

struct holo_criu_notify
{
  const char *script; /* "setup-namespaces", "post-restore", "orphan-pts-master"... */
  pid_t pid;          /* the restored root task, when CRIU says */
  int fd;             /* an fd CRIU sent along (orphan-pts-master), else -1; closed after the callback */
};
typedef int (*holo_criu_notify_cb) (const struct holo_criu_notify *n, void *data, holo_error_t *err);

struct holo_criu_call
{
  CriuReqType type;
  CriuOpts *opts;
  /* fds CRIU must inherit under the same numbers (inherit_fd); 0-2 always are. */
  const int *pass_fds;
  size_t n_pass_fds;
  /* Called with criu's pid before the request is sent (e.g. to put it into
     the container's cgroup, where the restored tasks are born).  */
  int (*spawned) (pid_t criu_pid, void *data, holo_error_t *err);
  holo_criu_notify_cb notify;
  void *data;
  const char *log_path; /* where CRIU's log is, for error messages */
};

/* Runs one request through a fresh `criu swrk`; *RESTORED_PID (if not
   NULL) receives the restored root task of a RESTORE.  On failure the error
   carries CRIU's message and the last error line of its log.  */
int holo_criu_run (const struct holo_criu_call *call, pid_t *restored_pid, holo_error_t *err);

/* ---- request.c ---- */

void holo_criu_opts_init (CriuOpts *o);
/* Frees what the holo_criu_* helpers allocated in O.  */
void holo_criu_opts_release (CriuOpts *o);
void holo_criu_set_string (char **field, const char *value);
void holo_criu_add_ext_mount (CriuOpts *o, const char *key, const char *val);
void holo_criu_add_external (CriuOpts *o, const char *external);
void holo_criu_add_inherit_fd (CriuOpts *o, const char *key, int fd);
void holo_criu_add_join_ns (CriuOpts *o, const char *ns, const char *file);
void holo_criu_add_cg_root (CriuOpts *o, const char *controller, const char *path);
/* The flags both operations pass the same way; errors on a bad
   --manage-cgroups-mode, or when SPEC's network namespace needs
   iptables-restore and there is none.  */
int holo_criu_apply_flags (CriuOpts *o, const struct holo_criu_flags *f, const struct holo_spec *spec,
                           holo_error_t *err);
/* Opens (creating it, mode 0700, when CREATE) a directory for CRIU.  */
int holo_criu_open_dir (const char *path, bool create, holo_error_t *err);

/* ---- mounts.c ---- */

/* One line of /proc/PID/mountinfo, the parts CRIU's view needs.  */
struct holo_criu_mount
{
  int id;
  char *mount_point;
  char *fs_type;
};
int holo_criu_read_mounts (pid_t pid, struct holo_criu_mount **out, size_t *n, holo_error_t *err);
void holo_criu_mounts_free (struct holo_criu_mount *m, size_t n);

/* Marks the container's external mounts for a dump of PID.  */
int holo_criu_dump_mounts (CriuOpts *o, const struct holo_spec *spec, pid_t pid, holo_error_t *err);
/* Maps them to host paths for a restore: bind sources (relative to
   BUNDLE), /dev/null, host devices, CGROUP_DIR (the container's cgroup2
   directory on the host, or NULL).  */
int holo_criu_restore_mounts (CriuOpts *o, const struct holo_spec *spec, const char *bundle, const char *cgroup_dir,
                              holo_error_t *err);

/* ---- stdio.c ---- */

/* The file in the image directory that records the init's stdio.  */
#define HOLO_CRIU_STDIO_FILE "holo-stdio.json"
/* Looks at PID's fds 0-2: marks those outside its mount namespace external
   and records what each was in the image directory (IMAGES_FD).  */
int holo_criu_dump_stdio (CriuOpts *o, pid_t pid, int images_fd, holo_error_t *err);
/* From the record: the restored process gets our own fds 0-2 in their
   place.  */
int holo_criu_restore_stdio (CriuOpts *o, int images_fd, holo_error_t *err);

/* ---- ns.c ---- */

/* Namespaces the config joins by path: external on dump (net, pid)...  */
int holo_criu_dump_namespaces (CriuOpts *o, const struct holo_spec *spec, pid_t pid, holo_error_t *err);
/* ...and joined again on restore.  Opened fds are appended to *FDS (the
   caller closes them after the restore and passes them to CRIU).  */
int holo_criu_restore_namespaces (CriuOpts *o, const struct holo_spec *spec, int **fds, size_t *n_fds,
                                  holo_error_t *err);

#endif
