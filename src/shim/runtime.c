/* holo shim — runs the runtime binary the way go-runc does:
     BINARY --root ROOT/NS --log BUNDLE/log.json --log-format json
            [--systemd-cgroup] ARGS...
   and, when it fails, takes the last "level":"error" line the command
   appended to log.json as the error message.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static off_t
file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? st.st_size : 0;
}

/* Decodes the JSON string that starts at S (just after the opening quote).  */
static char *
json_unquote (const char *s)
{
  char *out = holo_xmalloc (strlen (s) + 1), *o = out;

  for (; *s && *s != '"'; s++)
    {
      if (*s != '\\' || s[1] == '\0')
        {
          *o++ = *s;
          continue;
        }
      s++;
      switch (*s)
        {
        case 'n':
          *o++ = '\n';
          break;
        case 't':
          *o++ = '\t';
          break;
        case 'u':
          {
            unsigned v = 0;
            if (sscanf (s + 1, "%4x", &v) == 1 && v < 0x80)
              *o++ = (char) v;
            s += strlen (s) >= 5 ? 4 : 0;
            break;
          }
        default:
          *o++ = *s;
        }
    }
  *o = '\0';
  return out;
}

/* The msg of the last error line of LOG written after offset FROM.  */
static char *
last_log_error (const char *log, off_t from)
{
  cleanup_free char *text = NULL;
  char *msg = NULL, *line, *save = NULL;
  size_t len = 0;

  if (holo_read_file (log, &text, &len, NULL) < 0 || (size_t) from > len)
    return NULL;
  for (line = strtok_r (text + from, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *m;
      if (strstr (line, "\"level\":\"error\"") == NULL || (m = strstr (line, "\"msg\":\"")) == NULL)
        continue;
      free (msg);
      msg = json_unquote (m + 7);
    }
  return msg;
}

static char **
build_argv (struct shim *shim, const char *bundle, char **args)
{
  size_t n = holo_strv_len (args), i = 0;
  char **argv = holo_xmalloc ((n + 9) * sizeof (char *));

  argv[i++] = holo_xstrdup (shim_options_binary (&shim->opts));
  argv[i++] = holo_xstrdup ("--root");
  argv[i++] = shim_options_state_root (&shim->opts, shim->namespace);
  argv[i++] = holo_xstrdup ("--log");
  argv[i++] = holo_xasprintf ("%s/log.json", bundle);
  argv[i++] = holo_xstrdup ("--log-format");
  argv[i++] = holo_xstrdup ("json");
  if (shim->opts.systemd_cgroup)
    argv[i++] = holo_xstrdup ("--systemd-cgroup");
  for (size_t j = 0; j < n; j++)
    argv[i++] = holo_xstrdup (args[j]);
  argv[i] = NULL;
  return argv;
}

static void __attribute__ ((noreturn)) child (char **argv, int fds[3], int report_fd)
{
  sigset_t none;
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int e;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* fds may sit on 0..2 themselves: move them out of the way first.  */
  for (int i = 0; i < 3; i++)
    fds[i] = fcntl (fds[i] >= 0 ? fds[i] : devnull, F_DUPFD_CLOEXEC, 3);
  for (int i = 0; i < 3; i++)
    if (dup2 (fds[i], i) < 0)
      _exit (127);
  holo_cloexec_fds_from (3, NULL);
  /* containerd run by systemd (Type=notify) hands its NOTIFY_SOCKET down:
     to holo it would mean "relay the container's READY=" and `start` would
     wait for it.  Filtered as go-runc filters it for runc.  */
  unsetenv ("NOTIFY_SOCKET");
  execvp (argv[0], argv);
  e = errno;
  if (write (report_fd, &e, sizeof (e)) < 0)
    _exit (127);
  _exit (127);
}

/* Writes INPUT to FD and closes it; reads FD_OUT to EOF into *OUTPUT.  */
static void
exchange (int in_fd, const char *input, int out_fd, char **output)
{
  size_t len = 0, cap = 0;
  char *buf = NULL;

  if (in_fd >= 0)
    {
      holo_write_all (in_fd, input, strlen (input));
      close (in_fd);
    }
  if (out_fd < 0)
    return;
  for (;;)
    {
      ssize_t n;
      if (len + 4097 > cap)
        {
          cap = cap ? cap * 2 : 8192;
          buf = holo_xrealloc (buf, cap);
        }
      n = read (out_fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (out_fd);
  if (buf)
    buf[len] = '\0';
  *output = buf ? buf : holo_xstrdup ("");
}

int
shim_runtime_run (struct shim *shim, const char *bundle, char **args, struct shim_runtime_cmd *cmd, holo_error_t *err)
{
  cleanup_strv char **argv = build_argv (shim, bundle, args);
  cleanup_free char *log = holo_xasprintf ("%s/log.json", bundle);
  int report[2], in[2] = { -1, -1 }, out[2] = { -1, -1 };
  int fds[3] = { cmd->stdio[0], cmd->stdio[1], cmd->stdio[2] };
  off_t log_from = file_size (log);
  int status, exec_errno = 0;
  pid_t pid;

  if (pipe2 (report, O_CLOEXEC) < 0)
    return holo_make_error (err, errno, "pipe");
  if (cmd->input && pipe2 (in, O_CLOEXEC) == 0)
    fds[0] = in[0];
  if (cmd->output && pipe2 (out, O_CLOEXEC) == 0)
    fds[1] = out[1];
  pid = fork ();
  if (pid < 0)
    return holo_make_error (err, errno, "fork");
  if (pid == 0)
    child (argv, fds, report[1]);
  close (report[1]);
  if (in[0] >= 0)
    close (in[0]);
  if (out[1] >= 0)
    close (out[1]);
  exchange (in[1], cmd->input, out[0], cmd->output);
  if (read (report[0], &exec_errno, sizeof (exec_errno)) != sizeof (exec_errno))
    exec_errno = 0;
  close (report[0]);
  status = shim_reaper_wait_command (shim, pid);
  if (exec_errno)
    return holo_make_error (err, exec_errno, "exec %s", argv[0]);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  {
    cleanup_free char *msg = last_log_error (log, log_from);
    if (msg)
      return holo_make_error (err, 0, "%s %s failed: %s", argv[0], args[0], msg);
    if (WIFSIGNALED (status))
      return holo_make_error (err, 0, "%s %s failed: killed by signal %d", argv[0], args[0], WTERMSIG (status));
    return holo_make_error (err, 0, "%s %s failed: exit status %d", argv[0], args[0], WEXITSTATUS (status));
  }
}
