/* The Hologram options (HOLOGRAM.md section 4): the policy file, then the
   environment over it, key by key.  What the caller (the holo CLI,
   holo-hologram-hook) reads once and hands to the policy engine; nothing
   below src/hologram reads HOLOGRAM_* variables.

   Hologram is opt-in: it is "configured" only when a policy file exists
   ($HOLOGRAM_POLICY, else /etc/hologram/policy.json) or one of the
   variables of env_names[] is set (non-empty).  A bundle's org.hologram.*
   annotation configures it for that container (policy.c).  */
#define _GNU_SOURCE
#include "hologram.h"
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_POLICY_FILE "/etc/hologram/policy.json"
#define DEFAULT_TRUST_DIR "/etc/hologram/trust.d"
#define DEFAULT_CTP96_ENDPOINT "http://localhost:8080"
#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_VERIFY_TIMEOUT_MS 20000

/* Every variable that configures Hologram (the man page lists them).  */
static const char *const env_names[] = {
  "HOLOGRAM_POLICY",
  "HOLOGRAM_ENFORCE",
  "HOLOGRAM_DISABLE",
  "HOLOGRAM_VERBOSE",
  "HOLOGRAM_WITNESS_ENDPOINT",
  "HOLOGRAM_WITNESS_TIMEOUT_MS",
  "HOLOGRAM_WITNESS_PUBKEY",
  "HOLOGRAM_TRUST_DIR",
  "HOLOGRAM_REQUIRE_SEALED",
  "HOLOGRAM_VERIFY_TIMEOUT_MS",
  "HOLOGRAM_NET",
  "HOLOGRAM_CTP96_ENDPOINT",
  "HOLOGRAM_CTP96_TIMEOUT_MS",
  NULL,
};

static const char *
env (const char *name)
{
  const char *v = getenv (name);
  return v && *v ? v : NULL;
}

/* "1", "true", "yes", "on" (any case) -> 1; "0", "false", "no", "off" -> 0;
   anything else -> -1.  */
static int
parse_bool (const char *v)
{
  static const char *const yes[] = { "1", "true", "yes", "on", NULL };
  static const char *const no[] = { "0", "false", "no", "off", NULL };
  for (size_t i = 0; yes[i]; i++)
    if (strcasecmp (v, yes[i]) == 0)
      return 1;
  for (size_t i = 0; no[i]; i++)
    if (strcasecmp (v, no[i]) == 0)
      return 0;
  return -1;
}

static bool
env_true (const char *name)
{
  const char *v = env (name);
  return v && parse_bool (v) == 1;
}

void
holo_hologram_options_clear (struct holo_hologram_options *o)
{
  free (o->mode_source);
  free (o->policy_file);
  free (o->policy_error);
  free (o->env_error);
  free (o->trust_dir);
  free (o->witness_pubkey);
  free (o->witness_endpoint);
  free (o->ctp96_endpoint);
  memset (o, 0, sizeof *o);
}

static void
set_str (char **field, const char *v)
{
  free (*field);
  *field = holo_xstrdup (v);
}

/* The first problem found in the policy file wins; later ones are not
   reported (the admin fixes one at a time).  */
static void
policy_problem (struct holo_hologram_options *o, const char *fmt, const char *arg)
{
  if (o->policy_error == NULL)
    o->policy_error = holo_xasprintf (fmt, arg);
}

static void
file_mode (struct holo_hologram_options *o, yajl_val v)
{
  const char *m = YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "";
  if (strcmp (m, "off") == 0)
    o->mode = HOLO_HOLOGRAM_OFF;
  else if (strcmp (m, "permissive") == 0)
    o->mode = HOLO_HOLOGRAM_PERMISSIVE;
  else if (strcmp (m, "enforce") == 0)
    o->mode = HOLO_HOLOGRAM_ENFORCE;
  else
    return policy_problem (o, "%s: must be \"off\", \"permissive\" or \"enforce\"", "mode");
  free (o->mode_source);
  o->mode_source = holo_xasprintf ("policy file %s", o->policy_file);
}

static void
file_string (struct holo_hologram_options *o, const char *key, yajl_val v, char **field)
{
  if (!YAJL_IS_STRING (v) || *YAJL_GET_STRING (v) == '\0')
    return policy_problem (o, "%s: must be a non-empty string", key);
  set_str (field, YAJL_GET_STRING (v));
}

