/* Unit tests of the seccomp profile compiler (its error paths above all),
   the filter load and notify hand-over, the default profile and the LSM
   helpers.  JSON is written with single quotes; q() makes them double.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "unit.h"

#include "libcontainer/libcontainer.h"
#include "libcontainer//security/lsm.h"
#include "libcontainer/security/seccomp.h"
#include "libcontainer/security/seccomp_internal.h"
#include "libcontainer/spec/spec.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <stdlib.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE "'ociVersion':'1.2.0','root':{'path':'rootfs'},'process':{'args':['sh'],'cwd':'/'}"

static char *
q (const char *s)
{
  char *r = holo_xstrdup (s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

/* A spec whose linux.seccomp is PROFILE (single-quoted JSON).  */
static struct holo_spec *
spec_with (const char *profile)
{
  cleanup_free char *json = holo_xasprintf ("{" BASE ",'linux':{'seccomp':%s}}", profile);
  cleanup_free char *text = q (json);
  holo_error_t err = NULL;
  struct holo_spec *spec = NULL;
  if (holo_spec_parse (text, strlen (text), &spec, &err) < 0)
    {
      fprintf (stdout, "# parse failed: %s\n", err->msg);
      holo_error_release (&err);
    }
  return spec;
}

/* The compile error for PROFILE, or NULL when it compiled.  */
static char *
compile_error (const char *profile)
{
  cleanup_spec struct holo_spec *spec = spec_with (profile);
  struct holo_seccomp *s = NULL;
  holo_error_t err = NULL;
  char *msg = NULL;

  if (spec == NULL)
    return holo_xstrdup ("(parse failed)");
  if (holo_seccomp_compile (spec, NULL, &s, &err) < 0)
    msg = holo_xstrdup (err ? err->msg : "(no error set)");
  holo_error_release (&err);
  holo_seccomp_free (s);
  return msg;
}

#define ASSERT_COMPILE_ERROR(profile, expected)                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *m_ = compile_error (profile);                                                                 \
      UNIT_ASSERT_STR_EQ (m_, expected);                                                                               \
    }                                                                                                                  \
  while (0)

#define ASSERT_COMPILES(profile)                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *m_ = compile_error (profile);                                                                 \
      UNIT_ASSERT_STR_EQ (m_ ? m_ : "(compiled)", "(compiled)");                                                       \
    }                                                                                                                  \
  while (0)

static void
test_no_seccomp_compiles_to_null (void)
{
  cleanup_free char *text = q ("{" BASE "}");
  cleanup_spec struct holo_spec *spec = NULL;
  struct holo_seccomp *s = (struct holo_seccomp *) 1;
  holo_error_t err = NULL;
  UNIT_ASSERT (holo_spec_parse (text, strlen (text), &spec, &err) == 0);
  UNIT_ASSERT (holo_seccomp_compile (spec, NULL, &s, &err) == 0);
  UNIT_ASSERT (s == NULL);
  UNIT_ASSERT (!holo_seccomp_spec_uses_listener (spec));
}

static void
test_valid_profile_compiles_to_a_program (void)
{
  cleanup_spec struct holo_spec *spec = spec_with (
      "{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],"
      "'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_TSYNC'],"
      "'syscalls':[{'names':['read','write','exit_group'],'action':'SCMP_ACT_ALLOW'},"
      "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':0,'op':'SCMP_CMP_EQ'}]},"
      "{'names':['kill'],'action':'SCMP_ACT_TRACE','errnoRet':5}]}");
  struct holo_seccomp *s = NULL;
  holo_error_t err = NULL;
  UNIT_ASSERT (spec != NULL);
  UNIT_ASSERT (holo_seccomp_compile (spec, NULL, &s, &err) == 0);
  UNIT_ASSERT (s != NULL);
  UNIT_ASSERT (s->prog_len > 0);
  UNIT_ASSERT (s->flags & SECCOMP_FILTER_FLAG_LOG);
  UNIT_ASSERT (!(s->flags & SECCOMP_FILTER_FLAG_TSYNC));
  UNIT_ASSERT (!holo_seccomp_uses_listener (s));
  holo_seccomp_free (s);
}

