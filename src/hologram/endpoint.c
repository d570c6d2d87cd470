/* HTTP transport for the witness endpoint and CTP-96 (libcurl).  The
   endpoint is only a transport: what it returns is verified like any other
   witness, so every failure here simply means "no witness".  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define HTTP_MAX_BODY (4 * 1024 * 1024)

struct http_body
{
  char *buf;
  size_t len;
};

static size_t
collect_body (char *data, size_t size, size_t nmemb, void *arg)
{
  struct http_body *b = arg;
  size_t n = size * nmemb;
  if (b->len + n > HTTP_MAX_BODY)
    return 0; /* aborts the transfer */
  b->buf = holo_xrealloc (b->buf, b->len + n + 1);
  memcpy (b->buf + b->len, data, n);
  b->len += n;
  b->buf[b->len] = '\0';
  return n;
}

static void
configure (CURL *c, const char *method, const char *url, const char *json_body, long timeout_ms,
           struct curl_slist *headers, struct http_body *body, char *errbuf)
{
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (c, CURLOPT_MAXREDIRS, 0L);
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (c, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt (c, CURLOPT_USERAGENT, "holo/" PACKAGE_VERSION);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  if (json_body)
    {
      curl_easy_setopt (c, CURLOPT_POSTFIELDS, json_body);
      curl_easy_setopt (c, CURLOPT_HTTPHEADER, headers);
    }
  if (strcmp (method, "GET") != 0 && strcmp (method, "POST") != 0)
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, method);
}

void
holo_http_request (const char *method, const char *url, const char *json_body, long timeout_ms,
                   struct holo_http_reply *reply)
{
  memset (reply, 0, sizeof *reply);
  if (holo_http_endpoint_refuses (url, timeout_ms, &reply->error))
    return;
  curl_global_init (CURL_GLOBAL_DEFAULT);
  CURL *c = curl_easy_init ();
  if (c == NULL)
    {
      reply->error = holo_xstrdup ("cannot initialise libcurl");
      return;
    }
  char errbuf[CURL_ERROR_SIZE] = "";
  struct http_body body = { NULL, 0 };
  struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
  configure (c, method, url, json_body, timeout_ms, headers, &body, errbuf);
  CURLcode rc = curl_easy_perform (c);
  if (rc == CURLE_OK)
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &reply->status);
  else
    reply->error = holo_xstrdup (*errbuf ? errbuf : curl_easy_strerror (rc));
  reply->body = body.buf;
  reply->len = body.len;
  if (rc != CURLE_OK)
    {
      free (reply->body);
      reply->body = NULL;
      reply->len = 0;
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (c);
}

void
holo_http_reply_free (struct holo_http_reply *r)
{
  free (r->body);
  free (r->error);
  memset (r, 0, sizeof *r);
}

int
holo_endpoint_fetch_witness (const char *endpoint, long timeout, const char *uor_id, char **json, size_t *len,
                             char **why)
{
  cleanup_free char *base = holo_xstrdup (endpoint);
  for (size_t n = strlen (base); n > 0 && base[n - 1] == '/'; n--)
    base[n - 1] = '\0';
  cleanup_free char *url = holo_xasprintf ("%s/v1/witness/%s", base, uor_id);
  if (timeout <= 0)
    timeout = 2000;
  struct holo_http_reply r;
  holo_http_request ("GET", url, NULL, timeout, &r);
  int found = 0;
  if (r.status == 200)
    {
      *json = r.body ? steal_pointer (&r.body) : holo_xstrdup ("");
      *len = r.len;
      found = 1;
    }
  else if (r.status == 0)
    *why = holo_xasprintf ("witness endpoint %s: %s", base, r.error ? r.error : "transport error");
  else if (r.status >= 300 && r.status < 400)
    *why = holo_xasprintf ("witness endpoint %s: HTTP %ld (redirects are not followed)", base, r.status);
  else
    *why = holo_xasprintf ("witness endpoint %s: HTTP %ld", base, r.status);
  holo_http_reply_free (&r);
  return found;
}
