/* holo shim — a process's stdio.

   Without a terminal, the runtime command gets pipes for stdout and
   stderr, which the process inherits, and the shim copies them to the
   FIFOs containerd made (or to a file://, or to a binary:// logging
   binary) only once the command succeeded, as containerd's runc shim
   does: what `holo create` or `holo exec` prints on its stderr when it
   fails reaches nobody but the request's error (from log.json), and not
   the client's terminal or a CRI container's log.  The relays last as
   long as the process's pipes do; the reader sees EOF when the last
   writer in the container closes.  The shim keeps a read end of each FIFO
   open so that the relay never gets EPIPE when the client goes away (a
   client that is back reads what waited; meanwhile a full FIFO holds the
   process back, as containerd's copy does).  stdin is a pipe fed from the
   FIFO by a relay, closed when the client closes the FIFO or sends
   CloseIO.

   With a terminal, `holo` sends the pty master over a console socket; the
   shim relays master -> stdout FIFO and stdin FIFO -> master.

   A binary:// stdout starts a logging binary (logger.c), before the
   runtime command; its pipes are what the relays write to.  */
#define _GNU_SOURCE
#include "shim.h"
#include "relay.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* How long the rest of the input or output may take to go through.  */
#define STDIN_DRAIN_MS 1000
#define OUTPUT_DRAIN_MS 2000

void
shim_stdio_init (struct shim_stdio *s, const char *in, const char *out, const char *err, bool terminal)
{
  memset (s, 0, sizeof (*s));
  s->stdin_path = holo_xstrdup (in ? in : "");
  s->stdout_path = holo_xstrdup (out ? out : "");
  s->stderr_path = holo_xstrdup (err ? err : "");
  s->terminal = terminal;
  s->hold_fds[0] = s->hold_fds[1] = s->hold_fds[2] = -1;
  s->console_fd = -1;
  s->console_listen = -1;
  s->log_out = -1;
}

/* Opens the write side of an output destination: a FIFO (keeping a read
   end in *HOLD), a plain file, or file:// URI.  */