static void
test_action_errors (void)
{
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ALLOW'},"
                        "{'names':['mkdir'],'action':'SCMP_ACT_FOO'}]}",
                        "config.json: linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_NOPE'}",
                        "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  ASSERT_COMPILE_ERROR ("{}", "config.json: linux.seccomp.defaultAction: must be specified");
  ASSERT_COMPILE_ERROR ("{'defaultAction':7}", "config.json: linux.seccomp.defaultAction: must be a string");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir']}]}",
                        "config.json: linux.seccomp.syscalls[0].action: must be specified");
}

static void
test_errno_errors (void)
{
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':70000}",
                        "config.json: linux.seccomp.defaultErrnoRet: must be an integer between 0 and 65535");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':-1}",
                        "config.json: linux.seccomp.defaultErrnoRet: must be a non-negative integer");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1}",
                        "config.json: linux.seccomp.defaultErrnoRet: not allowed with SCMP_ACT_ALLOW (only "
                        "SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_KILL',"
                        "'errnoRet':5}]}",
                        "config.json: linux.seccomp.syscalls[0].errnoRet: not allowed with SCMP_ACT_KILL (only "
                        "SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)");
}

static void
test_architecture_and_flag_errors (void)
{
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_PDP11']}",
                        "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']}",
                        "config.json: linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','architectures':[1]}",
                        "config.json: linux.seccomp.architectures[0]: must be a string");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','architectures':'SCMP_ARCH_X86'}",
                        "config.json: linux.seccomp.architectures: must be an array");
  ASSERT_COMPILE_ERROR (
      "{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_NOPE']}",
      "config.json: linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");
}

static void
test_syscall_entry_errors (void)
{
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':{}}",
                        "config.json: linux.seccomp.syscalls: must be an array");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':['mkdir']}",
                        "config.json: linux.seccomp.syscalls[0]: must be an object");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ERRNO'}]}",
                        "config.json: linux.seccomp.syscalls[0].names: must contain at least one syscall name");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]}",
                        "config.json: linux.seccomp.syscalls[0].names: must contain at least one syscall name");
  ASSERT_COMPILE_ERROR (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir',''],'action':'SCMP_ACT_ERRNO'}]}",
      "config.json: linux.seccomp.syscalls[0].names[1]: must not be empty");
  ASSERT_COMPILE_ERROR (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir',3],'action':'SCMP_ACT_ERRNO'}]}",
      "config.json: linux.seccomp.syscalls[0].names[1]: must be a string");
}

