/* Unit tests of utils.c and the error helpers.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "unit.h"

#include "libcontainer/error.h"
#include "libcontainer/escape.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_parse_signal_names (void)
{
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("KILL"), SIGKILL);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIGKILL"), SIGKILL);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("sigterm"), SIGTERM);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("term"), SIGTERM);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("HUP"), SIGHUP);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIGWINCH"), SIGWINCH);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("USR1"), SIGUSR1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIGCHLD"), SIGCHLD);
}

static void
test_parse_signal_numbers (void)
{
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("9"), 9);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("15"), 15);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("1"), 1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMIN"), SIGRTMIN);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMIN+3"), SIGRTMIN + 3);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIGRTMIN+3"), SIGRTMIN + 3);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIGRTMAX"), SIGRTMAX);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMAX-2"), SIGRTMAX - 2);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("64"), SIGRTMAX);
}

static void
test_parse_signal_invalid (void)
{
  UNIT_ASSERT_INT_EQ (holo_parse_signal (NULL), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal (""), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("FOO"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("SIG"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("0"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("-1"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("9x"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("65"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("99999999999999999999"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMIN+100"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMIN-1"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMAX+1"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("RTMIN+x"), -1);
  UNIT_ASSERT_INT_EQ (holo_parse_signal ("KILLX"), -1);
}

static void
test_proc_stat_self (void)
{
  unsigned long long start1 = 0, start2 = 0;
  char state = 0;

  UNIT_ASSERT_INT_EQ (holo_proc_stat (getpid (), &start1, &state), 0);
  UNIT_ASSERT_INT_EQ (state, 'R');
  UNIT_ASSERT (start1 > 0);
  UNIT_ASSERT_INT_EQ (holo_proc_stat (getpid (), &start2, NULL), 0);
  UNIT_ASSERT (start1 == start2);
  UNIT_ASSERT_INT_EQ (holo_proc_stat (getpid (), NULL, NULL), 0);
}

/* A command name with spaces and ')' must not shift the fields.  */
static void
test_proc_stat_odd_comm (void)
{
  unsigned long long self_start = 0, child_start = 0;
  char state = 0;
  int pipefd[2];
  char c;
  pid_t pid;

  UNIT_ASSERT (pipe (pipefd) == 0);
  pid = fork ();
  UNIT_ASSERT (pid >= 0);
  if (pid == 0)
    {
      prctl (PR_SET_NAME, "a) b ) c", 0, 0, 0);
      close (pipefd[0]);
      if (write (pipefd[1], "x", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (pipefd[1]);
  UNIT_ASSERT (read (pipefd[0], &c, 1) == 1);
  close (pipefd[0]);
  usleep (20000);

  int r = holo_proc_stat (pid, &child_start, &state);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  UNIT_ASSERT_INT_EQ (r, 0);
  UNIT_ASSERT (state == 'S' || state == 'R');
  UNIT_ASSERT_INT_EQ (holo_proc_stat (getpid (), &self_start, NULL), 0);
  UNIT_ASSERT (child_start >= self_start);
}

static void
test_proc_stat_missing (void)
{
  unsigned long long start = 0;
  pid_t pid = fork ();

  UNIT_ASSERT (pid >= 0);
  if (pid == 0)
    _exit (0);
  waitpid (pid, NULL, 0);
  /* Reaped: gone (unless the pid was reused within microseconds).  */
  UNIT_ASSERT_INT_EQ (holo_proc_stat (pid, &start, NULL), -1);
}

struct tmpdir
{
  char path[64];
  int fd;
};

static int
tmpdir_open (struct tmpdir *t)
{
  strcpy (t->path, "/tmp/holo-test-utils-XXXXXX");
  if (mkdtemp (t->path) == NULL)
    return -1;
  t->fd = open (t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return t->fd;
}

static void
tmpdir_remove (struct tmpdir *t)
{
  cleanup_free char *cmd = holo_xasprintf ("rm -rf '%s'", t->path);
  if (t->fd >= 0)
    close (t->fd);
  if (system (cmd) != 0)
    fprintf (stdout, "# could not remove %s\n", t->path);
}

static void
test_write_atomic_read_roundtrip (void)
{
  struct tmpdir t;
  holo_error_t err = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *tmp_path = NULL;
  char *data = NULL;
  size_t len = 0;
  struct stat st;

  UNIT_ASSERT (tmpdir_open (&t) >= 0);
  path = holo_xasprintf ("%s/state.json", t.path);
  tmp_path = holo_xasprintf ("%s/.state.json.tmp", t.path);

  UNIT_ASSERT_INT_EQ (holo_write_file_atomic_at (t.fd, "state.json", "{\"a\":1234}", 10, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_read_file (path, &data, &len, &err), 0);
  UNIT_ASSERT_INT_EQ (len, 10);
  UNIT_ASSERT_STR_EQ (data, "{\"a\":1234}");
  free (data);
  data = NULL;

  /* Replacing with shorter content leaves nothing of the old one.  */
  UNIT_ASSERT_INT_EQ (holo_write_file_atomic_at (t.fd, "state.json", "{}", 2, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_read_file_at (t.fd, "state.json", &data, &len, &err), 0);
  UNIT_ASSERT_INT_EQ (len, 2);
  UNIT_ASSERT_STR_EQ (data, "{}");
  free (data);
  data = NULL;
  UNIT_ASSERT (stat (tmp_path, &st) < 0 && errno == ENOENT);

  /* Binary content with NULs survives; the buffer is still NUL-terminated.  */
  UNIT_ASSERT_INT_EQ (holo_write_file_atomic_at (t.fd, "bin", "a\0b", 3, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_read_file_at (t.fd, "bin", &data, &len, &err), 0);
  UNIT_ASSERT_INT_EQ (len, 3);
  UNIT_ASSERT (memcmp (data, "a\0b", 4) == 0);
  free (data);
  data = NULL;

  tmpdir_remove (&t);
}

static void
test_read_large_and_empty (void)
{
  struct tmpdir t;
  holo_error_t err = NULL;
  size_t big = 100000, len = 1;
  cleanup_free char *buf = holo_xmalloc (big);
  char *data = NULL;

  UNIT_ASSERT (tmpdir_open (&t) >= 0);
  for (size_t i = 0; i < big; i++)
    buf[i] = (char) ('a' + i % 26);
  UNIT_ASSERT_INT_EQ (holo_write_file_at (t.fd, "big", buf, big, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_read_file_at (t.fd, "big", &data, &len, &err), 0);
  UNIT_ASSERT_INT_EQ (len, big);
  UNIT_ASSERT (memcmp (data, buf, big) == 0 && data[big] == '\0');
  free (data);
  data = NULL;

  UNIT_ASSERT_INT_EQ (holo_write_file_at (t.fd, "empty", "", 0, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_read_file_at (t.fd, "empty", &data, &len, &err), 0);
  UNIT_ASSERT_INT_EQ (len, 0);
  UNIT_ASSERT_STR_EQ (data, "");
  free (data);
  tmpdir_remove (&t);
}

static void
test_read_missing (void)
{
  holo_error_t err = NULL;
  char *data = NULL;

  UNIT_ASSERT_INT_EQ (holo_read_file ("/nonexistent/holo/file", &data, NULL, &err), -1);
  UNIT_ASSERT (data == NULL);
  UNIT_ASSERT_STR_EQ (err->msg, "open `/nonexistent/holo/file`: No such file or directory");
  UNIT_ASSERT_INT_EQ (err->status, ENOENT);
  holo_error_release (&err);
  UNIT_ASSERT (err == NULL);
}

static void
test_mkdir_p (void)
{
  struct tmpdir t;
  holo_error_t err = NULL;
  cleanup_free char *deep = NULL;
  cleanup_free char *slash = NULL;
  cleanup_free char *file = NULL;
  cleanup_free char *under_file = NULL;
  struct stat st;

  UNIT_ASSERT (tmpdir_open (&t) >= 0);
  deep = holo_xasprintf ("%s/a/b/c/d", t.path);
  slash = holo_xasprintf ("%s/x/y/", t.path);
  file = holo_xasprintf ("%s/file", t.path);
  under_file = holo_xasprintf ("%s/file/sub", t.path);

  UNIT_ASSERT_INT_EQ (holo_mkdir_p (deep, 0755, &err), 0);
  UNIT_ASSERT (stat (deep, &st) == 0 && S_ISDIR (st.st_mode));
  /* Already there: fine.  */
  UNIT_ASSERT_INT_EQ (holo_mkdir_p (deep, 0755, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_mkdir_p (t.path, 0755, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_mkdir_p (slash, 0700, &err), 0);
  UNIT_ASSERT (stat (slash, &st) == 0 && S_ISDIR (st.st_mode));

  UNIT_ASSERT_INT_EQ (holo_write_file (file, "x", 1, &err), 0);
  UNIT_ASSERT_INT_EQ (holo_mkdir_p (under_file, 0755, &err), -1);
  UNIT_ASSERT_INT_EQ (err->status, ENOTDIR);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "mkdir `");
  UNIT_ASSERT_STR_CONTAINS (err->msg, "Not a directory");
  holo_error_release (&err);
  tmpdir_remove (&t);
}

static void
test_errors (void)
{
  holo_error_t err = NULL;

  UNIT_ASSERT_INT_EQ (holo_make_error (&err, 0, "first %d", 1), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "first 1");
  UNIT_ASSERT_INT_EQ (err->status, 0);
  /* The first error is kept.  */
  UNIT_ASSERT_INT_EQ (holo_make_error (&err, EPERM, "second"), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "first 1");
  UNIT_ASSERT_INT_EQ (holo_error_prefix (&err, "ctx %s", "here"), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "ctx here: first 1");
  holo_error_release (&err);

  UNIT_ASSERT_INT_EQ (holo_make_error (&err, ENOENT, "open `%s`", "x"), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "open `x`: No such file or directory");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (holo_make_error (NULL, 0, "ignored"), -1);
  UNIT_ASSERT_INT_EQ (holo_error_prefix (&err, "nothing to prefix"), -1);
  UNIT_ASSERT (err == NULL);
}

static void
test_strings (void)
{
  char *v[] = { "a", "bc", NULL };
  cleanup_strv char **dup = holo_strv_dup (v);
  cleanup_strv char **empty = holo_strv_dup (NULL);
  cleanup_free char *s = holo_xasprintf ("%s-%d", "x", 42);
  cleanup_free char *n = holo_xstrndup ("abcdef", 3);

  UNIT_ASSERT_INT_EQ (holo_strv_len (v), 2);
  UNIT_ASSERT_INT_EQ (holo_strv_len (NULL), 0);
  UNIT_ASSERT_INT_EQ (holo_strv_len (dup), 2);
  UNIT_ASSERT (dup[0] != v[0]);
  UNIT_ASSERT_STR_EQ (dup[1], "bc");
  UNIT_ASSERT (empty != NULL && empty[0] == NULL);
  UNIT_ASSERT_STR_EQ (s, "x-42");
  UNIT_ASSERT_STR_EQ (n, "abc");
  UNIT_ASSERT (holo_xstrdup (NULL) == NULL);
}

static void
test_write_read_all (void)
{
  int p[2];
  char out[8] = { 0 };

  UNIT_ASSERT (pipe (p) == 0);
  UNIT_ASSERT_INT_EQ (holo_write_all (p[1], "hello", 5), 5);
  close (p[1]);
  /* Short read at EOF returns what there was.  */
  UNIT_ASSERT_INT_EQ (holo_read_all (p[0], out, sizeof out), 5);
  UNIT_ASSERT_STR_EQ (out, "hello");
  close (p[0]);
}

static void
test_send_recv_fd (void)
{
  holo_error_t err = NULL;
  int sv[2], p[2], got;
  char c = 0;

  UNIT_ASSERT (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UNIT_ASSERT (pipe (p) == 0);
  UNIT_ASSERT_INT_EQ (holo_send_fd (sv[0], p[1], &err), 0);
  got = holo_recv_fd (sv[1], &err);
  UNIT_ASSERT (got >= 0);
  UNIT_ASSERT (got != p[1]);
  UNIT_ASSERT (fcntl (got, F_GETFD) & FD_CLOEXEC);
  UNIT_ASSERT_INT_EQ (write (got, "z", 1), 1);
  UNIT_ASSERT_INT_EQ (read (p[0], &c, 1), 1);
  UNIT_ASSERT_INT_EQ (c, 'z');
  close (got);

  /* Plain data without an fd is an error.  */
  UNIT_ASSERT_INT_EQ (write (sv[0], "x", 1), 1);
  UNIT_ASSERT_INT_EQ (holo_recv_fd (sv[1], &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "no fd received");
  holo_error_release (&err);
  close (sv[0]);
  close (sv[1]);
  close (p[0]);
  close (p[1]);
}

static void
test_now_rfc3339 (void)
{
  cleanup_free char *ts = holo_now_rfc3339 ();

  /* 2024-01-02T03:04:05.123456789Z */
  UNIT_ASSERT_INT_EQ (strlen (ts), 30);
  UNIT_ASSERT (ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' && ts[13] == ':' && ts[16] == ':');
  UNIT_ASSERT (ts[19] == '.' && ts[29] == 'Z');
}

#define ESCAPES_TO(in, want)                                                                                           \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *got_ = holo_escape_control (in);                                                              \
      UNIT_ASSERT_STR_EQ (got_, want);                                                                                 \
    }                                                                                                                  \
  while (0)

static void
test_escape_control (void)
{
  ESCAPES_TO ("plain /path: ok", "plain /path: ok");
  ESCAPES_TO ("a\nb\rc\td", "a\\nb\\rc\\td");
  ESCAPES_TO ("\033[31mred\x7f", "\\x1b[31mred\\x7f");
  ESCAPES_TO ("\x01", "\\x01");
  /* UTF-8 stays; C1 controls (U+0085, U+009B CSI) do not.  */
  ESCAPES_TO ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
  ESCAPES_TO ("\xc2\x85\xc2\x9b\xc2\xa0", "\\u0085\\u009b\xc2\xa0");
  /* Not UTF-8: a lone byte, a cut sequence, an overlong '/', a surrogate. */
  ESCAPES_TO ("x\xff", "x\\xff");
  ESCAPES_TO ("\xe2\x82", "\\xe2\\x82");
  ESCAPES_TO ("\xc0\xaf", "\\xc0\\xaf");
  ESCAPES_TO ("\xed\xa0\x80", "\\xed\\xa0\\x80");
  ESCAPES_TO ("", "");
}

int
main (void)
{
  UNIT_RUN (test_parse_signal_names);
  UNIT_RUN (test_parse_signal_numbers);
  UNIT_RUN (test_parse_signal_invalid);
  UNIT_RUN (test_proc_stat_self);
  UNIT_RUN (test_proc_stat_odd_comm);
  UNIT_RUN (test_proc_stat_missing);
  UNIT_RUN (test_write_atomic_read_roundtrip);
  UNIT_RUN (test_read_large_and_empty);
  UNIT_RUN (test_read_missing);
  UNIT_RUN (test_mkdir_p);
  UNIT_RUN (test_errors);
  UNIT_RUN (test_strings);
  UNIT_RUN (test_write_read_all);
  UNIT_RUN (test_send_recv_fd);
  UNIT_RUN (test_now_rfc3339);
  UNIT_RUN (test_escape_control);
  return unit_finish ();
}
