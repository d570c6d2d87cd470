/* holo shim — a process's stdio.

   Without a terminal, stdout and stderr are the FIFOs containerd made,
   handed to the process itself: no copy through the shim, and the reader
   sees EOF when the last writer in the container closes.  The shim keeps a
   read end of each FIFO open so that a writer never gets EPIPE when the
   client goes away (the same as a copying shim whose copy blocks).  stdin
   is a pipe fed from the FIFO by a relay, closed when the client closes the
   FIFO or sends CloseIO.

   With a terminal, `holo` sends the pty master over a console socket; the
   shim relays master -> stdout FIFO and stdin FIFO -> master.

   A binary:// stdout starts a logging binary (logger.c) whose pipes take
   the place of the FIFOs.  */
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

int
shim_stdio_prepare (struct shim *shim, struct shim_stdio *s, int fds[3], holo_error_t *err)
{
  fds[0] = fds[1] = fds[2] = -1;
  if (s->terminal)
    return make_console_socket (s, err);

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
      /* A process in a user namespace reopening /proc/self/fd/0 needs to
         own the pipe (the IoUid/IoGid options).  */
      if (shim->opts.io_uid || shim->opts.io_gid)
        if (fchown (p[0], shim->opts.io_uid, shim->opts.io_gid) < 0)
          holo_log_warning ("chown stdin pipe: %s", strerror (errno));
      fds[0] = p[0];
      s->in_relay = shim_relay_new (in, p[1]);
      s->in_relay->close_on_eof = true;
    }
  if (is_binary_uri (s->stdout_path))
    {
      int out[2];
      if (shim_logger_start (shim, s->stdout_path, out, err) < 0)
        return -1;
      fds[1] = out[0];
      fds[2] = out[1];
      return 0;
    }
  if (*s->stdout_path)
    {
      fds[1] = open_output (s->stdout_path, &s->hold_fds[1], err);
      if (fds[1] < 0)
        return -1;
      set_blocking (fds[1], true);
    }
  if (*s->stderr_path)
    {
      fds[2] = open_output (s->stderr_path, &s->hold_fds[2], err);
      if (fds[2] < 0)
        return -1;
      set_blocking (fds[2], true);
    }
  return 0;
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
          int pipes[2];
          if (shim_logger_start (shim, s->stdout_path, pipes, err) < 0)
            return -1;
          close (pipes[1]); /* a terminal has no separate stderr */
          out = pipes[0];
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
  if (s->in_relay)
    shim_relay_start (&shim->loop, s->in_relay);
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

/* CloseIO: the client wrote all it had (ctr closes its end of the FIFO,
   then asks); what is still in the FIFO goes to the process first, so the
   request may not overtake the data the loop has not relayed yet.  */
void
shim_stdio_close_stdin (struct shim *shim, struct shim_stdio *s)
{
  if (s->in_relay && s->in_relay->in.fd >= 0 && s->in_relay->out.fd >= 0)
    {
      shim_watch_clear (&shim->loop, &s->in_relay->in);
      shim_watch_clear (&shim->loop, &s->in_relay->out);
      shim_relay_drain (s->in_relay, 1000);
    }
  free_stdin (shim, s);
}

void
shim_stdio_drain (struct shim *shim, struct shim_stdio *s)
{
  if (s->out_relay == NULL)
    return;
  shim_watch_clear (&shim->loop, &s->out_relay->in);
  shim_watch_clear (&shim->loop, &s->out_relay->out);
  shim_relay_drain (s->out_relay, 2000);
  /* Closing the writer is what tells the client the output ended.  */
  shim_relay_free (&shim->loop, s->out_relay);
  s->out_relay = NULL;
}

void
shim_stdio_release (struct shim *shim, struct shim_stdio *s)
{
  free_stdin (shim, s);
  shim_relay_free (&shim->loop, s->out_relay);
  s->out_relay = NULL;
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
