/* `criu swrk FD`: CRIU as our child, serving RPC requests on its end of a
   SOCK_SEQPACKET socketpair.  Each message is one packet holding a packed
   criu_req (ours) or criu_resp (CRIU's).  While a request runs, CRIU may
   send NOTIFY responses (the action scripts: "setup-namespaces",
   "post-restore", ...); each needs a NOTIFY request back with
   notify_success before CRIU goes on.  Paths CRIU needs from us (the image
   and work directories) travel as our fd numbers: CRIU opens them through
   /proc/OUR_PID/fd, its peer being the process that made the socketpair.  */
#define _GNU_SOURCE
#include "criu.h"
#include "../utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

char *
holo_criu_which (const char *name)
{
  const char *env_path = getenv ("PATH");
  cleanup_free char *copy = holo_xstrdup (env_path ? env_path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
  char *save = NULL;

  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *candidate = holo_xasprintf ("%s/%s", *dir ? dir : ".", name);
      struct stat st;
      if (stat (candidate, &st) == 0 && S_ISREG (st.st_mode) && access (candidate, X_OK) == 0)
        return steal_pointer (&candidate);
    }
  return NULL;
}

int
holo_criu_find (char **path, holo_error_t *err)
{
  *path = holo_criu_which ("criu");
  if (*path == NULL)
    return holo_make_error (err, 0, "criu not found: install the criu package");
  return 0;
}

/* The line of CRIU's log that says what went wrong, without its
   timestamp: the last error before the closing "Dumping FAILED." (or
   "Restoring FAILED."), skipping the generic "exited, status=N" of a
   helper.  */
static char *
log_error (const char *log_path)
{
  cleanup_free char *log = NULL;
  cleanup_error holo_error_t ignored = NULL;
  const char *found = NULL;

  if (log_path == NULL || holo_read_file (log_path, &log, NULL, &ignored) < 0)
    return NULL;
  for (char *line = log; line && *line;)
    {
      char *next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      char *e = strstr (line, "Error (");
      if (e && strstr (e, "FAILED.") == NULL && strstr (e, "): exited, status=") == NULL)
        found = e;
      line = next;
    }
  return found ? holo_xstrdup (found) : NULL;
}

static int
criu_error (const struct holo_criu_call *call, const char *what, holo_error_t *err)
{
  cleanup_free char *logged = log_error (call->log_path);
  cleanup_free char *msg = holo_xstrdup (logged ? logged : what);
  size_t len = strlen (msg);

  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
    msg[--len] = '\0';
  if (call->log_path)
    return holo_make_error (err, 0, "criu failed: %s (log: %s)", msg, call->log_path);
  return holo_make_error (err, 0, "criu failed: %s", msg);
}

/* ---- the process ---- */

static _Noreturn void
exec_swrk (const char *criu, int sock, const int *pass_fds, size_t n_pass_fds)
{
  char fdbuf[16];
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  /* Only the socket and the fds CRIU must hand to the restored tasks.  */
  holo_cloexec_fds_from (3, NULL);
  fcntl (sock, F_SETFD, 0);
  for (size_t i = 0; i < n_pass_fds; i++)
    fcntl (pass_fds[i], F_SETFD, 0);
  snprintf (fdbuf, sizeof fdbuf, "%d", sock);
  execl (criu, "criu", "swrk", fdbuf, (char *) NULL);
  dprintf (STDERR_FILENO, "holo: exec `%s`: %s\n", criu, strerror (errno));
  _exit (127);
}

struct swrk
{
  pid_t pid;
  int sock;
};

