/* Terminals: the container side creates its pty inside the container's own
   devpts (so the slave belongs to the container), hands the master out over
   the --console-socket, and a foreground `run` without a socket relays the
   master to the user's terminal.  */
#define _GNU_SOURCE
#include "terminal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

int
holo_terminal_connect_socket (const char *path, holo_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  if (strlen (path) >= sizeof addr.sun_path)
    return holo_make_error (err, ENAMETOOLONG, "connect to console socket `%s`", path);
  strcpy (addr.sun_path, path);

  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return holo_make_error (err, errno, "create console socket");
  int r;
  do
    r = connect (fd, (struct sockaddr *) &addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return holo_make_error (err, errno, "connect to console socket `%s`", path);
  return steal_fd (&fd);
}

/* The slave side of MASTER.  TIOCGPTPEER (Linux 4.13) opens it without a
   path lookup, which a container could otherwise redirect.  */
static int
open_pty_slave (int master, holo_error_t *err)
{
  int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave >= 0)
    return slave;
  if (errno != EINVAL && errno != ENOTTY)
    return holo_make_error (err, errno, "open the pty slave (TIOCGPTPEER)");

  char name[64];
  if (ptsname_r (master, name, sizeof name) != 0)
    return holo_make_error (err, errno, "ptsname");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return holo_make_error (err, errno, "open `%s`", name);
  return slave;
}

/* Bind-mounts the pty slave on /dev/console so programs that write to the
   console reach the container's terminal.  A /dev that cannot hold the
   mount point (read-only, no permission) only costs /dev/console.  */
static int
bind_console (int master, int slave, holo_error_t *err)
{
  struct stat st;
  if (stat ("/dev/console", &st) < 0)
    {
      if (errno != ENOENT)
        return holo_make_error (err, errno, "stat /dev/console");
      int fd = open ("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0666);
      if (fd < 0 && errno != EEXIST)
        {
          holo_log_warning ("cannot create /dev/console: %s; the container has no console", strerror (errno));
          return 0;
        }
      if (fd >= 0)
        close (fd);
    }

  /* The fd path names the very pty we opened; /dev/pts/N is the fallback
     when /proc is not mounted in the container.  */
  char source[64];
  snprintf (source, sizeof source, "/proc/self/fd/%d", slave);
  if (mount (source, "/dev/console", NULL, MS_BIND, NULL) == 0)
    return 0;
  int saved = errno;
  if (ptsname_r (master, source, sizeof source) != 0 || mount (source, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return holo_make_error (err, saved, "bind-mount the pty on /dev/console");
  return 0;
}

/* Makes SLAVE the controlling terminal and the stdio of this process.  */
static int
become_terminal_owner (int slave, holo_error_t *err)
{
  /* EPERM: we already lead a session (e.g. a pid 1 that called setsid
     before); TIOCSCTTY below still works if it has no terminal yet.  */
  if (setsid () < 0 && errno != EPERM)
    return holo_make_error (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return holo_make_error (err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
  for (int fd = 0; fd <= 2; fd++)
    {
      /* dup2 onto itself keeps O_CLOEXEC, which would lose the fd at exec. */
      if (fd == slave && fcntl (fd, F_SETFD, 0) < 0)
        return holo_make_error (err, errno, "clear close-on-exec on fd %d", fd);
      if (fd != slave && dup2 (slave, fd) < 0)
        return holo_make_error (err, errno, "dup2 the pty onto fd %d", fd);
    }
  return 0;
}

int
holo_terminal_setup_in_container (int console_sock, bool has_size, unsigned rows, unsigned cols, bool bind_dev_console,
                                  holo_error_t *err)
{
  /* The socket is ours to close once the master is sent, whatever happens:
     keeping it open in the container would leak it into the process.  */
  cleanup_close int sock = console_sock;

  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return holo_make_error (err, errno, "open /dev/ptmx");
  if (unlockpt (master) < 0)
    return holo_make_error (err, errno, "unlockpt");

  cleanup_close int slave = open_pty_slave (master, err);
  if (slave < 0)
    return -1;

  if (has_size)
    {
      struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
      if (ioctl (master, TIOCSWINSZ, &ws) < 0)
        return holo_make_error (err, errno, "set the console size");
    }

  if (bind_dev_console && bind_console (master, slave, err) < 0)
    return -1;

  if (holo_send_fd (sock, master, err) < 0)
    return holo_error_prefix (err, "send the pty master to the console socket");
  close (steal_fd (&master));
  close (steal_fd (&sock));

  if (become_terminal_owner (slave, err) < 0)
    return -1;
  /* fds 0-2 now hold the slave; the original is no longer needed (and
     must not reach the container process, even if CLOEXEC were lost).  */
  if (slave <= 2)
    slave = -1;
  return 0;
}

/* ---- foreground relay between the user's terminal and the pty master ---- */

struct proxy_state
{
  int master;
  int in_fd; /* our stdin, -1 after EOF */
  int sigfd; /* SIGWINCH notifications */
  char in_buf[4096];
  size_t in_len; /* pending bytes of in_buf for the master */
  size_t in_off;
};

/* The window size comes from whichever of stdin/stdout is a terminal.  */
void
holo_terminal_copy_window_size (int master)
{
  struct winsize ws;
  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

struct saved_tty
{
  bool saved;
  struct termios attrs;
};

static void
restore_tty (struct saved_tty *t)
{
  if (t->saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &t->attrs);
}

/* Keystrokes go through unchanged (^C reaches the container, not us).  */
static void
set_raw_tty (struct saved_tty *t)
{
  struct termios raw;
  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &t->attrs) < 0)
    return;
  raw = t->attrs;
  cfmakeraw (&raw);
  if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0)
    t->saved = true;
}

struct winch_signal
{
  int fd;
  bool blocked;
  sigset_t old_mask;
};

static void
release_winch (struct winch_signal *w)
{
  if (w->fd >= 0)
    close (w->fd);
  if (w->blocked)
    sigprocmask (SIG_SETMASK, &w->old_mask, NULL);
}

/* SIGWINCH through a signalfd: blocked so that it is only ever read.  */
static int
watch_winch (struct winch_signal *w, holo_error_t *err)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &set, &w->old_mask) < 0)
    return holo_make_error (err, errno, "block SIGWINCH");
  w->blocked = true;
  w->fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (w->fd < 0)
    return holo_make_error (err, errno, "signalfd");
  return 0;
}

