/* Unit tests of what the container init applies to its process without
   needing a container: hooks, PATH lookup, process attributes (rlimits,
   oom_score_adj, personality, io priority, scheduler, user) and
   capabilities.  Tests that change the calling process run in a forked
   child that reports one line back through a pipe.  Needs root.  */
#define _GNU_SOURCE
#include "unit.h"

#include "libcontainer/hooks.h"
#include "libcontainer/process/setup.h"
#include "libcontainer/process/sync.h"
#include "libcontainer/process/vmchild.h"
#include "libcontainer/security/capabilities.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/holo-test-process.XXXXXX";

static char *
tmp_path (const char *name)
{
  return holo_xasprintf ("%s/%s", tmpdir, name);
}

static char *
read_tmp (const char *name)
{
  cleanup_free char *path = tmp_path (name);
  char *buf = NULL;
  if (holo_read_file (path, &buf, NULL, NULL) < 0)
    return NULL;
  return buf;
}

static void
write_script (const char *name, const char *body)
{
  cleanup_free char *path = tmp_path (name);
  holo_write_file (path, body, strlen (body), NULL);
  chmod (path, 0755);
}

/* Sends our stderr to the file NAME (or /dev/null) while hooks write to it;
   returns the saved fd for stderr_restore.  */
static int
stderr_redirect (const char *name)
{
  cleanup_free char *path = name ? tmp_path (name) : holo_xstrdup ("/dev/null");
  int saved = dup (STDERR_FILENO);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  dup2 (fd, STDERR_FILENO);
  close (fd);
  return saved;
}

static void
stderr_restore (int saved)
{
  dup2 (saved, STDERR_FILENO);
  close (saved);
}

/* Runs a single hook; returns the error message or NULL on success.  */
static char *
run_one_hook (const char *kind, struct holo_hook *hook, const char *state)
{
  struct holo_hook_list list = { .hooks = hook, .n = 1 };
  holo_error_t err = NULL;
  if (holo_hooks_run (&list, kind, state, &err) == 0)
    return NULL;
  char *msg = holo_xstrdup (err ? err->msg : "(no error set)");
  holo_error_release (&err);
  return msg;
}

static double
seconds_since (const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- hooks ---- */

static void
test_hook_gets_state_on_stdin (void)
{
  cleanup_free char *out = tmp_path ("state.out");
  cleanup_free char *script = holo_xasprintf ("cat > %s", out);
  char *args[] = { "sh", "-c", script, NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args };
  const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}";

  cleanup_free char *msg = run_one_hook ("createRuntime", &hook, state);
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("state.out");
  UNIT_ASSERT_STR_EQ (got, state);
}

static void
test_hook_args_and_env (void)
{
  cleanup_free char *out = tmp_path ("argenv.out");
  cleanup_free char *script = holo_xasprintf ("echo \"$0|$1|$FOO|${HOLO_TEST_LEAK-unset}\" > %s", out);
  /* sh -c SCRIPT NAME ARG: $0 = NAME, $1 = ARG */
  char *args[] = { "sh", "-c", script, "my-name", "first", NULL };
  char *env[] = { "FOO=bar baz", NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args, .env = env };

  setenv ("HOLO_TEST_LEAK", "1", 1);
  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  unsetenv ("HOLO_TEST_LEAK");
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("argenv.out");
  UNIT_ASSERT_STR_EQ (got, "my-name|first|bar baz|unset\n");
}

static void
test_hook_without_args_or_env (void)
{
  cleanup_free char *out = tmp_path ("noargs.out");
  cleanup_free char *body = holo_xasprintf ("#!/bin/sh\necho \"$0 $# ${HOLO_TEST_LEAK-unset}\" > %s\n", out);
  cleanup_free char *path = tmp_path ("noargs.sh");
  write_script ("noargs.sh", body);
  struct holo_hook hook = { .path = path };

  /* Without env a hook gets the runtime's environment (runc, crun).  */
  setenv ("HOLO_TEST_LEAK", "1", 1);
  cleanup_free char *msg = run_one_hook ("poststart", &hook, "{}");
  unsetenv ("HOLO_TEST_LEAK");
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("noargs.out");
  cleanup_free char *expected = holo_xasprintf ("%s 0 1\n", path);
  UNIT_ASSERT_STR_EQ (got, expected);
}

