/* libcrypto, loaded on first use (as curl_dl.c does for libcurl).  Linked
   directly, libcrypto.so.3 (4.5 MB, the largest of holo's libraries) was
   mapped and relocated by every holo command, twice per create/run/exec
   (the protected re-exec): about 0.8 ms each time on this project's
   machines (bench/RESULTS.md).  Only Hologram (UOR-ID, witnesses, the
   digest cache) and `holo hologram` use it, so only they pay for it.

   The functions below have OpenSSL's own names and signatures (the
   headers are included, so the compiler checks them), and the callers are
   written against the documented API unchanged.  Calling one that is not
   listed here fails at link time: add it to the table.  Without
   libcrypto.so.3 every call reports failure (NULL, 0 or -1, which the
   callers already handle) after one error line naming the library.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define HOLO_LIBCRYPTO "libcrypto.so.3"

static struct
{
  bool ok;
  void (*crypto_free) (void *, const char *, int);
  void (*err_clear_error) (void);
  int (*evp_digest) (const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *, ENGINE *);
  int (*evp_digest_final_ex) (EVP_MD_CTX *, unsigned char *, unsigned int *);
  int (*evp_digest_init_ex2) (EVP_MD_CTX *, const EVP_MD *, const OSSL_PARAM *);
  int (*evp_digest_sign) (EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
  int (*evp_digest_sign_init) (EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
  int (*evp_digest_update) (EVP_MD_CTX *, const void *, size_t);
  int (*evp_digest_verify) (EVP_MD_CTX *, const unsigned char *, size_t, const unsigned char *, size_t);
  int (*evp_digest_verify_init) (EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
  int (*evp_encode_block) (unsigned char *, const unsigned char *, int);
  void (*evp_md_ctx_free) (EVP_MD_CTX *);
  EVP_MD_CTX *(*evp_md_ctx_new) (void);
  void (*evp_pkey_free) (EVP_PKEY *);
  int (*evp_pkey_get_id) (const EVP_PKEY *);
  const EVP_MD *(*evp_sha256) (void);
  EVP_PKEY *(*pem_read_pubkey) (FILE *, EVP_PKEY **, pem_password_cb *, void *);
  EVP_PKEY *(*pem_read_private_key) (FILE *, EVP_PKEY **, pem_password_cb *, void *);
  int (*i2d_pubkey) (const EVP_PKEY *, unsigned char **);
} lib;

#define LOAD(field, name)                                                                                              \
  do                                                                                                                   \
    {                                                                                                                  \
      lib.field = (__typeof__ (lib.field)) dlsym (h, name);                                                            \
      if (lib.field == NULL)                                                                                           \
        {                                                                                                              \
          holo_log_error ("%s has no %s", HOLO_LIBCRYPTO, name);                                                       \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static void
load_once (void)
{
  void *h = dlopen (HOLO_LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      holo_log_error ("cannot load %s (needed for Hologram): %s", HOLO_LIBCRYPTO, dlerror ());
      return;
    }
  LOAD (crypto_free, "CRYPTO_free");
  LOAD (err_clear_error, "ERR_clear_error");
  LOAD (evp_digest, "EVP_Digest");
  LOAD (evp_digest_final_ex, "EVP_DigestFinal_ex");
  LOAD (evp_digest_init_ex2, "EVP_DigestInit_ex2");
  LOAD (evp_digest_sign, "EVP_DigestSign");
  LOAD (evp_digest_sign_init, "EVP_DigestSignInit");
  LOAD (evp_digest_update, "EVP_DigestUpdate");
  LOAD (evp_digest_verify, "EVP_DigestVerify");
  LOAD (evp_digest_verify_init, "EVP_DigestVerifyInit");
  LOAD (evp_encode_block, "EVP_EncodeBlock");
  LOAD (evp_md_ctx_free, "EVP_MD_CTX_free");
  LOAD (evp_md_ctx_new, "EVP_MD_CTX_new");
  LOAD (evp_pkey_free, "EVP_PKEY_free");
  LOAD (evp_pkey_get_id, "EVP_PKEY_get_id");
  LOAD (evp_sha256, "EVP_sha256");
  LOAD (pem_read_pubkey, "PEM_read_PUBKEY");
  LOAD (pem_read_private_key, "PEM_read_PrivateKey");
  LOAD (i2d_pubkey, "i2d_PUBKEY");
  lib.ok = true;
}

/* Once, whichever thread comes first: the file hashers (hash.c) may be the
   first callers, several at a time.  */