static void
test_argument_errors (void)
{
#define ARGS(a)                                                                                                        \
  "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[" a "]}]}"
  ASSERT_COMPILE_ERROR (ARGS ("{'index':0,'value':1,'op':'SCMP_CMP_EQ'},{'index':6,'value':1,'op':'SCMP_CMP_EQ'}"),
                        "config.json: linux.seccomp.syscalls[0].args[1].index: must be an integer between 0 and 5");
  ASSERT_COMPILE_ERROR (ARGS ("{'index':0,'value':1,'op':'SCMP_CMP_ALMOST'}"),
                        "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"");
  ASSERT_COMPILE_ERROR (ARGS ("{'index':0,'op':'SCMP_CMP_EQ'}"),
                        "config.json: linux.seccomp.syscalls[0].args[0].value: must be specified");
  ASSERT_COMPILE_ERROR (ARGS ("{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}"),
                        "config.json: linux.seccomp.syscalls[0].args[0].value: must be a non-negative integer");
  ASSERT_COMPILE_ERROR (ARGS ("{'index':0,'value':1}"),
                        "config.json: linux.seccomp.syscalls[0].args[0].op: must be specified");
  ASSERT_COMPILE_ERROR (ARGS ("7"), "config.json: linux.seccomp.syscalls[0].args[0]: must be an object");
  /* The full uint64 range is accepted.  */
  ASSERT_COMPILES (ARGS ("{'index':5,'value':18446744073709551615,'valueTwo':18446744073709551615,"
                         "'op':'SCMP_CMP_MASKED_EQ'}"));
#undef ARGS
}

static void
test_notify_errors (void)
{
  ASSERT_COMPILE_ERROR (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}",
      "config.json: linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY is used");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/x'}",
                        "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as the default "
                        "action");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/x','syscalls':[{'names':['mkdir','write'],"
                        "'action':'SCMP_ACT_NOTIFY'}]}",
                        "config.json: linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the "
                        "write syscall");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/x','syscalls':[{'names':['sendmsg'],"
                        "'action':'SCMP_ACT_NOTIFY'}]}",
                        "config.json: linux.seccomp.syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for the "
                        "sendmsg syscall");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'m'}",
                        "config.json: linux.seccomp.listenerMetadata: must not be set without listenerPath");
  ASSERT_COMPILE_ERROR ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':''}",
                        "config.json: linux.seccomp.listenerPath: must not be empty");
  /* Without SCMP_ACT_NOTIFY the listener is ignored (runtime-spec).  */
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/x','listenerMetadata':'m'}");
}

static void
test_lenient_cases (void)
{
  /* Unknown names are skipped, as runc does.  */
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['holo_no_such_syscall','mkdir'],"
                   "'action':'SCMP_ACT_ERRNO'}]}");
  /* A rule with the default action (same errno) is skipped; libseccomp
     would refuse it.  A different errno is a different action.  */
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO',"
                   "'errnoRet':1}]}");
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO',"
                   "'errnoRet':2}]}");
  /* Two conditions on one argument: one rule each (ORed).  */
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],'action':'SCMP_ACT_ERRNO',"
                   "'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},{'index':0,'value':9,'op':'SCMP_CMP_EQ'}]}]}");
  /* A 32-bit-only syscall name with the x86 architecture added.  */
  ASSERT_COMPILES (
      "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],"
      "'syscalls':[{'names':['_llseek','socketcall','stat64'],'action':'SCMP_ACT_ERRNO'}]}");
  ASSERT_COMPILES ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['_llseek','socketcall','stat64'],"
                   "'action':'SCMP_ACT_ERRNO'}]}");
}

static void
test_spec_uses_listener (void)
{
  cleanup_spec struct holo_spec *with = spec_with ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/"
                                                   "x','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}");
  cleanup_spec struct holo_spec *unused
      = spec_with ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/x','syscalls':[{'names':['mkdir'],"
                   "'action':'SCMP_ACT_ERRNO'}]}");
  UNIT_ASSERT (with && unused);
  UNIT_ASSERT (holo_seccomp_spec_uses_listener (with));
  UNIT_ASSERT (!holo_seccomp_spec_uses_listener (unused));
}

static void
test_default_profile_compiles (void)
{
  cleanup_free char *json = holo_spec_default_json (false);
  cleanup_spec struct holo_spec *spec = NULL;
  struct holo_seccomp *s = NULL;
  holo_error_t err = NULL;
  UNIT_ASSERT (holo_spec_parse (json, strlen (json), &spec, &err) == 0);
  UNIT_ASSERT (spec->linux_.seccomp != NULL);
  if (holo_seccomp_compile (spec, NULL, &s, &err) < 0)
    {
      unit_report (__FILE__, __LINE__, err->msg);
      holo_error_release (&err);
      return;
    }
  UNIT_ASSERT (s != NULL && s->prog_len > 0 && s->prog_len <= 4096);
  holo_seccomp_free (s);
}