static void
test_hook_with_empty_env (void)
{
  cleanup_free char *out = tmp_path ("emptyenv.out");
  cleanup_free char *body = holo_xasprintf ("#!/bin/sh\necho \"${HOLO_TEST_LEAK-unset}\" > %s\n", out);
  cleanup_free char *path = tmp_path ("emptyenv.sh");
  write_script ("emptyenv.sh", body);
  char *no_env[] = { NULL };
  struct holo_hook hook = { .path = path, .env = no_env };

  /* "env": [] is an empty environment.  */
  setenv ("HOLO_TEST_LEAK", "1", 1);
  cleanup_free char *msg = run_one_hook ("poststart", &hook, "{}");
  unsetenv ("HOLO_TEST_LEAK");
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("emptyenv.out");
  UNIT_ASSERT_STR_EQ (got, "unset\n");
}

static void
test_hook_failure_names_hook_and_stderr (void)
{
  char *args[] = { "sh", "-c", "echo first line >&2; echo boom >&2; exit 3", NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args };

  int saved = stderr_redirect ("stderr.out");
  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  stderr_restore (saved);
  UNIT_ASSERT_STR_EQ (msg, "prestart hook #0 (/bin/sh) exited with status 3: first line\nboom");
  /* The hook's stderr also reaches ours, whole.  */
  cleanup_free char *forwarded = read_tmp ("stderr.out");
  UNIT_ASSERT_STR_EQ (forwarded, "first line\nboom\n");
}

static void
test_hook_failure_without_stderr (void)
{
  char *args[] = { "false", NULL };
  struct holo_hook hook = { .path = "/bin/false", .args = args };

  cleanup_free char *msg = run_one_hook ("poststop", &hook, "{}");
  UNIT_ASSERT_STR_EQ (msg, "poststop hook #0 (/bin/false) exited with status 1");
}

static void
test_hook_stderr_tail_is_bounded (void)
{
  /* 8 KiB of 'a' then a last line: only the end is kept.  */
  char *args[] = { "sh", "-c", "head -c 8192 /dev/zero | tr '\\0' a >&2; printf '\\nTHE-END\\n' >&2; exit 1", NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args };

  int saved = stderr_redirect (NULL);
  cleanup_free char *msg = run_one_hook ("createContainer", &hook, "{}");
  stderr_restore (saved);
  UNIT_ASSERT (msg != NULL);
  UNIT_ASSERT_STR_CONTAINS (msg, "createContainer hook #0 (/bin/sh) exited with status 1: aaa");
  UNIT_ASSERT (strlen (msg) < 1200);
  UNIT_ASSERT (strlen (msg) > 1000);
  UNIT_ASSERT_STR_EQ (msg + strlen (msg) - 8, "\nTHE-END");
}

static void
test_hook_killed_by_signal (void)
{
  char *args[] = { "sh", "-c", "kill -9 $$", NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args };

  cleanup_free char *msg = run_one_hook ("startContainer", &hook, "{}");
  UNIT_ASSERT_STR_EQ (msg, "startContainer hook #0 (/bin/sh) killed by signal 9");
}

static void
test_hook_timeout (void)
{
  char *args[] = { "sleep", "10", NULL };
  struct holo_hook hook = { .path = "/bin/sleep", .args = args, .timeout = 1 };
  struct timespec t0;

  clock_gettime (CLOCK_MONOTONIC, &t0);
  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  double took = seconds_since (&t0);
  UNIT_ASSERT_STR_EQ (msg, "prestart hook #0 (/bin/sleep) timed out after 1 seconds");
  UNIT_ASSERT (took >= 0.9 && took < 1.5);
}

static void
test_hook_timeout_not_reached (void)
{
  char *args[] = { "sh", "-c", "sleep 0.2", NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args, .timeout = 5 };

  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  UNIT_ASSERT (msg == NULL);
}

static void
test_hook_exec_failure (void)
{
  struct holo_hook hook = { .path = "/nonexistent/hook" };

  int saved = stderr_redirect (NULL);
  cleanup_free char *msg = run_one_hook ("createRuntime", &hook, "{}");
  stderr_restore (saved);
  UNIT_ASSERT_STR_CONTAINS (msg, "createRuntime hook #0 (/nonexistent/hook) exited with status 127");
  UNIT_ASSERT_STR_CONTAINS (msg, "no such file or directory");
}