static int
open_output (const char *path, int *hold, holo_error_t *err)
{
  struct stat st;
  int fd;

  if (strncmp (path, "file://", 7) == 0)
    path += 7;
  if (stat (path, &st) == 0 && S_ISFIFO (st.st_mode))
    {
      *hold = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (*hold < 0)
        return holo_make_error (err, errno, "open %s", path);
      fd = open (path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    }
  else
    fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return holo_make_error (err, errno, "open %s", path);
  return fd;
}

static bool
is_binary_uri (const char *path)
{
  return strncmp (path, "binary://", 9) == 0;
}

static int
set_blocking (int fd, bool blocking)
{
  int fl = fcntl (fd, F_GETFL);
  return fcntl (fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}

/* Opens the stdin FIFO for reading without blocking.  No writer of our
   own: the relay sees EOF when the client's writer closes.  Until a writer
   has come, a FIFO read end opened this way reports neither data nor
   hangup (Linux keys the hangup on a writer having opened since), so the
   relay stays quiet rather than seeing an early EOF.  */
static int
open_stdin_fifo (struct shim_stdio *s, holo_error_t *err)
{
  int fd = open (s->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    return holo_make_error (err, errno, "open %s", s->stdin_path);
  return fd;
}

static int
make_console_socket (struct shim_stdio *s, holo_error_t *err)
{
  char tmpl[] = "/tmp/holo-shim-pty.XXXXXX";
  cleanup_free char *path = NULL;
  int fd;

  if (mkdtemp (tmpl) == NULL)
    return holo_make_error (err, errno, "mkdtemp");
  s->console_dir = holo_xstrdup (tmpl);
  path = holo_xasprintf ("%s/pty.sock", tmpl);
  fd = ttrpc_unix_listen (path, 1, SOCK_NONBLOCK, err);
  if (fd < 0)
    return holo_error_prefix (err, "console socket");
  s->console_listen = fd;
  return 0;
}

char *
shim_stdio_console_socket (struct shim_stdio *s)
{
  return s->console_dir ? holo_xasprintf ("%s/pty.sock", s->console_dir) : NULL;
}

/* The console socket, and a logging binary started as early as without
   a terminal (before the runtime command, as containerd's shim sets up
   the IO first); a terminal has no separate stderr.  */
static int
prepare_terminal (struct shim *shim, struct shim_stdio *s, holo_error_t *err)
{
  int pipes[2];

  if (make_console_socket (s, err) < 0)
    return -1;
  if (!is_binary_uri (s->stdout_path))
    return 0;
  s->logger = shim_logger_start (shim, s->stdout_path, pipes, err);
  if (s->logger == NULL)
    return -1;
  close (pipes[1]);
  s->log_out = pipes[0];
  return 0;
}

/* The logger is ready (or is not coming): it is not needed any more.  */
static void
logger_settled (void *data, holo_error_t *err)
{
  struct shim_stdio *s = data;
  shim_logger_ready done = s->ready_done;

  shim_logger_free (s->logger);
  s->logger = NULL;
  s->ready_done = NULL;
  done (s->ready_data, err);
}

void
shim_stdio_when_ready (struct shim *shim, struct shim_stdio *s, shim_logger_ready done, void *data)
{
  holo_error_t none = NULL;

  if (s->logger == NULL)
    {
      done (data, &none);
      return;
    }
  s->ready_done = done;
  s->ready_data = data;
  shim_logger_when_ready (s->logger, logger_settled, s);
}

/* A process in a user namespace reopening /proc/self/fd/N needs to own
   the pipe (the IoUid/IoGid options; both ends share the inode).  */
static void
chown_pipe (struct shim *shim, int fd)
{
  if (shim->opts.io_uid || shim->opts.io_gid)
    if (fchown (fd, shim->opts.io_uid, shim->opts.io_gid) < 0)
      holo_log_warning ("chown stdio pipe: %s", strerror (errno));
}

/* An output pipe for the process: *W gets its write end (blocking, for
   the runtime command), *RELAY the relay from its read end to DEST (taken,
   closed on failure), started by shim_stdio_attach.  */
static int
output_pipe (struct shim *shim, int dest, struct shim_relay **relay, int *w, holo_error_t *err)
{
  int p[2];

  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      int errsv = errno;
      close (dest);
      return holo_make_error (err, errsv, "output pipe");
    }
  set_blocking (p[0], false);
  set_blocking (dest, false);
  chown_pipe (shim, p[0]);
  *relay = shim_relay_new (p[0], dest);
  /* The container's last writer closed: so does the relay, and the
     client sees EOF.  */
  (*relay)->close_on_eof = true;
  (*relay)->keep_after_drain = true;
  *w = p[1];
  return 0;
}

/* stdout and stderr to a logging binary's pipes (OUT, taken).  */
static int
prepare_logger_output (struct shim *shim, struct shim_stdio *s, int out[2], int fds[3], holo_error_t *err)
{
  if (output_pipe (shim, out[0], &s->out_relay, &fds[1], err) < 0)
    {
      close (out[1]);
      return -1;
    }
  return output_pipe (shim, out[1], &s->err_relay, &fds[2], err);
}

static int
prepare_output (struct shim *shim, struct shim_stdio *s, const char *path, int i, struct shim_relay **relay, int fds[3],
                holo_error_t *err)
{
  int dest;

  if (*path == '\0')
    return 0;
  dest = open_output (path, &s->hold_fds[i], err);
  if (dest < 0)
    return -1;
  return output_pipe (shim, dest, relay, &fds[i], err);
}

int
shim_stdio_prepare (struct shim *shim, struct shim_stdio *s, int fds[3], holo_error_t *err)
{
  fds[0] = fds[1] = fds[2] = -1;
  if (s->terminal)
    return prepare_terminal (shim, s, err);

  if (*s->stdin_path)
    {
      int p[2], in;

      in = open_stdin_fifo (s, err);
      if (in < 0)
        return -1;
      if (pipe2 (p, O_CLOEXEC) < 0)
        {
          close (in);
          return holo_make_error (err, errno, "pipe");
        }
      set_blocking (p[1], false);
      chown_pipe (shim, p[0]);
      fds[0] = p[0];
      s->in_relay = shim_relay_new (in, p[1]);
      s->in_relay->close_on_eof = true;
    }
  if (is_binary_uri (s->stdout_path))
    {
      int out[2];
      s->logger = shim_logger_start (shim, s->stdout_path, out, err);
      if (s->logger == NULL)
        return -1;
      return prepare_logger_output (shim, s, out, fds, err);
    }
  if (prepare_output (shim, s, s->stdout_path, 1, &s->out_relay, fds, err) < 0)
    return -1;
  return prepare_output (shim, s, s->stderr_path, 2, &s->err_relay, fds, err);
}

static int
receive_console (struct shim_stdio *s, holo_error_t *err)
{
  cleanup_close int conn = accept4 (s->console_listen, NULL, NULL, SOCK_CLOEXEC);
  int fd;

  if (conn < 0)
    return holo_make_error (err, errno, "no console received on the console socket");
  set_blocking (conn, true);
  fd = holo_recv_fd (conn, err);
  if (fd < 0)
    return -1;
  fcntl (fd, F_SETFD, FD_CLOEXEC);
  set_blocking (fd, false);
  s->console_fd = fd;
  return 0;
}

static void
remove_console_socket (struct shim_stdio *s)
{
  if (s->console_listen >= 0)
    close (s->console_listen);
  s->console_listen = -1;
  if (s->console_dir)
    {
      cleanup_free char *path = holo_xasprintf ("%s/pty.sock", s->console_dir);
      unlink (path);
      rmdir (s->console_dir);
      free (s->console_dir);
      s->console_dir = NULL;
    }
}

/* A copy of the pty master for one relay (each relay owns its fds).  */
static int
dup_console (struct shim_stdio *s, const char *relay, holo_error_t *err)
{
  int fd = fcntl (s->console_fd, F_DUPFD_CLOEXEC, 3);

  if (fd < 0)
    return holo_make_error (err, errno, "terminal %s relay: dup the pty master", relay);
  return fd;
}

static int
attach_terminal (struct shim *shim, struct shim_stdio *s, holo_error_t *err)
{
  int ret = receive_console (s, err);
  int master;

  remove_console_socket (s);
  if (ret < 0)
    return -1;
  if (*s->stdout_path)
    {
      int out;
      if (is_binary_uri (s->stdout_path))
        {
          out = s->log_out;
          s->log_out = -1;
        }
      else
        out = open_output (s->stdout_path, &s->hold_fds[1], err);
      if (out < 0)
        return -1;
      master = dup_console (s, "output", err);
      if (master < 0)
        {
          close (out);
          return -1;
        }
      set_blocking (out, false);
      s->out_relay = shim_relay_new (master, out);
      shim_relay_start (&shim->loop, s->out_relay);
    }
  if (*s->stdin_path)
    {
      int in = open_stdin_fifo (s, err);
      if (in < 0)
        return -1;
      master = dup_console (s, "input", err);
      if (master < 0)
        {
          close (in);
          return -1;
        }
      s->in_relay = shim_relay_new (in, master);
    }
  return 0;
}

int
shim_stdio_attach (struct shim *shim, struct shim_stdio *s, holo_error_t *err)
{
  if (s->terminal && attach_terminal (shim, s, err) < 0)
    return -1;
  if (!s->terminal)
    {
      /* What the process wrote meanwhile waited in the pipes.  */
      if (s->out_relay)
        shim_relay_start (&shim->loop, s->out_relay);
      if (s->err_relay)
        shim_relay_start (&shim->loop, s->err_relay);
    }
  if (s->in_relay)
    shim_relay_start (&shim->loop, s->in_relay);
  s->attached = true;
  return 0;
}

static void
free_stdin (struct shim *shim, struct shim_stdio *s)
{
  shim_relay_free (&shim->loop, s->in_relay);
  s->in_relay = NULL;
  if (s->hold_fds[0] >= 0)
    close (s->hold_fds[0]);
  s->hold_fds[0] = -1;
}

static void
stdin_drained (struct shim_loop *loop, void *data)
{
  struct shim_stdio *s = data;

  shim_relay_free (loop, s->in_relay);
  s->in_relay = NULL;
  if (s->hold_fds[0] >= 0)
    close (s->hold_fds[0]);
  s->hold_fds[0] = -1;
}

/* CloseIO: the client wrote all it had (ctr closes its end of the FIFO,
   then asks); what is still in the FIFO goes to the process first, so the
   request may not overtake the data the loop has not relayed yet.  That
   happens on the loop, bounded: the stdin pipe closes when the FIFO is
   empty or after a second of a process that does not read.  */
void
shim_stdio_close_stdin (struct shim *shim, struct shim_stdio *s)
{
  if (s->in_relay && s->in_relay->draining)
    return;
  if (s->in_relay && s->in_relay->in.fd >= 0 && s->in_relay->out.fd >= 0)
    {
      shim_relay_drain (&shim->loop, s->in_relay, STDIN_DRAIN_MS, true, stdin_drained, s);
      return;
    }
  free_stdin (shim, s);
}

/* One output relay's drain ended.  A pty's relay ends with it: closing
   the writer is what tells the client the output ended.  A pipe's relay
   that saw EOF has closed its ends already; one whose pipe something in
   the container still holds goes on until Delete, as containerd's shim
   copies until then.  */
static void
output_relay_drained (struct shim_loop *loop, struct shim_stdio *s, struct shim_relay **r)
{
  void (*done) (void *) = s->drained;
  void *done_data = s->drained_data;

  if (s->terminal || (*r)->in.fd < 0)
    {
      shim_relay_free (loop, *r);
      *r = NULL;
    }
  if (--s->draining > 0)
    return;
  s->drained = NULL;
  if (done)
    done (done_data);
}

static void
stdout_drained (struct shim_loop *loop, void *data)
{
  struct shim_stdio *s = data;
  output_relay_drained (loop, s, &s->out_relay);
}

static void
stderr_drained (struct shim_loop *loop, void *data)
{
  struct shim_stdio *s = data;
  output_relay_drained (loop, s, &s->err_relay);
}

void
shim_stdio_drain (struct shim *shim, struct shim_stdio *s, void (*done) (void *data), void *data)
{
  struct shim_relay *out = s->out_relay, *errr = s->err_relay;

  s->draining = (out != NULL) + (errr != NULL);
  if (s->draining == 0)
    {
      done (data);
      return;
    }
  s->drained = done;
  s->drained_data = data;
  /* Either may be done at once (and the last one call DONE).  */
  if (out)
    shim_relay_drain (&shim->loop, out, OUTPUT_DRAIN_MS, true, stdout_drained, s);
  if (errr)
    shim_relay_drain (&shim->loop, errr, OUTPUT_DRAIN_MS, true, stderr_drained, s);
}

/* An output pipe that something in the container still holds (an exec's
   child) goes on to the client for a moment after the process is
   deleted, as containerd's shim waits up to 2 s for its copy at Delete.
   Never before the runtime command succeeded: what is in the pipes then
   is the runtime's own error, for the request's answer alone.  */
static void
release_output (struct shim *shim, struct shim_stdio *s, struct shim_relay **r)
{
  if (*r == NULL)
    return;
  if (s->attached && !s->terminal && (*r)->in.fd >= 0)
    shim_relay_linger (&shim->loop, *r, OUTPUT_DRAIN_MS);
  else
    shim_relay_free (&shim->loop, *r);
  *r = NULL;
}

void
shim_stdio_release (struct shim *shim, struct shim_stdio *s)
{
  shim_logger_free (s->logger);
  s->logger = NULL;
  if (s->log_out >= 0)
    close (s->log_out);
  s->log_out = -1;
  free_stdin (shim, s);
  release_output (shim, s, &s->out_relay);
  release_output (shim, s, &s->err_relay);
  s->drained = NULL;
  s->draining = 0;
  s->attached = false;
  for (int i = 1; i < 3; i++)
    if (s->hold_fds[i] >= 0)
      {
        close (s->hold_fds[i]);
        s->hold_fds[i] = -1;
      }
  if (s->console_fd >= 0)
    close (s->console_fd);
  s->console_fd = -1;
  remove_console_socket (s);
}

void
shim_stdio_free (struct shim *shim, struct shim_stdio *s)
{
  shim_stdio_release (shim, s);
  free (s->stdin_path);
  free (s->stdout_path);
  free (s->stderr_path);
  s->stdin_path = s->stdout_path = s->stderr_path = NULL;
}

int
shim_stdio_resize (struct shim_stdio *s, unsigned width, unsigned height, holo_error_t *err)
{
  struct winsize ws = { .ws_row = (unsigned short) height, .ws_col = (unsigned short) width };

  if (s->console_fd < 0)
    return holo_make_error (err, 0, "no terminal on this process");
  if (ioctl (s->console_fd, TIOCSWINSZ, &ws) < 0)
    return holo_make_error (err, errno, "resize terminal");
  return 0;
}
