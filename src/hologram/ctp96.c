/* CTP-96 sessions (HOLOGRAM.md section 5): a lease per container, opened
   at create and closed at delete.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <string.h>

#define DEFAULT_CTP96_TIMEOUT_MS 2000

static char *
endpoint_base (const char *endpoint)
{
  char *base = holo_xstrdup (endpoint);
  for (size_t n = strlen (base); n > 0 && base[n - 1] == '/'; n--)
    base[n - 1] = '\0';
  return base;
}

static long
timeout_or_default (long t)
{
  return t > 0 ? t : DEFAULT_CTP96_TIMEOUT_MS;
}

static char *
request_json (const char *uor_id, const char *container_id)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_key_nstr (g, "uor_id", uor_id);
  holo_json_key_nstr (g, "container_id", container_id);
  yajl_gen_map_close (g);
  return holo_json_finish (g, NULL);
}

static int
parse_session (const char *body, struct holo_ctp96_session *s, holo_error_t *err)
{
  static const char *const sid_path[] = { "session_id", NULL };
  static const char *const lease_path[] = { "lease_id", NULL };
  static const char *const exp_path[] = { "expires_at", NULL };
  char errbuf[128] = "";
  yajl_val root = yajl_tree_parse (body, errbuf, sizeof errbuf);
  const char *sid = root ? holo_json_string (root, sid_path) : NULL;
  const char *lease = root ? holo_json_string (root, lease_path) : NULL;
  const char *exp = root ? holo_json_string (root, exp_path) : NULL;
  int ret = 0;
  if (sid == NULL || *sid == '\0' || lease == NULL || *lease == '\0')
    ret = holo_make_error (err, 0, "the session reply lacks session_id or lease_id");
  else
    {
      s->session_id = holo_xstrdup (sid);
      s->lease_id = holo_xstrdup (lease);
      s->expires_at = holo_xstrdup (exp);
    }
  yajl_tree_free (root);
  return ret;
}

int
holo_ctp96_open (const char *endpoint, long timeout_ms, const char *uor_id, const char *container_id,
                 struct holo_ctp96_session *s, holo_error_t *err)
{
  memset (s, 0, sizeof *s);
  cleanup_free char *base = endpoint_base (endpoint);
  cleanup_free char *url = holo_xasprintf ("%s/v1/sessions", base);
  cleanup_free char *body = request_json (uor_id, container_id);
  struct holo_http_reply r;
  holo_http_request ("POST", url, body, timeout_or_default (timeout_ms), &r);
  int ret = 0;
  if (r.status == 0)
    ret = holo_make_error (err, 0, "no CTP-96 lease: POST %s: %s", url, r.error ? r.error : "transport error");
  else if (r.status != 201)
    ret = holo_make_error (err, 0, "no CTP-96 lease: POST %s: HTTP %ld", url, r.status);
  else if (parse_session (r.body ? r.body : "", s, err) < 0)
    ret = holo_error_prefix (err, "no CTP-96 lease: POST %s", url);
  else
    s->endpoint = steal_pointer (&base);
  holo_http_reply_free (&r);
  return ret;
}

/* Percent-encodes everything but RFC 3986 unreserved characters.  */
static char *
path_escape (const char *s)
{
  char *out = holo_xmalloc (3 * strlen (s) + 1), *o = out;
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr ("-._~", c))
        *o++ = (char) c;
      else
        o += sprintf (o, "%%%02X", c);
    }
  *o = '\0';
  return out;
}

void
holo_ctp96_close (const char *endpoint, long timeout_ms, const char *session_id)
{
  if (endpoint == NULL || session_id == NULL)
    return;
  cleanup_free char *esc = path_escape (session_id);
  cleanup_free char *url = holo_xasprintf ("%s/v1/sessions/%s", endpoint, esc);
  struct holo_http_reply r;
  holo_http_request ("DELETE", url, NULL, timeout_or_default (timeout_ms), &r);
  if (r.status == 0)
    holo_log_warning ("hologram: close CTP-96 session: DELETE %s: %s", url, r.error ? r.error : "transport error");
  else if (r.status >= 300 && r.status != 404)
    holo_log_warning ("hologram: close CTP-96 session: DELETE %s: HTTP %ld", url, r.status);
  holo_http_reply_free (&r);
}

void
holo_ctp96_session_clear (struct holo_ctp96_session *s)
{
  free (s->endpoint);
  free (s->session_id);
  free (s->lease_id);
  free (s->expires_at);
  memset (s, 0, sizeof *s);
}