static void
test_hooks_stop_at_first_failure (void)
{
  cleanup_free char *marker = tmp_path ("marker");
  cleanup_free char *touch = holo_xasprintf ("touch %s", marker);
  char *ok_args[] = { "true", NULL };
  char *fail_args[] = { "sh", "-c", "exit 7", NULL };
  char *touch_args[] = { "sh", "-c", touch, NULL };
  struct holo_hook hooks[] = {
    { .path = "/bin/true", .args = ok_args },
    { .path = "/bin/sh", .args = fail_args },
    { .path = "/bin/sh", .args = touch_args },
  };
  struct holo_hook_list list = { .hooks = hooks, .n = 3 };
  cleanup_error holo_error_t err = NULL;

  UNIT_ASSERT_INT_EQ (holo_hooks_run (&list, "prestart", "{}", &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "prestart hook #1 (/bin/sh) exited with status 7");
  UNIT_ASSERT (access (marker, F_OK) < 0);

  struct holo_hook_list empty = { 0 };
  UNIT_ASSERT_INT_EQ (holo_hooks_run (&empty, "prestart", "{}", NULL), 0);
}

static void
test_hook_sees_only_stdio_fds (void)
{
  /* A descriptor without O_CLOEXEC that the runtime happens to hold.  */
  int leak = open ("/dev/null", O_RDONLY);
  cleanup_free char *out = tmp_path ("fds.out");
  cleanup_free char *script = holo_xasprintf ("ls /proc/self/fd > %s", out);
  char *args[] = { "sh", "-c", script, NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args };

  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  close (leak);
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("fds.out");
  /* 0-2, and 3 is the directory ls is reading.  */
  UNIT_ASSERT_STR_EQ (got, "0\n1\n2\n3\n");
}

static void
test_hook_ignoring_big_state (void)
{
  /* Much more than a pipe holds, to a hook that never reads it: no hang,
     no SIGPIPE, and SIGPIPE is not left blocked.  */
  size_t len = 1 << 20;
  cleanup_free char *state = holo_xmalloc (len + 1);
  memset (state, 'x', len);
  char *args[] = { "true", NULL };
  struct holo_hook hook = { .path = "/bin/true", .args = args, .timeout = 5 };

  cleanup_free char *msg = run_one_hook ("prestart", &hook, state);
  UNIT_ASSERT (msg == NULL);

  sigset_t mask;
  sigprocmask (SIG_BLOCK, NULL, &mask);
  UNIT_ASSERT (!sigismember (&mask, SIGPIPE));
}

static void
test_hook_reads_big_state (void)
{
  size_t len = 300 * 1024;
  cleanup_free char *state = holo_xmalloc (len + 1);
  memset (state, 'y', len);
  cleanup_free char *out = tmp_path ("big.out");
  cleanup_free char *script = holo_xasprintf ("cat > %s", out);
  char *args[] = { "sh", "-c", script, NULL };
  struct holo_hook hook = { .path = "/bin/sh", .args = args, .timeout = 5 };

  cleanup_free char *msg = run_one_hook ("prestart", &hook, state);
  UNIT_ASSERT (msg == NULL);
  cleanup_free char *got = read_tmp ("big.out");
  UNIT_ASSERT (got != NULL);
  UNIT_ASSERT_INT_EQ (strlen (got), len);
}

typedef void (*child_fn) (int report_fd);
static char *run_in_child (child_fn fn);

static void
child_hook_with_sigchld_ignored (int fd)
{
  char *args[] = { "true", NULL };
  struct holo_hook hook = { .path = "/bin/true", .args = args };
  signal (SIGCHLD, SIG_IGN); /* the kernel reaps children itself */
  cleanup_free char *msg = run_one_hook ("prestart", &hook, "{}");
  dprintf (fd, "%s", msg ? msg : "ok");
}

static void
test_hook_reaped_by_someone_else (void)
{
  /* Must not spin forever waiting for a status that no longer exists.  */
  cleanup_free char *r = run_in_child (child_hook_with_sigchld_ignored);
  UNIT_ASSERT_STR_EQ (r, "prestart hook #0 (/bin/true): waitpid: no child processes");
}

/* ---- PATH lookup ---- */

static char *
find_exe (char **env, const char *name, char **msg)
{
  char *args[] = { (char *) name, NULL };
  char *empty_env[] = { NULL };
  struct holo_process p = { .args = args, .env = env ? env : empty_env };
  holo_error_t err = NULL;
  char *r = holo_process_find_executable (&p, &err);
  *msg = err ? holo_xstrdup (err->msg) : NULL;
  holo_error_release (&err);
  return r;
}

static void
test_find_executable_in_path (void)
{
  cleanup_free char *d0 = tmp_path ("bin0");
  cleanup_free char *d1 = tmp_path ("bin1");
  cleanup_free char *d2 = tmp_path ("bin2");
  mkdir (d0, 0755);
  mkdir (d1, 0755);
  mkdir (d2, 0755);
  cleanup_free char *dir_named_tool = tmp_path ("bin0/tool");
  mkdir (dir_named_tool, 0755); /* a directory is not an executable */
  write_script ("bin1/tool", "#!/bin/sh\n");
  cleanup_free char *noexec = tmp_path ("bin1/tool");
  chmod (noexec, 0644); /* no execute bit */
  write_script ("bin2/tool", "#!/bin/sh\n");

  cleanup_free char *path_env = holo_xasprintf ("PATH=/nonexistent:%s:%s:%s", d0, d1, d2);
  char *env[] = { "A=b", path_env, NULL };
  cleanup_free char *msg = NULL;
  cleanup_free char *found = find_exe (env, "tool", &msg);
  cleanup_free char *expected = tmp_path ("bin2/tool");
  UNIT_ASSERT_STR_EQ (found, expected);

  cleanup_free char *msg2 = NULL;
  cleanup_free char *none = find_exe (env, "no-such-tool", &msg2);
  UNIT_ASSERT (none == NULL);
  UNIT_ASSERT_STR_EQ (msg2, "exec: \"no-such-tool\": executable file not found in $PATH");
}

static void
test_find_executable_default_path (void)
{
  cleanup_free char *msg = NULL;
  cleanup_free char *found = find_exe (NULL, "sh", &msg);
  UNIT_ASSERT (found != NULL);
  UNIT_ASSERT (found[0] == '/');
  UNIT_ASSERT_STR_EQ (found + strlen (found) - 3, "/sh");
  UNIT_ASSERT (access (found, X_OK) == 0);
}

static void
test_find_executable_with_slash (void)
{
  cleanup_free char *msg = NULL;
  cleanup_free char *found = find_exe (NULL, "/bin/sh", &msg);
  UNIT_ASSERT_STR_EQ (found, "/bin/sh");

  cleanup_free char *msg2 = NULL;
  cleanup_free char *missing = find_exe (NULL, "/no/such/prog", &msg2);
  UNIT_ASSERT (missing == NULL);
  UNIT_ASSERT_STR_EQ (msg2, "exec: \"/no/such/prog\": stat /no/such/prog: no such file or directory");

  cleanup_free char *noexec = tmp_path ("bin1/tool");
  cleanup_free char *msg3 = NULL;
  cleanup_free char *denied = find_exe (NULL, noexec, &msg3);
  UNIT_ASSERT (denied == NULL);
  UNIT_ASSERT_STR_CONTAINS (msg3, "permission denied");
}

/* ---- process attributes, each in a child ---- */

/* Forks, runs FN in the child and returns what it wrote on REPORT_FD.  */
static char *
run_in_child (child_fn fn)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return holo_xstrdup ("pipe failed");
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (p[0]);
      fn (p[1]);
      _exit (0);
    }
  close (p[1]);
  char buf[4096];
  ssize_t n = holo_read_all (p[0], buf, sizeof buf - 1);
  close (p[0]);
  int status;
  waitpid (pid, &status, 0);
  buf[n > 0 ? n : 0] = '\0';
  return holo_xstrdup (buf);
}