static void
file_bool (struct holo_hologram_options *o, const char *key, yajl_val v, bool *field)
{
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return policy_problem (o, "%s: must be true or false", key);
  *field = YAJL_IS_TRUE (v);
}

static void
file_ms (struct holo_hologram_options *o, const char *key, yajl_val v, long *field)
{
  if (!YAJL_IS_INTEGER (v) || YAJL_GET_INTEGER (v) <= 0 || YAJL_GET_INTEGER (v) > 3600 * 1000)
    return policy_problem (o, "%s: must be a number of milliseconds (1 to 3600000)", key);
  *field = (long) YAJL_GET_INTEGER (v);
}

static void
file_net (struct holo_hologram_options *o, yajl_val v)
{
  const char *n = YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
  if (n == NULL || (strcmp (n, "ctp96") != 0 && strcmp (n, "none") != 0))
    return policy_problem (o, "%s: must be \"ctp96\" or \"none\"", "net");
  o->ctp96 = strcmp (n, "ctp96") == 0;
}

static void
apply_file_key (struct holo_hologram_options *o, const char *key, yajl_val v)
{
  if (strcmp (key, "mode") == 0)
    file_mode (o, v);
  else if (strcmp (key, "trust_dir") == 0)
    file_string (o, key, v, &o->trust_dir);
  else if (strcmp (key, "witness_pubkey") == 0)
    file_string (o, key, v, &o->witness_pubkey);
  else if (strcmp (key, "witness_endpoint") == 0)
    file_string (o, key, v, &o->witness_endpoint);
  else if (strcmp (key, "witness_timeout_ms") == 0)
    file_ms (o, key, v, &o->witness_timeout_ms);
  else if (strcmp (key, "verify_timeout_ms") == 0)
    file_ms (o, key, v, &o->verify_timeout_ms);
  else if (strcmp (key, "require_sealed") == 0)
    file_bool (o, key, v, &o->require_sealed);
  else if (strcmp (key, "verbose") == 0)
    file_bool (o, key, v, &o->verbose);
  else if (strcmp (key, "net") == 0)
    file_net (o, v);
  else if (strcmp (key, "ctp96_endpoint") == 0)
    file_string (o, key, v, &o->ctp96_endpoint);
  else
    policy_problem (o, "unknown key `%s`", key);
}

/* Reads the policy file; false when there is none.  */
static bool
load_policy_file (struct holo_hologram_options *o, const char *path, bool named)
{
  cleanup_free char *raw = NULL;
  size_t len = 0;
  holo_error_t err = NULL;
  if (holo_read_file (path, &raw, &len, &err) < 0)
    {
      /* The default file is optional; one named by HOLOGRAM_POLICY is not. */
      bool absent = err->status == ENOENT && !named;
      if (!absent)
        {
          o->policy_file = holo_xstrdup (path);
          o->policy_error = holo_xasprintf ("cannot read it: %s", err->msg);
        }
      holo_error_release (&err);
      return !absent;
    }
  o->policy_file = holo_xstrdup (path);
  char errbuf[256] = "";
  yajl_val root = yajl_tree_parse (raw, errbuf, sizeof errbuf);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      o->policy_error = holo_xasprintf ("not a JSON object%s%s", *errbuf ? ": " : "", errbuf);
    }
  else
    for (size_t i = 0; i < YAJL_GET_OBJECT (root)->len; i++)
      apply_file_key (o, YAJL_GET_OBJECT (root)->keys[i], YAJL_GET_OBJECT (root)->values[i]);
  yajl_tree_free (root);
  return true;
}

/* A bad value in a variable is treated like a bad policy file: the caller
   asked for Hologram and must not silently get less of it.  */
static void
env_ms (struct holo_hologram_options *o, const char *name, long *field)
{
  const char *v = env (name);
  if (v == NULL)
    return;
  char *end;
  errno = 0;
  long n = strtol (v, &end, 10);
  if (errno || *end || n <= 0 || n > 3600 * 1000)
    {
      if (o->env_error == NULL)
        o->env_error = holo_xasprintf ("%s=%s: not a number of milliseconds (1 to 3600000)", name, v);
      return;
    }
  *field = n;
}

static void
env_bool (struct holo_hologram_options *o, const char *name, bool *field)
{
  const char *v = env (name);
  if (v == NULL)
    return;
  int b = parse_bool (v);
  if (b < 0 && o->env_error == NULL)
    o->env_error = holo_xasprintf ("%s=%s: not a boolean (1/0, true/false)", name, v);
  if (b >= 0)
    *field = b;
}