static bool
load_libcrypto (void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once (&once, load_once);
  return lib.ok;
}

/* Outside libcontainer's hidden visibility (Makefile.am): `holo hologram`
   (src/runtime/cmd_hologram.c) calls OpenSSL too.  */
#pragma GCC visibility push(default)

void
CRYPTO_free (void *p, const char *file, int line)
{
  if (p && load_libcrypto ())
    lib.crypto_free (p, file, line);
}

void
ERR_clear_error (void)
{
  if (load_libcrypto ())
    lib.err_clear_error ();
}

int
EVP_Digest (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl)
{
  return load_libcrypto () ? lib.evp_digest (data, count, md, size, type, impl) : 0;
}

int
EVP_DigestFinal_ex (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
  return load_libcrypto () ? lib.evp_digest_final_ex (ctx, md, s) : 0;
}

int
EVP_DigestInit_ex2 (EVP_MD_CTX *ctx, const EVP_MD *type, const OSSL_PARAM params[])
{
  return load_libcrypto () ? lib.evp_digest_init_ex2 (ctx, type, params) : 0;
}

int
EVP_DigestSign (EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen)
{
  return load_libcrypto () ? lib.evp_digest_sign (ctx, sigret, siglen, tbs, tbslen) : 0;
}

int
EVP_DigestSignInit (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey)
{
  return load_libcrypto () ? lib.evp_digest_sign_init (ctx, pctx, type, e, pkey) : 0;
}

int
EVP_DigestUpdate (EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
  return load_libcrypto () ? lib.evp_digest_update (ctx, d, cnt) : 0;
}

int
EVP_DigestVerify (EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs, size_t tbslen)
{
  return load_libcrypto () ? lib.evp_digest_verify (ctx, sigret, siglen, tbs, tbslen) : -1;
}

int
EVP_DigestVerifyInit (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey)
{
  return load_libcrypto () ? lib.evp_digest_verify_init (ctx, pctx, type, e, pkey) : 0;
}

int
EVP_EncodeBlock (unsigned char *t, const unsigned char *f, int n)
{
  if (!load_libcrypto ())
    {
      t[0] = '\0';
      return 0;
    }
  return lib.evp_encode_block (t, f, n);
}

void
EVP_MD_CTX_free (EVP_MD_CTX *ctx)
{
  if (ctx && load_libcrypto ())
    lib.evp_md_ctx_free (ctx);
}

EVP_MD_CTX *
EVP_MD_CTX_new (void)
{
  return load_libcrypto () ? lib.evp_md_ctx_new () : NULL;
}

void
EVP_PKEY_free (EVP_PKEY *pkey)
{
  if (pkey && load_libcrypto ())
    lib.evp_pkey_free (pkey);
}

int
EVP_PKEY_get_id (const EVP_PKEY *pkey)
{
  return load_libcrypto () ? lib.evp_pkey_get_id (pkey) : EVP_PKEY_NONE;
}

const EVP_MD *
EVP_sha256 (void)
{
  return load_libcrypto () ? lib.evp_sha256 () : NULL;
}

EVP_PKEY *
PEM_read_PUBKEY (FILE *fp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
  return load_libcrypto () ? lib.pem_read_pubkey (fp, x, cb, u) : NULL;
}

EVP_PKEY *
PEM_read_PrivateKey (FILE *fp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
  return load_libcrypto () ? lib.pem_read_private_key (fp, x, cb, u) : NULL;
}

int
i2d_PUBKEY (const EVP_PKEY *a, unsigned char **pp)
{
  return load_libcrypto () ? lib.i2d_pubkey (a, pp) : -1;
}

#pragma GCC visibility pop

/* Below this, starting OpenSSL costs more than its speed gives.  */
#define SHA256_BULK_MIN (256 * 1024)

int
holo_sha256_any (const void *data, size_t len, unsigned char out[HOLO_SHA256_LEN])
{
  if (len < SHA256_BULK_MIN)
    {
      holo_sha256 (data, len, out);
      return 0;
    }
  unsigned int n = 0;
  return EVP_Digest (data, len, out, &n, EVP_sha256 (), NULL) == 1 ? 0 : -1;
}