/* Reports the error of a failed call, or nothing.  */
static bool
report_error (int fd, int ret, holo_error_t *err)
{
  if (ret == 0)
    return false;
  dprintf (fd, "error: %s", *err ? (*err)->msg : "(no error set)");
  holo_error_release (err);
  return true;
}

static void
child_rlimits (int fd)
{
  struct holo_rlimit rl[] = { { RLIMIT_NOFILE, "RLIMIT_NOFILE", 100, 200 }, { RLIMIT_CORE, "RLIMIT_CORE", 0, 0 } };
  struct holo_process p = { .rlimits = rl, .n_rlimits = 2 };
  holo_error_t err = NULL;
  struct rlimit nofile, core;

  if (report_error (fd, holo_process_apply_rlimits (&p, &err), &err))
    return;
  getrlimit (RLIMIT_NOFILE, &nofile);
  getrlimit (RLIMIT_CORE, &core);
  dprintf (fd, "%llu %llu %llu %llu", (unsigned long long) nofile.rlim_cur, (unsigned long long) nofile.rlim_max,
           (unsigned long long) core.rlim_cur, (unsigned long long) core.rlim_max);
}

static void
test_rlimits (void)
{
  cleanup_free char *r = run_in_child (child_rlimits);
  UNIT_ASSERT_STR_EQ (r, "100 200 0 0");
}