/* Fail closed: a variable asking for enforce wins over one asking for off. */
static void
env_mode (struct holo_hologram_options *o)
{
  const char *enforce = env ("HOLOGRAM_ENFORCE");
  if (env_true ("HOLOGRAM_ENFORCE"))
    o->mode = HOLO_HOLOGRAM_ENFORCE, set_str (&o->mode_source, "HOLOGRAM_ENFORCE=1");
  else if (env_true ("HOLOGRAM_DISABLE"))
    o->mode = HOLO_HOLOGRAM_OFF, set_str (&o->mode_source, "HOLOGRAM_DISABLE=1");
  else if (enforce && parse_bool (enforce) == 0)
    o->mode = HOLO_HOLOGRAM_PERMISSIVE, set_str (&o->mode_source, "HOLOGRAM_ENFORCE=0");
}

static void
apply_env (struct holo_hologram_options *o)
{
  env_mode (o);
  static const struct
  {
    const char *name;
    size_t offset;
  } strings[] = {
    { "HOLOGRAM_TRUST_DIR", offsetof (struct holo_hologram_options, trust_dir) },
    { "HOLOGRAM_WITNESS_PUBKEY", offsetof (struct holo_hologram_options, witness_pubkey) },
    { "HOLOGRAM_WITNESS_ENDPOINT", offsetof (struct holo_hologram_options, witness_endpoint) },
    { "HOLOGRAM_CTP96_ENDPOINT", offsetof (struct holo_hologram_options, ctp96_endpoint) },
  };
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
    if (env (strings[i].name))
      set_str ((char **) ((char *) o + strings[i].offset), env (strings[i].name));
  env_ms (o, "HOLOGRAM_WITNESS_TIMEOUT_MS", &o->witness_timeout_ms);
  env_ms (o, "HOLOGRAM_VERIFY_TIMEOUT_MS", &o->verify_timeout_ms);
  env_ms (o, "HOLOGRAM_CTP96_TIMEOUT_MS", &o->ctp96_timeout_ms);
  env_bool (o, "HOLOGRAM_VERBOSE", &o->verbose);
  env_bool (o, "HOLOGRAM_REQUIRE_SEALED", &o->require_sealed);
  const char *net = env ("HOLOGRAM_NET");
  if (net)
    o->ctp96 = strcmp (net, "ctp96") == 0;
}

bool
holo_hologram_env_configured (void)
{
  for (size_t i = 0; env_names[i]; i++)
    if (env (env_names[i]))
      return true;
  return false;
}

void
holo_hologram_options_load (struct holo_hologram_options *o)
{
  memset (o, 0, sizeof *o);
  o->witness_timeout_ms = DEFAULT_TIMEOUT_MS;
  o->ctp96_timeout_ms = DEFAULT_TIMEOUT_MS;
  o->verify_timeout_ms = DEFAULT_VERIFY_TIMEOUT_MS;
  o->mode = HOLO_HOLOGRAM_PERMISSIVE;
  o->mode_source = holo_xstrdup ("configured without enforce");
  const char *named = env ("HOLOGRAM_POLICY");
  bool file = load_policy_file (o, named ? named : DEFAULT_POLICY_FILE, named != NULL);
  o->configured = file || holo_hologram_env_configured ();
  if (!o->configured)
    {
      o->mode = HOLO_HOLOGRAM_OFF;
      set_str (&o->mode_source, "not configured");
    }
  apply_env (o);
  if (o->trust_dir == NULL)
    o->trust_dir = holo_xstrdup (DEFAULT_TRUST_DIR);
  if (o->ctp96 && o->ctp96_endpoint == NULL)
    o->ctp96_endpoint = holo_xstrdup (DEFAULT_CTP96_ENDPOINT);
  /* A policy the admin wrote must not silently vanish: an unusable file
     or variable makes every check a violation, enforced.  */
  if (o->policy_error || o->env_error)
    {
      o->mode = HOLO_HOLOGRAM_ENFORCE;
      free (o->mode_source);
      o->mode_source = o->policy_error ? holo_xasprintf ("policy file %s is invalid", o->policy_file)
                                       : holo_xstrdup ("an invalid HOLOGRAM_* variable");
    }
}

const char *
holo_hologram_mode_name (enum holo_hologram_mode m)
{
  return m == HOLO_HOLOGRAM_ENFORCE ? "enforce" : m == HOLO_HOLOGRAM_OFF ? "off" : "permissive";
}
