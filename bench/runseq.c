/* bench/run.sh's driver for workloads of several commands (hyperfine -N
   runs one): runs the commands one after the other, each waited for.

     runseq [--rss FILE] CMD [ARGS...] [';' CMD [ARGS...]]...

   A lone ";" argument separates the commands (hyperfine -N passes it
   through as a word).  Stops at the first command that fails, with status
   1.  With --rss, appends to FILE one line per run: the largest peak
   resident set size (KiB) among the commands and the processes they
   reaped (ru_maxrss of wait4).  */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int
run_one (char **argv, long *maxrss)
{
  pid_t pid = vfork ();
  if (pid == 0)
    {
      execvp (argv[0], argv);
      _exit (127);
    }
  int status;
  struct rusage ru;
  if (pid < 0 || wait4 (pid, &status, 0, &ru) < 0)
    return -1;
  if (ru.ru_maxrss > *maxrss)
    *maxrss = ru.ru_maxrss;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : -1;
}

int
main (int argc, char **argv)
{
  const char *rss_file = NULL;
  int i = 1;
  if (argc > 2 && strcmp (argv[1], "--rss") == 0)
    {
      rss_file = argv[2];
      i = 3;
    }
  if (i >= argc)
    {
      fprintf (stderr, "usage: runseq [--rss FILE] CMD [ARGS...] [';' CMD [ARGS...]]...\n");
      return 2;
    }
  long maxrss = 0;
  while (i < argc)
    {
      int j = i;
      while (j < argc && strcmp (argv[j], ";") != 0)
        j++;
      argv[j < argc ? j : argc] = NULL;
      if (j > i && run_one (argv + i, &maxrss) < 0)
        {
          fprintf (stderr, "runseq: %s failed\n", argv[i]);
          return 1;
        }
      i = j + 1;
    }
  if (rss_file)
    {
      FILE *f = fopen (rss_file, "a");
      if (f == NULL)
        return 1;
      fprintf (f, "%ld\n", maxrss);
      fclose (f);
    }
  return 0;
}
