/* bench/run.sh's timer: runs several commands in turn, one run of each at
   a time (A B C, then B C A, then C A B, ...), so that the load of a shared
   machine, which drifts within seconds, weighs on every command alike;
   hyperfine measures one command's runs back to back.

     interleave RUNS WARMUP OUT NAME=COMMAND...

   COMMAND is split on spaces into argv (as hyperfine -N does); "NAME" names
   it in OUT, which gets one line "NAME SECONDS" per timed run (wall time
   from fork to the end of wait4).  WARMUP untimed rounds go first.  A run
   that fails stops everything (status 1, the command named on stderr).  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct command
{
  const char *name;
  char **argv;
};

static char **
split (char *s)
{
  size_t n = 0;
  char **v = calloc (strlen (s) / 2 + 2, sizeof (char *));
  for (char *tok = strtok (s, " "); tok; tok = strtok (NULL, " "))
    v[n++] = tok;
  return v;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Seconds the command took, or a negative value when it failed.  */
static double
run_once (const struct command *c)
{
  double t0 = now ();
  pid_t pid = fork ();
  if (pid == 0)
    {
      execvp (c->argv[0], c->argv);
      _exit (127);
    }
  int status;
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  double t = now () - t0;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? t : -1;
}

int
main (int argc, char **argv)
{
  if (argc < 5)
    {
      fprintf (stderr, "usage: interleave RUNS WARMUP OUT NAME=COMMAND...\n");
      return 2;
    }
  int runs = atoi (argv[1]), warmup = atoi (argv[2]), n = argc - 4;
  FILE *out = fopen (argv[3], "a");
  struct command *cmds = calloc ((size_t) n, sizeof *cmds);
  if (out == NULL || cmds == NULL)
    return 1;
  for (int i = 0; i < n; i++)
    {
      char *eq = strchr (argv[4 + i], '=');
      if (eq == NULL)
        return 2;
      *eq = '\0';
      cmds[i].name = argv[4 + i];
      cmds[i].argv = split (eq + 1);
    }
  for (int r = 0; r < warmup + runs; r++)
    for (int k = 0; k < n; k++)
      {
        const struct command *c = &cmds[(r + k) % n];
        double t = run_once (c);
        if (t < 0)
          {
            fprintf (stderr, "interleave: %s failed\n", c->name);
            return 1;
          }
        if (r >= warmup)
          fprintf (out, "%s %.9f\n", c->name, t);
      }
  fclose (out);
  return 0;
}
