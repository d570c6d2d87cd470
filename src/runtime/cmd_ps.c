/* holo ps [--format table|json] ID [ps options...]
   json: the pids of the container, as a JSON array.
   table: ps(1) run with the given options (default -ef), its header line and
   the lines whose PID column names a process of the container.  */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
usage (void)
{
  printf ("Usage: holo ps [--format table|json] <container-id> [ps options]\n\n"
          "  -f, --format FORMAT   table (ps output, default) or json (array of pids)\n"
          "ps options are passed to ps(1) (default: -ef).\n");
}

static bool
has_pid (const pid_t *pids, size_t n, pid_t p)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == p)
      return true;
  return false;
}

/* The output of ps ARGS (malloc'ed), or NULL with ERR set.  */
static char *
run_ps (char **args, int nargs, holo_error_t *err)
{
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      holo_make_error (err, errno, "pipe");
      return NULL;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      holo_make_error (err, errno, "fork");
      close (fds[0]);
      close (fds[1]);
      return NULL;
    }
  if (pid == 0)
    {
      char **argv = holo_xmalloc ((size_t) (nargs + 3) * sizeof (char *));
      argv[0] = (char *) "ps";
      if (nargs == 0)
        argv[1] = (char *) "-ef";
      for (int i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
      dup2 (fds[1], STDOUT_FILENO);
      execvp ("ps", argv);
      fprintf (stderr, "exec ps: %s\n", strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  size_t len = 0, cap = 4096;
  char *out = holo_xmalloc (cap);
  ssize_t n;
  while ((n = read (fds[0], out + len, cap - len - 1)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && (len += (size_t) n) + 1 >= cap)
      out = holo_xrealloc (out, cap *= 2);
  out[len] = '\0';
  close (fds[0]);
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      holo_make_error (err, 0, "ps failed (exit status %d)",
                       WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
      free (out);
      return NULL;
    }
  return out;
}

/* Index of the PID column in the header line, or -1.  */
static int
pid_column (const char *header)
{
  cleanup_free char *copy = holo_xstrdup (header);
  int i = 0;
  char *save = NULL;
  for (char *f = strtok_r (copy, " \t", &save); f; f = strtok_r (NULL, " \t", &save), i++)
    if (strcmp (f, "PID") == 0)
      return i;
  return -1;
}

static int
print_table (const pid_t *pids, size_t n, char **args, int nargs)
{
  holo_error_t err = NULL;
  cleanup_free char *out = run_ps (args, nargs, &err);
  if (out == NULL)
    return holo_cmd_fail (&err);
  char *save = NULL;
  char *header = strtok_r (out, "\n", &save);
  int col = header ? pid_column (header) : -1;
  if (col < 0)
    {
      holo_make_error (&err, 0, "couldn't find PID field in ps output");
      return holo_cmd_fail (&err);
    }
  printf ("%s\n", header);
  for (char *line = strtok_r (NULL, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      cleanup_free char *copy = holo_xstrdup (line);
      char *fsave = NULL, *f = strtok_r (copy, " \t", &fsave);
      for (int i = 0; f && i < col; i++)
        f = strtok_r (NULL, " \t", &fsave);
      if (f && has_pid (pids, n, (pid_t) atoi (f)))
        printf ("%s\n", line);
    }
  return 0;
}

int
holo_cmd_ps (struct holo_global *g, int argc, char **argv)
{
  static const struct option options[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *format = "table";
  int c;
  /* '+': the ps options after the id are not ours.  */
  while ((c = getopt_long (argc, argv, "+f:h", options, NULL)) != -1)
    {
      if (c == 'f')
        format = optarg;
      else if (c == 'h')
        {
          usage ();
          return 0;
        }
      else
        return holo_cmd_usage_error ("ps", "invalid option");
    }
  if (optind >= argc)
    return holo_cmd_usage_error ("ps", "\"ps\" requires a minimum of 1 argument");
  const char *id = argv[optind];
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return holo_cmd_usage_error ("ps", "invalid format option `%s`: must be table or json", format);
  holo_error_t err = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (holo_container_pids (&g->ctx, id, &pids, &n, &err) < 0)
    return holo_cmd_fail (&err);
  if (strcmp (format, "json") == 0)
    {
      if (argc - optind > 1)
        return holo_cmd_usage_error ("ps", "ps options cannot be used with --format json");
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      printf ("]\n");
      return 0;
    }
  return print_table (pids, n, argv + optind + 1, argc - optind - 1);
}