static void
child_rlimit_denied (int fd)
{
  /* Without CAP_SYS_RESOURCE a hard limit cannot be raised.  */
  struct rlimit low = { 50, 50 };
  setrlimit (RLIMIT_NOFILE, &low);
  cap_t c = cap_get_proc ();
  cap_value_t v = CAP_SYS_RESOURCE;
  cap_set_flag (c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
  cap_set_proc (c);
  cap_free (c);

  struct holo_rlimit rl[] = { { RLIMIT_NOFILE, "RLIMIT_NOFILE", 100, 100 } };
  struct holo_process p = { .rlimits = rl, .n_rlimits = 1 };
  holo_error_t err = NULL;
  if (!report_error (fd, holo_process_apply_rlimits (&p, &err), &err))
    dprintf (fd, "no error");
}

static void
test_rlimit_error_names_the_limit (void)
{
  cleanup_free char *r = run_in_child (child_rlimit_denied);
  UNIT_ASSERT_STR_EQ (r,
                      "error: process.rlimits[0]: setrlimit RLIMIT_NOFILE soft 100 hard 100: operation not permitted "
                      "(a hard limit above the runtime's, 50, needs CAP_SYS_RESOURCE)");
}

static void
child_oom_personality_ioprio (int fd)
{
  struct holo_process p = {
    .has_oom_score_adj = true,
    .oom_score_adj = 500,
    .has_io_priority = true,
    .io_priority_class = 2, /* IOPRIO_CLASS_BE */
    .io_priority = 5,
  };
  struct holo_linux l = { .has_personality = true, .personality = PER_LINUX32 };
  holo_error_t err = NULL;
  cleanup_free char *oom = NULL;

  if (report_error (fd, holo_process_apply_oom_score_adj (&p, &err), &err)
      || report_error (fd, holo_process_apply_personality (&l, &err), &err)
      || report_error (fd, holo_process_apply_io_priority (&p, &err), &err))
    return;
  holo_read_file ("/proc/self/oom_score_adj", &oom, NULL, NULL);
  long prio = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  dprintf (fd, "oom=%s persona=%d ioprio=%ld", oom ? oom : "?", personality (0xffffffff) & PER_MASK, prio);
}

static void
test_oom_personality_ioprio (void)
{
  cleanup_free char *r = run_in_child (child_oom_personality_ioprio);
  cleanup_free char *expected = holo_xasprintf ("oom=500\n persona=%d ioprio=%d", PER_LINUX32, (2 << 13) | 5);
  UNIT_ASSERT_STR_EQ (r, expected);
}

static void
child_scheduler (int fd)
{
  struct holo_process p = { .has_scheduler = true, .sched_policy = SCHED_BATCH, .sched_nice = 7 };
  holo_error_t err = NULL;

  if (report_error (fd, holo_process_apply_scheduler (&p, &err), &err))
    return;
  errno = 0;
  int nice_now = getpriority (PRIO_PROCESS, 0);
  dprintf (fd, "policy=%d nice=%d", sched_getscheduler (0), nice_now);
}

static void
test_scheduler (void)
{
  cleanup_free char *r = run_in_child (child_scheduler);
  cleanup_free char *expected = holo_xasprintf ("policy=%d nice=7", SCHED_BATCH);
  UNIT_ASSERT_STR_EQ (r, expected);
}

static uint64_t
status_mask (const char *field)
{
  cleanup_free char *buf = NULL;
  if (holo_read_file ("/proc/self/status", &buf, NULL, NULL) < 0)
    return UINT64_MAX;
  char *p = strstr (buf, field);
  if (p == NULL)
    return UINT64_MAX;
  return strtoull (p + strlen (field), NULL, 16);
}

#define BIT(c) (UINT64_C (1) << (c))

static void
child_user_and_caps (int fd)
{
  gid_t gids[] = { 11, 12 };
  struct holo_process p = {
    .uid = 65534,
    .gid = 65533,
    .additional_gids = gids,
    .n_additional_gids = 2,
    .caps = {
      .present = true,
      .bounding = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN),
      .effective = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN),
      .permitted = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN),
      .inheritable = BIT (CAP_NET_BIND_SERVICE),
      /* CHOWN is not inheritable: skipped with a warning */
      .ambient = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN),
    },
  };
  holo_error_t err = NULL;
  uid_t ru, eu, su;
  gid_t rg, eg, sg, groups[8];

  if (report_error (fd, holo_caps_drop_bounding (&p.caps, &err), &err)
      || report_error (fd, holo_process_apply_user (&p, true, &err), &err))
    return;
  uint64_t prm_after_setuid = status_mask ("CapPrm:");
  if (report_error (fd, holo_caps_apply (&p.caps, &err), &err))
    return;
  getresuid (&ru, &eu, &su);
  getresgid (&rg, &eg, &sg);
  int ng = getgroups (8, groups);
  dprintf (fd, "uid=%u,%u,%u gid=%u,%u,%u groups=%d:%u,%u keepcaps=%d prm_kept=%d ", ru, eu, su, rg, eg, sg, ng,
           ng > 0 ? groups[0] : 0, ng > 1 ? groups[1] : 0, prctl (PR_GET_KEEPCAPS, 0, 0, 0, 0),
           (prm_after_setuid & p.caps.permitted) == p.caps.permitted);
  dprintf (fd, "bnd=%" PRIx64 " eff=%" PRIx64 " prm=%" PRIx64 " inh=%" PRIx64 " amb=%" PRIx64, status_mask ("CapBnd:"),
           status_mask ("CapEff:"), status_mask ("CapPrm:"), status_mask ("CapInh:"), status_mask ("CapAmb:"));
}

