/* seccomp-enosys: runs a command under a seccomp filter that makes the
   named syscalls fail with ENOSYS, as an older kernel (or a profile such
   as Docker's for clone3) would, for seccomp.bats.

   Usage: seccomp-enosys SYSCALL[,SYSCALL...] COMMAND [ARGS...]  */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: seccomp-enosys SYSCALL[,SYSCALL...] COMMAND [ARGS...]\n");
      return 2;
    }
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  /* Root with CAP_SYS_ADMIN needs no no_new_privs, which would change what
     the command under test does.  */
  if (ctx == NULL || seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
    return 2;
  for (char *save = NULL, *name = strtok_r (argv[1], ",", &save); name; name = strtok_r (NULL, ",", &save))
    {
      int nr = seccomp_syscall_resolve_name (name);
      if (nr == __NR_SCMP_ERROR || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0) < 0)
        {
          fprintf (stderr, "seccomp-enosys: cannot filter %s\n", name);
          return 2;
        }
    }
  if (seccomp_load (ctx) < 0)
    {
      fprintf (stderr, "seccomp-enosys: cannot load the filter\n");
      return 2;
    }
  execvp (argv[2], argv + 2);
  fprintf (stderr, "seccomp-enosys: exec %s: %s\n", argv[2], strerror (errno));
  return 127;
}
