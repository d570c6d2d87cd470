/* holo shim — how long each runtime command may take.  The defaults leave
   room for what a command legitimately waits on (hooks, a witness
   endpoint, CRIU) and stop a command stuck on a dead mount or a hung
   endpoint from holding the container forever; HOLO_SHIM_TIMEOUTS
   overrides them per command.  */
#define _GNU_SOURCE
#include "runtime.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const struct
{
  const char *command;
  unsigned ms;
} defaults[] = {
  { "create", 120000 }, { "restore", 300000 }, { "checkpoint", 300000 }, { "start", 60000 },
  { "exec", 60000 },    { "delete", 60000 },   { "kill", 10000 },        { "pause", 30000 },
  { "resume", 30000 },  { "update", 30000 },   { NULL, 60000 },
};

static void
free_deadlines (struct shim_deadline *d)
{
  while (d)
    {
      struct shim_deadline *next = d->next;
      free (d->command);
      free (d);
      d = next;
    }
}

/* "30", "1.5s", "500ms", "0": milliseconds, or -1.  */
static long long
parse_duration (const char *s)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s || v < 0)
    return -1;
  if (strcmp (end, "ms") == 0)
    ;
  else if (*end == '\0' || strcmp (end, "s") == 0)
    v *= 1000;
  else
    return -1;
  if (v > (double) UINT_MAX)
    return -1;
  return (long long) v;
}

static int
parse_entry (const char *entry, struct shim_deadline **out, holo_error_t *err)
{
  const char *eq = strchr (entry, '=');
  struct shim_deadline *d;
  long long ms;

  if (eq == NULL || eq == entry)
    return holo_make_error (err, 0, "HOLO_SHIM_TIMEOUTS: \"%s\": expected COMMAND=DURATION", entry);
  ms = parse_duration (eq + 1);
  if (ms < 0)
    return holo_make_error (err, 0,
                            "HOLO_SHIM_TIMEOUTS: \"%s\": the duration must be seconds (\"30\", \"1.5s\"), "
                            "milliseconds (\"500ms\") or 0 for none",
                            entry);
  d = holo_xmalloc (sizeof (*d));
  d->command = strncmp (entry, "default=", 8) == 0 ? NULL : holo_xstrndup (entry, eq - entry);
  d->ms = (unsigned) ms;
  d->next = *out;
  *out = d;
  return 0;
}

int
shim_runtime_set_deadlines (struct shim_runtime *rt, const char *spec, holo_error_t *err)
{
  cleanup_free char *copy = holo_xstrdup (spec ? spec : "");
  struct shim_deadline *list = NULL;
  char *entry, *save = NULL;

  for (entry = strtok_r (copy, ", ", &save); entry; entry = strtok_r (NULL, ", ", &save))
    if (parse_entry (entry, &list, err) < 0)
      {
        free_deadlines (list);
        return -1;
      }
  free_deadlines (rt->deadlines);
  rt->deadlines = list;
  return 0;
}

void
shim_runtime_free_deadlines (struct shim_runtime *rt)
{
  free_deadlines (rt->deadlines);
  rt->deadlines = NULL;
}

/* A command named in the spec, else the spec's default, else the
   built-in value of the command, else the built-in default.  */
unsigned
shim_runtime_deadline (const struct shim_runtime *rt, const char *command)
{
  const struct shim_deadline *fallback = NULL;
  size_t i;

  /* The list is in reverse order of the spec: the last entry wins.  */
  for (const struct shim_deadline *d = rt->deadlines; d; d = d->next)
    {
      if (d->command && strcmp (d->command, command) == 0)
        return d->ms;
      if (d->command == NULL && fallback == NULL)
        fallback = d;
    }
  if (fallback)
    return fallback->ms;
  for (i = 0; defaults[i].command; i++)
    if (strcmp (defaults[i].command, command) == 0)
      break;
  return defaults[i].ms;
}