static void
test_user_and_capabilities (void)
{
  cleanup_free char *r = run_in_child (child_user_and_caps);
  uint64_t both = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN), nbs = BIT (CAP_NET_BIND_SERVICE);
  cleanup_free char *expected
      = holo_xasprintf ("uid=65534,65534,65534 gid=65533,65533,65533 groups=2:11,12 keepcaps=0 prm_kept=1 "
                        "bnd=%" PRIx64 " eff=%" PRIx64 " prm=%" PRIx64 " inh=%" PRIx64 " amb=%" PRIx64,
                        both, both, both, nbs, nbs);
  UNIT_ASSERT_STR_EQ (r, expected);
}

static void
child_setgroups_denied (int fd)
{
  gid_t before[8], after[8];
  int nb = getgroups (8, before);
  struct holo_process p = { .uid = 0, .gid = 0, .additional_gids = (gid_t[]){ 99 }, .n_additional_gids = 1 };
  holo_error_t err = NULL;
  if (report_error (fd, holo_process_apply_user (&p, false, &err), &err))
    return;
  int na = getgroups (8, after);
  dprintf (fd, "%s",
           na == nb && memcmp (before, after, sizeof (gid_t) * (size_t) (na > 0 ? na : 0)) == 0 ? "groups untouched"
                                                                                                : "groups changed");
}

static void
test_user_without_setgroups (void)
{
  cleanup_free char *r = run_in_child (child_setgroups_denied);
  UNIT_ASSERT_STR_EQ (r, "groups untouched");
}

static void
child_no_capabilities (int fd)
{
  struct holo_capabilities none = { .present = false };
  holo_error_t err = NULL;

  if (report_error (fd, holo_caps_drop_bounding (&none, &err), &err)
      || report_error (fd, holo_caps_apply (&none, &err), &err))
    return;
  dprintf (fd, "bnd=%" PRIx64 " eff=%" PRIx64 " prm=%" PRIx64 " inh=%" PRIx64 " amb=%" PRIx64, status_mask ("CapBnd:"),
           status_mask ("CapEff:"), status_mask ("CapPrm:"), status_mask ("CapInh:"), status_mask ("CapAmb:"));
}

static void
test_absent_capabilities_mean_none (void)
{
  cleanup_free char *r = run_in_child (child_no_capabilities);
  UNIT_ASSERT_STR_EQ (r, "bnd=0 eff=0 prm=0 inh=0 amb=0");
}

static void
test_cap_names (void)
{
  cleanup_free char *last = NULL;
  UNIT_ASSERT (holo_read_file ("/proc/sys/kernel/cap_last_cap", &last, NULL, NULL) == 0);
  UNIT_ASSERT_INT_EQ (holo_cap_last_cap (), atoi (last));

  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("CAP_CHOWN"), CAP_CHOWN);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("CAP_AUDIT_READ"), CAP_AUDIT_READ);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("CAP_NOT_A_CAP"), -1);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("chown"), -1);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name ("7"), -1);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name (""), -1);
  UNIT_ASSERT_INT_EQ (holo_cap_from_name (NULL), -1);
}

