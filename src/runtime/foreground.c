/* Foreground `run` and `exec`: holo stays the process's reaper, forwards
   signals to it, proxies its terminal, and exits with its status.  */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

/* Signals runc forwards to the container in the foreground.  SIGCHLD is
   ours (reaping); SIGWINCH is the terminal proxy's.  */
static void
forwarded_signals (sigset_t *set)
{
  sigfillset (set);
  sigdelset (set, SIGKILL);
  sigdelset (set, SIGSTOP);
  sigdelset (set, SIGSEGV);
  sigdelset (set, SIGBUS);
  sigdelset (set, SIGILL);
  sigdelset (set, SIGFPE);
  sigdelset (set, SIGTRAP);
  sigdelset (set, SIGABRT);
}

static int
exit_status_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Reaps every child (we are a subreaper); returns true once INIT is gone.  */
static bool
reap_children (pid_t init, int *init_status, pid_t proxy, bool *proxy_done)
{
  bool init_gone = false;
  for (;;)
    {
      int status;
      pid_t p = waitpid (-1, &status, WNOHANG);
      if (p <= 0)
        break;
      if (p == init)
        {
          *init_status = status;
          init_gone = true;
        }
      if (p == proxy)
        *proxy_done = true;
    }
  return init_gone;
}

/* The terminal copy loop runs in a child so this process is free to handle
   signals; it ends when the container side of the pty closes.  */
static pid_t
spawn_terminal_proxy (int master)
{
  pid_t pid = fork ();
  if (pid != 0)
    return pid;
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  holo_error_t err = NULL;
  if (holo_terminal_proxy (master, &err) < 0)
    {
      holo_log_release_error (&err);
      _exit (1);
    }
  _exit (0);
}

static int
wait_foreground (pid_t init, int master, int sfd)
{
  pid_t proxy = -1;
  bool proxy_done = true;
  int init_status = 0;
  if (master >= 0)
    {
      proxy = spawn_terminal_proxy (master);
      proxy_done = proxy < 0;
      close (master);
    }
  for (;;)
    {
      struct signalfd_siginfo si;
      ssize_t r = read (sfd, &si, sizeof si);
      if (r < 0 && errno == EINTR)
        continue;
      if (r != sizeof si)
        return 255;
      if (si.ssi_signo == SIGCHLD)
        {
          if (reap_children (init, &init_status, proxy, &proxy_done))
            break;
          continue;
        }
      if (si.ssi_signo == SIGWINCH && master >= 0)
        continue;
      kill (init, (int) si.ssi_signo);
    }
  /* Let the proxy drain what the container wrote last.  */
  while (!proxy_done && waitpid (proxy, NULL, 0) < 0 && errno == EINTR)
    ;
  return exit_status_of (init_status);
}

void
holo_foreground_prepare (void)
{
  sigset_t sigs;
  forwarded_signals (&sigs);
  /* The process may be a grandchild (namespaces joined by path): become its
     reaper so we can wait for it.  */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sigprocmask (SIG_BLOCK, &sigs, NULL);
}

int
holo_foreground_wait (pid_t pid, int master)
{
  sigset_t sigs;
  forwarded_signals (&sigs);
  int sfd = signalfd (-1, &sigs, SFD_CLOEXEC);
  if (sfd < 0)
    return 255;
  int status = wait_foreground (pid, master, sfd);
  holo_trace ("foreground: process exited");
  close (sfd);
  return status;
}