/* Compiles PROFILE, then in a child: no_new_privs, load, mkdir(PATH);
   returns the child's errno from mkdir (0 on success), or -1.  */
static int
errno_of_mkdir_under (const char *profile, const char *path)
{
  cleanup_spec struct holo_spec *spec = spec_with (profile);
  struct holo_seccomp *s = NULL;
  holo_error_t err = NULL;
  int status;

  if (spec == NULL || holo_seccomp_compile (spec, NULL, &s, &err) < 0)
    return -1;
  pid_t pid = fork ();
  if (pid == 0)
    {
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || holo_seccomp_load (s, NULL, &err) < 0)
        _exit (255);
      _exit (mkdir (path, 0700) == 0 ? 0 : errno);
    }
  holo_seccomp_free (s);
  if (pid < 0 || waitpid (pid, &status, 0) < 0 || !WIFEXITED (status))
    return -1;
  return WEXITSTATUS (status);
}

static void
test_load_applies_errno (void)
{
  char dir[] = "/tmp/holo-test-seccomp-XXXXXX";
  UNIT_ASSERT (mkdtemp (dir) != NULL);
  cleanup_free char *sub = holo_xasprintf ("%s/sub", dir);
  int e = errno_of_mkdir_under ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir','mkdirat'],"
                                "'action':'SCMP_ACT_ERRNO','errnoRet':30}]}",
                                sub);
  int ok = errno_of_mkdir_under ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['chmod'],"
                                 "'action':'SCMP_ACT_ERRNO'}]}",
                                 sub);
  rmdir (sub);
  rmdir (dir);
  UNIT_ASSERT_INT_EQ (e, 30);
  UNIT_ASSERT_INT_EQ (ok, 0);
}

/* A listener on a socket in a temp dir; the child loads a NOTIFY profile
   and the parent gets the fd and the process state.  */
static void
test_notify_fd_reaches_the_listener (void)
{
  char dir[] = "/tmp/holo-test-seccomp-XXXXXX";
  UNIT_ASSERT (mkdtemp (dir) != NULL);
  cleanup_free char *path = holo_xasprintf ("%s/agent.sock", dir);
  cleanup_free char *profile = holo_xasprintf ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'%s',"
                                               "'listenerMetadata':'meta','syscalls':[{'names':['mkdir','mkdirat'],"
                                               "'action':'SCMP_ACT_NOTIFY'}]}",
                                               path);
  cleanup_spec struct holo_spec *spec = spec_with (profile);
  struct holo_seccomp *s = NULL;
  holo_error_t err = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  strcpy (addr.sun_path, path);
  UNIT_ASSERT (lsock >= 0 && bind (lsock, (struct sockaddr *) &addr, sizeof addr) == 0 && listen (lsock, 1) == 0);
  UNIT_ASSERT (spec != NULL && holo_seccomp_compile (spec, NULL, &s, &err) == 0);
  UNIT_ASSERT (holo_seccomp_uses_listener (s));
  UNIT_ASSERT (holo_seccomp_connect_listener (s, &err) == 0);
  /* As `exec` does: the state is set in holo, the init passes none.  */
  holo_seccomp_set_state_json (s, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"created\",\"pid\":4242}");
  pid_t pid = fork ();
  if (pid == 0)
    _exit (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && holo_seccomp_load (s, NULL, NULL) == 0 ? 0 : 1);
  holo_seccomp_free (s); /* the parent's copy of the connection goes */
  cleanup_close int conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  UNIT_ASSERT (conn >= 0);
  cleanup_close int fd = holo_recv_fd (conn, &err);
  char buf[512]; /* unit.h quotes at most 1 KiB */
  ssize_t n = 0, r;
  while ((r = read (conn, buf + n, sizeof buf - 1 - (size_t) n)) > 0)
    n += r;
  buf[n > 0 ? n : 0] = '\0';
  int status;
  waitpid (pid, &status, 0);
  unlink (path);
  rmdir (dir);
  UNIT_ASSERT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  UNIT_ASSERT (fd >= 0);
  /* A seccomp notify fd answers ID_VALID (ENOENT for an unknown id).  */
  unsigned long long id = 12345;
  UNIT_ASSERT (ioctl (fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 && errno == ENOENT);
  UNIT_ASSERT_STR_CONTAINS (buf, "\"fds\":[\"seccompFd\"]");
  UNIT_ASSERT_STR_CONTAINS (buf, "\"pid\":4242");
  UNIT_ASSERT_STR_CONTAINS (buf, "\"metadata\":\"meta\"");
  UNIT_ASSERT_STR_CONTAINS (buf, "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\"");
}

