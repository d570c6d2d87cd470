/* bench/phases.sh's launcher: appends "PID US launch: exec" to $HOLO_TRACE
   right before exec'ing argv[1..] and "PID US launch: exited" once it has
   been reaped, so the phase table also shows what happens before holo's
   main (execve, dynamic loading) and after its last trace (exit, reaping). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
mark (const char *what)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  const char *path = getenv ("HOLO_TRACE");
  int fd = path ? open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
  if (fd >= 0)
    {
      dprintf (fd, "%d %lld launch: %s\n", (int) getpid (), (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000, what);
      close (fd);
    }
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return 2;
  int status;
  mark ("exec");
  pid_t pid = vfork ();
  if (pid == 0)
    {
      execv (argv[1], argv + 1);
      _exit (127);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return 1;
  mark ("exited");
  return WIFEXITED (status) ? WEXITSTATUS (status) : 1;
}
