/* Per-process attributes from config.json's "process" (and linux.personality),
   applied by the container init in its final steps before execve.  */
#define _GNU_SOURCE
#include "setup.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* From linux/ioprio.h, spelled out so older and newer kernel headers
   (whose IOPRIO_PRIO_VALUE differ) both work.  */
#define HOLO_IOPRIO_WHO_PROCESS 1
#define HOLO_IOPRIO_CLASS_SHIFT 13

#define HOLO_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The sched_setattr(2) argument (layout of the kernel's struct sched_attr,
   SCHED_ATTR_SIZE_VER1).  glibc before 2.41 has no wrapper, and including
   linux/sched/types.h next to newer glibc's sched.h would clash.  */
struct holo_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

/* "process.rlimits[1]: setrlimit RLIMIT_NOFILE soft 1024 hard 21000:
   Operation not permitted (a hard limit above the runtime's, 20000, needs
   CAP_SYS_RESOURCE)": the entry, its values and, for EPERM, the cause.  */
static int
rlimit_error (size_t i, const struct holo_rlimit *rl, int saved, holo_error_t *err)
{
  const char *name = rl->name ? rl->name : "(unnamed)";
  struct rlimit now;
  char text[128];
  if (saved == EPERM && getrlimit (rl->resource, &now) == 0 && now.rlim_max != RLIM_INFINITY
      && rl->hard > (uint64_t) now.rlim_max)
    return holo_make_error (err, 0,
                            "process.rlimits[%zu]: setrlimit %s soft %" PRIu64 " hard %" PRIu64
                            ": %s (a hard limit above the runtime's, %" PRIu64 ", needs CAP_SYS_RESOURCE)",
                            i, name, rl->soft, rl->hard, holo_strerror (saved, text, sizeof text),
                            (uint64_t) now.rlim_max);
  return holo_make_error (err, saved, "process.rlimits[%zu]: setrlimit %s soft %" PRIu64 " hard %" PRIu64, i, name,
                          rl->soft, rl->hard);
}

int
holo_process_apply_rlimits (const struct holo_process *p, holo_error_t *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct holo_rlimit *rl = &p->rlimits[i];
      /* UINT64_MAX in config.json is RLIM_INFINITY, which has the same value. */
      struct rlimit limit = { .rlim_cur = (rlim_t) rl->soft, .rlim_max = (rlim_t) rl->hard };
      if (setrlimit (rl->resource, &limit) < 0)
        return rlimit_error (i, rl, errno, err);
    }
  return 0;
}

int
holo_process_apply_oom_score_adj (const struct holo_process *p, holo_error_t *err)
{
  char buf[32];
  int len;

  if (!p->has_oom_score_adj)
    return 0;
  /* Already so (stage1 set it before joining, and its child inherited
     it): no write, which a non-dumpable process in a user namespace could
     not make (its /proc/self files belong to the host's root).  */
  cleanup_free char *now = NULL;
  if (holo_read_file ("/proc/self/oom_score_adj", &now, NULL, NULL) == 0 && atoi (now) == p->oom_score_adj)
    return 0;
  len = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  if (holo_write_file ("/proc/self/oom_score_adj", buf, (size_t) len, err) < 0)
    return holo_error_prefix (err, "set oom_score_adj to %d", p->oom_score_adj);
  return 0;
}

int
holo_process_apply_personality (const struct holo_linux *l, holo_error_t *err)
{
  if (!l->has_personality)
    return 0;
  if (personality (l->personality) < 0)
    return holo_make_error (err, errno, "personality 0x%lx", l->personality);
  return 0;
}

int
holo_process_apply_io_priority (const struct holo_process *p, holo_error_t *err)
{
  if (!p->has_io_priority)
    return 0;
  int value = (p->io_priority_class << HOLO_IOPRIO_CLASS_SHIFT) | p->io_priority;
  if (syscall (SYS_ioprio_set, HOLO_IOPRIO_WHO_PROCESS, 0, value) < 0)
    return holo_make_error (err, errno, "ioprio_set class %d priority %d", p->io_priority_class, p->io_priority);
  return 0;
}

