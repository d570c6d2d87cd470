/* libcurl, loaded on first use.  Linking it directly makes every holo
   command (state, kill, delete… which engines run constantly) load libcurl
   and its ~30 dependencies (TLS, Kerberos, LDAP, SSH) twice — once more for
   the sealed re-exec — which cost more than the whole container start.
   Only the witness endpoint and CTP-96 clients use it, so those pay for it.

   The functions below have libcurl's own names and signatures, so
   endpoint.c is written against the documented API unchanged.  Without
   libcurl.so.4 on the system, curl_easy_init returns NULL and the caller
   reports "cannot initialise libcurl" (a transport error: no witness).  */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

static struct
{
  bool tried;
  CURLcode (*global_init) (long);
  CURL *(*easy_init) (void);
  CURLcode (*easy_setopt) (CURL *, CURLoption, ...);
  CURLcode (*easy_perform) (CURL *);
  CURLcode (*easy_getinfo) (CURL *, CURLINFO, ...);
  void (*easy_cleanup) (CURL *);
  const char *(*easy_strerror) (CURLcode);
  struct curl_slist *(*slist_append) (struct curl_slist *, const char *);
  void (*slist_free_all) (struct curl_slist *);
} lib;

static bool
load_libcurl (void)
{
  if (lib.tried)
    return lib.easy_init != NULL;
  lib.tried = true;
  void *h = dlopen ("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return false;
  lib.global_init = (CURLcode (*) (long)) dlsym (h, "curl_global_init");
  lib.easy_setopt = (CURLcode (*) (CURL *, CURLoption, ...)) dlsym (h, "curl_easy_setopt");
  lib.easy_perform = (CURLcode (*) (CURL *)) dlsym (h, "curl_easy_perform");
  lib.easy_getinfo = (CURLcode (*) (CURL *, CURLINFO, ...)) dlsym (h, "curl_easy_getinfo");
  lib.easy_cleanup = (void (*) (CURL *)) dlsym (h, "curl_easy_cleanup");
  lib.easy_strerror = (const char *(*) (CURLcode)) dlsym (h, "curl_easy_strerror");
  lib.slist_append = (struct curl_slist * (*) (struct curl_slist *, const char *) ) dlsym (h, "curl_slist_append");
  lib.slist_free_all = (void (*) (struct curl_slist *)) dlsym (h, "curl_slist_free_all");
  CURL *(*init) (void) = (CURL * (*) (void) ) dlsym (h, "curl_easy_init");
  if (!lib.global_init || !lib.easy_setopt || !lib.easy_perform || !lib.easy_getinfo || !lib.easy_cleanup
      || !lib.easy_strerror || !lib.slist_append || !lib.slist_free_all || !init)
    return false;
  lib.easy_init = init;
  return true;
}

CURLcode
curl_global_init (long flags)
{
  return load_libcurl () ? lib.global_init (flags) : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init (void)
{
  return load_libcurl () ? lib.easy_init () : NULL;
}

/* The third argument's type follows from the option number's range, as
   libcurl's own headers define it.  */
CURLcode
curl_easy_setopt (CURL *c, CURLoption opt, ...)
{
  va_list ap;
  CURLcode rc;
  va_start (ap, opt);
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = lib.easy_setopt (c, opt, va_arg (ap, long));
  else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
    rc = lib.easy_setopt (c, opt, va_arg (ap, curl_off_t));
  else
    rc = lib.easy_setopt (c, opt, va_arg (ap, void *));
  va_end (ap);
  return rc;
}

CURLcode
curl_easy_perform (CURL *c)
{
  return lib.easy_perform (c);
}

CURLcode
curl_easy_getinfo (CURL *c, CURLINFO info, ...)
{
  va_list ap;
  va_start (ap, info);
  CURLcode rc = lib.easy_getinfo (c, info, va_arg (ap, void *));
  va_end (ap);
  return rc;
}

void
curl_easy_cleanup (CURL *c)
{
  lib.easy_cleanup (c);
}

const char *
curl_easy_strerror (CURLcode rc)
{
  return load_libcurl () ? lib.easy_strerror (rc) : "libcurl is not available";
}

struct curl_slist *
curl_slist_append (struct curl_slist *l, const char *s)
{
  return load_libcurl () ? lib.slist_append (l, s) : NULL;
}

void
curl_slist_free_all (struct curl_slist *l)
{
  if (l && load_libcurl ())
    lib.slist_free_all (l);
}