static void
test_flags_known_and_probed (void)
{
  UNIT_ASSERT (holo_seccomp_flag_supported ("SECCOMP_FILTER_FLAG_LOG"));
  UNIT_ASSERT (!holo_seccomp_flag_supported ("SECCOMP_FILTER_FLAG_NOPE"));
  UNIT_ASSERT (!holo_seccomp_kernel_accepts_flags (1u << 30));
}

static void
test_lsm_mount_label_option (void)
{
  cleanup_free char *t1 = q ("{" BASE ",'linux':{'mountLabel':'system_u:object_r:container_file_t:s0'}}");
  cleanup_free char *t2 = q ("{" BASE ",'linux':{'mountLabel':''}}");
  cleanup_spec struct holo_spec *s1 = NULL;
  cleanup_spec struct holo_spec *s2 = NULL;
  holo_error_t err = NULL;
  UNIT_ASSERT (holo_spec_parse (t1, strlen (t1), &s1, &err) == 0);
  UNIT_ASSERT (holo_spec_parse (t2, strlen (t2), &s2, &err) == 0);
  cleanup_free char *o1 = holo_lsm_mount_label_option (s1);
  cleanup_free char *o2 = holo_lsm_mount_label_option (s2);
  UNIT_ASSERT_STR_EQ (o1, "context=\"system_u:object_r:container_file_t:s0\"");
  UNIT_ASSERT (o2 == NULL);
}

static void
test_lsm_validate_without_the_lsm (void)
{
  struct stat st;
  cleanup_free char *t = q ("{" BASE ",'linux':{}}");
  cleanup_spec struct holo_spec *spec = NULL;
  holo_error_t err = NULL;
  UNIT_ASSERT (holo_spec_parse (t, strlen (t), &spec, &err) == 0);
  UNIT_ASSERT (holo_lsm_validate (spec, &err) == 0);
  if (stat ("/sys/fs/selinux/enforce", &st) == 0)
    return; /* an SELinux host: the label would be accepted */
  spec->process.selinux_label = holo_xstrdup ("system_u:system_r:container_t:s0");
  UNIT_ASSERT (holo_lsm_validate (spec, &err) < 0);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "config.json: process.selinuxLabel: ");
  holo_error_release (&err);
}

int
main (void)
{
  UNIT_RUN (test_no_seccomp_compiles_to_null);
  UNIT_RUN (test_valid_profile_compiles_to_a_program);
  UNIT_RUN (test_action_errors);
  UNIT_RUN (test_errno_errors);
  UNIT_RUN (test_architecture_and_flag_errors);
  UNIT_RUN (test_syscall_entry_errors);
  UNIT_RUN (test_argument_errors);
  UNIT_RUN (test_notify_errors);
  UNIT_RUN (test_lenient_cases);
  UNIT_RUN (test_spec_uses_listener);
  UNIT_RUN (test_default_profile_compiles);
  UNIT_RUN (test_load_applies_errno);
  UNIT_RUN (test_notify_fd_reaches_the_listener);
  UNIT_RUN (test_flags_known_and_probed);
  UNIT_RUN (test_lsm_mount_label_option);
  UNIT_RUN (test_lsm_validate_without_the_lsm);
  return unit_finish ();
}