/* Returns 1 to go on, 0 when the master has hung up, -1 on error.  */
static int
relay_master_output (struct proxy_state *s, holo_error_t *err)
{
  char buf[8192];
  for (;;)
    {
      ssize_t n = read (s->master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 1;
      /* EIO is how a pty master reports that every slave fd is closed.  */
      if (n == 0 || (n < 0 && errno == EIO))
        return 0;
      if (n < 0)
        return holo_make_error (err, errno, "read from the pty master");
      if (holo_write_all (STDOUT_FILENO, buf, (size_t) n) < 0)
        return holo_make_error (err, errno, "write the container output");
    }
}

static int
read_our_input (struct proxy_state *s, holo_error_t *err)
{
  ssize_t n = read (s->in_fd, s->in_buf, sizeof s->in_buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n < 0 && errno != EIO)
    return holo_make_error (err, errno, "read from stdin");
  if (n <= 0)
    {
      /* EOF on stdin: the container keeps running and its output is still
         wanted; we just stop forwarding input.  */
      s->in_fd = -1;
      return 0;
    }
  s->in_len = (size_t) n;
  s->in_off = 0;
  return 0;
}

static int
write_input_to_master (struct proxy_state *s, holo_error_t *err)
{
  ssize_t n = write (s->master, s->in_buf + s->in_off, s->in_len - s->in_off);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n < 0 && errno == EIO)
    {
      s->in_len = s->in_off = 0; /* hung up: the read side will notice */
      return 0;
    }
  if (n < 0)
    return holo_make_error (err, errno, "write to the pty master");
  s->in_off += (size_t) n;
  if (s->in_off == s->in_len)
    s->in_len = s->in_off = 0;
  return 0;
}

static void
drain_winch (struct proxy_state *s)
{
  struct signalfd_siginfo si;
  bool got = false;
  while (read (s->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    got = true;
  if (got)
    holo_terminal_copy_window_size (s->master);
}

int
holo_terminal_proxy (int master, holo_error_t *err)
{
  __attribute__ ((cleanup (release_winch))) struct winch_signal winch = { .fd = -1 };
  __attribute__ ((cleanup (restore_tty))) struct saved_tty tty = { 0 };
  struct proxy_state s = { .master = master, .in_fd = STDIN_FILENO };

  if (watch_winch (&winch, err) < 0)
    return -1;
  s.sigfd = winch.fd;

  /* Non-blocking so a container that stops reading its input cannot wedge
     the loop while it still produces output.  */
  int flags = fcntl (master, F_GETFL);
  if (flags < 0 || fcntl (master, F_SETFL, flags | O_NONBLOCK) < 0)
    return holo_make_error (err, errno, "set the pty master non-blocking");

  holo_terminal_copy_window_size (master);
  set_raw_tty (&tty);

  for (;;)
    {
      struct pollfd pfd[3];
      nfds_t n = 0;
      short master_events = POLLIN | (s.in_len > 0 ? POLLOUT : 0);

      pfd[n++] = (struct pollfd){ .fd = master, .events = master_events };
      pfd[n++] = (struct pollfd){ .fd = s.sigfd, .events = POLLIN };
      if (s.in_fd >= 0 && s.in_len == 0)
        pfd[n++] = (struct pollfd){ .fd = s.in_fd, .events = POLLIN };

      if (poll (pfd, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return holo_make_error (err, errno, "poll the terminal");
        }

      if (pfd[1].revents & POLLIN)
        drain_winch (&s);
      if (n > 2 && (pfd[2].revents & POLLNVAL))
        s.in_fd = -1; /* started with stdin closed: nothing to forward */
      else if (n > 2 && pfd[2].revents && read_our_input (&s, err) < 0)
        return -1;
      if ((pfd[0].revents & POLLOUT) && write_input_to_master (&s, err) < 0)
        return -1;
      /* On POLLHUP the master may still hold output: read until EIO.  */
      if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          int r = relay_master_output (&s, err);
          if (r <= 0)
            return r;
        }
    }
}