/* ---- the parent-init sync channel (process/sync.c) ---- */

static void
sync_pair (int sv[2])
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    abort ();
}

static char *
big_string (size_t n, char c)
{
  char *s = holo_xmalloc (n + 1);
  memset (s, c, n);
  return s;
}

static void
test_sync_states_bigger_than_a_datagram (void)
{
  int sv[2];
  sync_pair (sv);
  cleanup_close int parent = sv[0], init = sv[1];
  /* 200 KB: far over one datagram; travels in a sealed memfd.  */
  cleanup_free char *container = big_string (200000, 'c');
  cleanup_free char *listener = big_string (300, 'l');
  holo_error_t err = NULL;
  struct holo_sync_states st = { 0 };

  /* One direction at a time is FIFO: holo's answer can be queued first.  */
  UNIT_ASSERT_INT_EQ (holo_sync_send_states (parent, container, listener, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_sync_request_hooks (init, true, &st, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_hooks_request (parent, &err), 0);
  UNIT_ASSERT (st.container != NULL && st.listener != NULL);
  UNIT_ASSERT_INT_EQ ((long) strlen (st.container), 200000);
  UNIT_ASSERT (strcmp (st.container, container) == 0);
  UNIT_ASSERT (strcmp (st.listener, listener) == 0);
  holo_sync_states_release (&st);

  /* Without a listener the init asks for the container's state only.  */
  UNIT_ASSERT_INT_EQ (holo_sync_send_states (parent, "{}", NULL, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_sync_request_hooks (init, false, &st, &err), 0);
  UNIT_ASSERT_STR_EQ (st.container, "{}");
  UNIT_ASSERT (st.listener == NULL);
  holo_sync_states_release (&st);
}

static void
test_sync_log_error_and_close (void)
{
  int sv[2];
  sync_pair (sv);
  int parent = sv[0], init = sv[1];
  holo_error_t err = NULL;

  /* LOG lines met while waiting go to holo's log; the wait goes on.  */
  holo_sync_send_log (init, "warning", "from the init");
  UNIT_ASSERT_INT_EQ (holo_sync_send_ready (init, &err), 0);
  int saved = stderr_redirect ("sync-log.out");
  int ret = holo_sync_wait_ready (parent, &err);
  stderr_restore (saved);
  UNIT_ASSERT_INT_EQ (ret, 0);
  cleanup_free char *logged = read_tmp ("sync-log.out");
  UNIT_ASSERT_STR_EQ (logged, "holo: from the init\n");

  /* ERROR instead of the expected message: its text and errno.  */
  holo_error_t sent = NULL;
  holo_make_error (&sent, EACCES, "open `x`");
  holo_sync_send_error (init, &sent);
  holo_error_release (&sent);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "open `x`: permission denied");
  UNIT_ASSERT_INT_EQ (err->status, EACCES);
  UNIT_ASSERT (!holo_sync_is_closed (&err));
  holo_error_release (&err);

  /* Another type than the one expected is a protocol error.  */
  UNIT_ASSERT_INT_EQ (holo_sync_send_go (init, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "got GO, expected READY");
  holo_error_release (&err);

  /* The init gone without a word.  */
  close (init);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT (holo_sync_is_closed (&err));
  holo_error_release (&err);
  close (parent);
}

/* A datagram as a peer that does not follow the protocol would send.  */
static void
send_raw (int fd, uint32_t type, uint32_t flags, uint64_t len, const void *data, size_t n, int pass_fd)
{
  struct
  {
    uint32_t type, flags;
    uint64_t len;
  } h = { type, flags, len };
  struct iovec iov[2] = { { &h, sizeof h }, { (void *) data, n } };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n ? 2 : 1 };
  if (pass_fd >= 0)
    {
      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &pass_fd, sizeof (int));
    }
  if (sendmsg (fd, &msg, 0) < 0)
    abort ();
}

static void
test_sync_refuses_what_it_cannot_trust (void)
{
  int sv[2];
  sync_pair (sv);
  cleanup_close int parent = sv[0], init = sv[1];
  holo_error_t err = NULL;

  /* Over the inline size: never cut, an error.  */
  cleanup_free char *huge = big_string (HOLO_SYNC_INLINE_MAX + 100, 'x');
  send_raw (init, HOLO_SYNC_READY, 0, HOLO_SYNC_INLINE_MAX + 100, huge, HOLO_SYNC_INLINE_MAX + 100, -1);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "oversized");
  holo_error_release (&err);

  /* A length that is not the datagram's.  */
  send_raw (init, HOLO_SYNC_READY, 0, 10, "abc", 3, -1);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "malformed");
  holo_error_release (&err);

  /* A memfd that could still change under us.  */
  int mfd = memfd_create ("unsealed", MFD_CLOEXEC);
  UNIT_ASSERT (mfd >= 0);
  UNIT_ASSERT_INT_EQ ((int) write (mfd, "{}", 2), 2);
  send_raw (init, HOLO_SYNC_READY, 1, 2, NULL, 0, mfd);
  close (mfd);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "not sealed");
  holo_error_release (&err);

  /* A payload said to be in a memfd that did not come.  */
  send_raw (init, HOLO_SYNC_READY, 1, 2, NULL, 0, -1);
  UNIT_ASSERT_INT_EQ (holo_sync_wait_ready (parent, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "without its memfd");
  holo_error_release (&err);
}