int
holo_process_apply_scheduler (const struct holo_process *p, holo_error_t *err)
{
  if (!p->has_scheduler)
    return 0;

  /* Only the first (VER0) part is filled: utilization clamps are not part
     of the runtime spec, and a smaller size works on more kernels.  */
  struct holo_sched_attr attr = {
    .size = offsetof (struct holo_sched_attr, sched_util_min),
    .sched_policy = (uint32_t) p->sched_policy,
    .sched_flags = p->sched_flags,
    .sched_nice = p->sched_nice,
    .sched_priority = (uint32_t) p->sched_priority,
    .sched_runtime = p->sched_runtime,
    .sched_deadline = p->sched_deadline,
    .sched_period = p->sched_period,
  };
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return holo_make_error (err, errno, "sched_setattr policy %d", p->sched_policy);
  return 0;
}

int
holo_process_apply_user (const struct holo_process *p, bool setgroups_allowed, holo_error_t *err)
{
  /* Always set the list, even when empty, so the root group list the init
     inherited from the runtime does not leak into the container.  In a user
     namespace with setgroups "deny" the call would fail with EPERM.  */
  if (setgroups_allowed && setgroups (p->n_additional_gids, p->additional_gids) < 0)
    return holo_make_error (err, errno, "setgroups");

  /* Without KEEPCAPS, leaving uid 0 clears the permitted set and
     holo_caps_apply could not raise anything for a non-root user.  */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "prctl PR_SET_KEEPCAPS");

  if (setresgid (p->gid, p->gid, p->gid) < 0)
    return holo_make_error (err, errno, "setresgid %u", (unsigned) p->gid);
  if (setresuid (p->uid, p->uid, p->uid) < 0)
    return holo_make_error (err, errno, "setresuid %u", (unsigned) p->uid);

  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return holo_make_error (err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}

static const char *
env_lookup (char **env, const char *name)
{
  size_t n = strlen (name);
  for (char **e = env; e && *e; e++)
    if (strncmp (*e, name, n) == 0 && (*e)[n] == '=')
      return *e + n + 1;
  return NULL;
}

/* What execve would run: a regular file with an execute bit that the
   current credentials may execute.  */
static bool
is_executable_file (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0 || !S_ISREG (st.st_mode) || (st.st_mode & 0111) == 0)
    return false;
  return faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* args[0] with a slash is used as is, but must exist and be executable,
   so the error comes before execve with a clearer text.  */
static char *
check_explicit_path (const char *name, holo_error_t *err)
{
  struct stat st;
  if (stat (name, &st) < 0)
    {
      holo_make_error (err, errno, "exec: \"%s\": stat %s", name, name);
      return NULL;
    }
  if (!is_executable_file (name))
    {
      holo_make_error (err, EACCES, "exec: \"%s\"", name);
      return NULL;
    }
  return holo_xstrdup (name);
}

char *
holo_process_find_executable (const struct holo_process *p, holo_error_t *err)
{
  const char *name = p->args ? p->args[0] : NULL;

  if (name == NULL || *name == '\0')
    {
      holo_make_error (err, 0, "exec: \"\": executable file not found in $PATH");
      return NULL;
    }
  if (strchr (name, '/'))
    return check_explicit_path (name, err);

  const char *path = env_lookup (p->env, "PATH");
  if (path == NULL)
    path = HOLO_DEFAULT_PATH;

  const char *dir = path;
  for (;;)
    {
      const char *end = strchrnul (dir, ':');
      /* An empty element means the current directory, as in execvp.  */
      cleanup_free char *candidate
          = end == dir ? holo_xasprintf ("./%s", name) : holo_xasprintf ("%.*s/%s", (int) (end - dir), dir, name);
      if (is_executable_file (candidate))
        return steal_pointer (&candidate);
      if (*end == '\0')
        break;
      dir = end + 1;
    }
  holo_make_error (err, 0, "exec: \"%s\": executable file not found in $PATH", name);
  return NULL;
}