static int
swrk_start (const struct holo_criu_call *call, struct swrk *w, holo_error_t *err)
{
  cleanup_free char *criu = NULL;
  int sv[2];

  if (holo_criu_find (&criu, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return holo_make_error (err, errno, "socketpair for criu");
  fflush (NULL);
  w->pid = fork ();
  if (w->pid < 0)
    {
      int saved = errno;
      close (sv[0]);
      close (sv[1]);
      return holo_make_error (err, saved, "fork criu");
    }
  if (w->pid == 0)
    {
      close (sv[0]);
      exec_swrk (criu, sv[1], call->pass_fds, call->n_pass_fds);
    }
  close (sv[1]);
  w->sock = sv[0];
  return 0;
}

/* Closes our end (CRIU exits on EOF) and reaps CRIU.  */
static int
swrk_stop (struct swrk *w)
{
  int status = 0;

  if (w->sock >= 0)
    close (w->sock);
  w->sock = -1;
  if (w->pid > 0)
    while (waitpid (w->pid, &status, 0) < 0 && errno == EINTR)
      ;
  w->pid = -1;
  return status;
}

/* ---- messages ---- */

static int
send_req (int sock, const CriuReq *req, holo_error_t *err)
{
  size_t len = criu_req__get_packed_size (req);
  cleanup_free uint8_t *buf = holo_xmalloc (len ? len : 1);
  ssize_t r;

  criu_req__pack (req, buf);
  do
    r = send (sock, buf, len, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "send request to criu");
  return 0;
}

/* One response; *FD gets an fd CRIU attached (SCM_RIGHTS), else -1.
   Returns 0 and *RESP = NULL when CRIU closed the socket.  */
static int
recv_resp (int sock, CriuResp **resp, int *fd, holo_error_t *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  ssize_t len;

  *resp = NULL;
  *fd = -1;
  /* The packet's size, without consuming it.  */
  do
    len = recv (sock, NULL, 0, MSG_PEEK | MSG_TRUNC);
  while (len < 0 && errno == EINTR);
  if (len < 0)
    return holo_make_error (err, errno, "receive from criu");
  if (len == 0)
    return 0;

  cleanup_free uint8_t *buf = holo_xmalloc ((size_t) len);
  struct iovec iov = { .iov_base = buf, .iov_len = (size_t) len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  do
    r = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "receive from criu");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (fd, CMSG_DATA (c), sizeof (int));
  *resp = criu_resp__unpack (NULL, (size_t) r, buf);
  if (*resp == NULL)
    {
      if (*fd >= 0)
        close (*fd);
      *fd = -1;
      return holo_make_error (err, 0, "cannot decode a message from criu");
    }
  return 0;
}

static int
answer_notify (const struct holo_criu_call *call, int sock, const CriuResp *resp, int fd, holo_error_t *err)
{
  CriuReq ack = CRIU_REQ__INIT;
  struct holo_criu_notify n = {
    .script = resp->notify && resp->notify->script ? resp->notify->script : "",
    .pid = resp->notify && resp->notify->has_pid ? resp->notify->pid : 0,
    .fd = fd,
  };
  int ret = 0;

  holo_log_debug ("criu notification `%s` (pid %d)", n.script, (int) n.pid);
  if (call->notify)
    ret = call->notify (&n, call->data, err);
  if (fd >= 0)
    close (fd);
  ack.type = CRIU_REQ_TYPE__NOTIFY;
  ack.has_notify_success = true;
  ack.notify_success = ret == 0;
  /* On failure CRIU gets notify_success = false and aborts; our error
     (already set) is the one to report.  */
  if (send_req (sock, &ack, err) < 0)
    return -1;
  return ret;
}

static int
check_final (const struct holo_criu_call *call, const CriuResp *resp, pid_t *restored_pid, holo_error_t *err)
{
  if (!resp->success)
    {
      cleanup_free char *what = NULL;
      if (resp->cr_errmsg && *resp->cr_errmsg)
        what = holo_xasprintf ("%s", resp->cr_errmsg);
      else if (resp->has_cr_errno && resp->cr_errno)
        what = holo_xasprintf ("%s", strerror (resp->cr_errno));
      else
        what = holo_xasprintf ("request %d failed", (int) call->type);
      return criu_error (call, what, err);
    }
  if (resp->type != call->type)
    return holo_make_error (err, 0, "criu answered request %d with type %d", (int) call->type, (int) resp->type);
  if (call->type == CRIU_REQ_TYPE__RESTORE)
    {
      if (resp->restore == NULL || resp->restore->pid <= 0)
        return holo_make_error (err, 0, "criu did not report the restored pid");
      if (restored_pid)
        *restored_pid = resp->restore->pid;
    }
  return 0;
}

/* Reads responses until the one that ends the request.  */
static int
converse (const struct holo_criu_call *call, struct swrk *w, pid_t *restored_pid, holo_error_t *err)
{
  for (;;)
    {
      CriuResp *resp = NULL;
      int fd = -1, ret;

      if (recv_resp (w->sock, &resp, &fd, err) < 0)
        return -1;
      if (resp == NULL)
        return criu_error (call, "criu exited before answering", err);
      if (resp->type == CRIU_REQ_TYPE__NOTIFY)
        {
          ret = answer_notify (call, w->sock, resp, fd, err);
          criu_resp__free_unpacked (resp, NULL);
          if (ret < 0)
            return -1;
          continue;
        }
      if (fd >= 0)
        close (fd);
      ret = check_final (call, resp, restored_pid, err);
      criu_resp__free_unpacked (resp, NULL);
      return ret;
    }
}

int
holo_criu_run (const struct holo_criu_call *call, pid_t *restored_pid, holo_error_t *err)
{
  struct swrk w = { .pid = -1, .sock = -1 };
  CriuReq req = CRIU_REQ__INIT;
  int ret;

  if (swrk_start (call, &w, err) < 0)
    return -1;
  req.type = call->type;
  req.opts = call->opts;
  if (call->spawned && call->spawned (w.pid, call->data, err) < 0)
    ret = -1;
  else if (send_req (w.sock, &req, err) < 0)
    ret = -1;
  else
    ret = converse (call, &w, restored_pid, err);
  int status = swrk_stop (&w);
  if (ret == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    holo_log_debug ("criu swrk exited with status %#x", status);
  return ret;
}
