/* seccomp-syscall: makes one system call inside a test container and prints
   what came back, for seccomp.bats.  Static, no libc wrappers that might
   pick another syscall (glibc's mkdir() is mkdirat on some arches): each
   subcommand is the raw syscall of that name.

   Usage: seccomp-syscall NAME [ARGS...]
     mkdir PATH | chmod PATH MODE | getcwd | getpid | uname | pause
     personality VALUE | unshare FLAGS | socket DOMAIN TYPE
   VALUE/FLAGS/DOMAIN/TYPE/MODE accept C notation (0x..., 0...).
   Prints "NAME: ok" (exit 0) or "NAME: ERRNO_NAME (N)" (exit 1).  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static unsigned long
num (const char *s)
{
  return strtoul (s, NULL, 0);
}

static long
call (int argc, char **argv)
{
  const char *name = argv[1];
  char buf[4096];
  struct utsname u;

#define NEED(n)                                                                                                        \
  if (argc < 2 + (n))                                                                                                  \
    {                                                                                                                  \
      fprintf (stderr, "seccomp-syscall: %s needs %d argument(s)\n", name, n);                                         \
      exit (2);                                                                                                        \
    }
  if (strcmp (name, "mkdir") == 0)
    {
      NEED (1);
#ifdef SYS_mkdir
      return syscall (SYS_mkdir, argv[2], 0755);
#else
      return syscall (SYS_mkdirat, -100, argv[2], 0755);
#endif
    }
  if (strcmp (name, "chmod") == 0)
    {
      NEED (2);
#ifdef SYS_chmod
      return syscall (SYS_chmod, argv[2], num (argv[3]));
#else
      return syscall (SYS_fchmodat, -100, argv[2], num (argv[3]), 0);
#endif
    }
  if (strcmp (name, "getcwd") == 0)
    return syscall (SYS_getcwd, buf, sizeof buf);
  if (strcmp (name, "getpid") == 0)
    return syscall (SYS_getpid);
  if (strcmp (name, "uname") == 0)
    return syscall (SYS_uname, &u);
  if (strcmp (name, "pause") == 0)
    return syscall (SYS_pause); /* until a signal ends the process */
  if (strcmp (name, "personality") == 0)
    {
      NEED (1);
      return syscall (SYS_personality, num (argv[2]));
    }
  if (strcmp (name, "unshare") == 0)
    {
      NEED (1);
      return syscall (SYS_unshare, num (argv[2]));
    }
  if (strcmp (name, "socket") == 0)
    {
      NEED (2);
      return syscall (SYS_socket, num (argv[2]), num (argv[3]), 0);
    }
  fprintf (stderr, "seccomp-syscall: unknown syscall %s\n", name);
  exit (2);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: seccomp-syscall NAME [ARGS...]\n");
      return 2;
    }
  errno = 0;
  long r = call (argc, argv);
  if (r < 0)
    {
      int e = errno;
      const char *en = strerrorname_np (e);
      printf ("%s: %s (%d)\n", argv[1], en ? en : "E?", e);
      return 1;
    }
  printf ("%s: ok\n", argv[1]);
  return 0;
}