/* vmchild.h: the child shares our memory (what it writes, we see), a raw
   system call of its that fails leaves our errno alone (libc's wrappers
   would set it: errno is in the thread-local storage it shares), and it
   exits with its function's value.  */
struct vm_child_arg
{
  volatile int *shared;
  char word[8];
};

static int
vm_child_fn (void *arg)
{
  struct vm_child_arg *a = arg;
  if (holo_vm_syscall3 (SYS_close, -1, 0, 0) != -EBADF)
    return 1;
  /* Its own copy of the argument.  */
  if (a->word[0] != 'w' || a->word[4] != '\0')
    return 2;
  *a->shared = 42;
  return 7;
}

static void
test_vm_child (void)
{
  volatile int shared = 0;
  errno = 0;
  struct vm_child_arg arg = { .shared = &shared, .word = "warm" };
  pid_t pid = holo_vm_child_spawn (vm_child_fn, &arg, sizeof arg);
  UNIT_ASSERT (pid > 0);
  int status;
  UNIT_ASSERT_INT_EQ (waitpid (pid, &status, 0), pid);
  UNIT_ASSERT (WIFEXITED (status));
  UNIT_ASSERT_INT_EQ (WEXITSTATUS (status), 7);
  UNIT_ASSERT_INT_EQ (errno, 0);
#if HOLO_HAVE_VM_CHILD
  UNIT_ASSERT_INT_EQ (shared, 42);
#endif
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }

  UNIT_RUN (test_sync_states_bigger_than_a_datagram);
  UNIT_RUN (test_sync_log_error_and_close);
  UNIT_RUN (test_sync_refuses_what_it_cannot_trust);
  UNIT_RUN (test_hook_gets_state_on_stdin);
  UNIT_RUN (test_hook_args_and_env);
  UNIT_RUN (test_hook_without_args_or_env);
  UNIT_RUN (test_hook_with_empty_env);
  UNIT_RUN (test_hook_failure_names_hook_and_stderr);
  UNIT_RUN (test_hook_failure_without_stderr);
  UNIT_RUN (test_hook_stderr_tail_is_bounded);
  UNIT_RUN (test_hook_killed_by_signal);
  UNIT_RUN (test_hook_timeout);
  UNIT_RUN (test_hook_timeout_not_reached);
  UNIT_RUN (test_hook_exec_failure);
  UNIT_RUN (test_hooks_stop_at_first_failure);
  UNIT_RUN (test_hook_sees_only_stdio_fds);
  UNIT_RUN (test_hook_ignoring_big_state);
  UNIT_RUN (test_hook_reads_big_state);
  UNIT_RUN (test_hook_reaped_by_someone_else);
  UNIT_RUN (test_find_executable_in_path);
  UNIT_RUN (test_find_executable_default_path);
  UNIT_RUN (test_find_executable_with_slash);
  UNIT_RUN (test_rlimits);
  UNIT_RUN (test_rlimit_error_names_the_limit);
  UNIT_RUN (test_oom_personality_ioprio);
  UNIT_RUN (test_scheduler);
  UNIT_RUN (test_user_and_capabilities);
  UNIT_RUN (test_user_without_setgroups);
  UNIT_RUN (test_absent_capabilities_mean_none);
  UNIT_RUN (test_cap_names);
  UNIT_RUN (test_vm_child);

  cleanup_free char *rm = holo_xasprintf ("rm -rf '%s'", tmpdir);
  if (system (rm) != 0)
    fprintf (stderr, "could not remove %s\n", tmpdir);
  return unit_finish ();
}
