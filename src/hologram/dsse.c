/* DSSE envelopes (HOLOGRAM.md section 2): base64, parsing, the
   pre-authentication encoding, Ed25519 signing, key ids.  */
#define _GNU_SOURCE
#include "hologram_internal.h"
#include "libcontainer/utils.h"

#include <openssl/x509.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static int
b64_value (unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

unsigned char *
holo_base64_decode (const char *in, size_t in_len, size_t *out_len)
{
  unsigned char *out = holo_xmalloc (in_len / 4 * 3 + 4);
  size_t o = 0, pad = 0;
  unsigned int acc = 0, nbits = 0, nchars = 0;
  for (size_t i = 0; i < in_len; i++)
    {
      unsigned char c = (unsigned char) in[i];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
        continue;
      if (c == '=')
        {
          pad++;
          continue;
        }
      int v = b64_value (c);
      if (v < 0 || pad > 0) /* a bad character, or data after padding */
        goto fail;
      acc = (acc << 6) | (unsigned int) v;
      nbits += 6;
      nchars++;
      if (nbits >= 8)
        {
          nbits -= 8;
          out[o++] = (unsigned char) (acc >> nbits);
          acc &= (1u << nbits) - 1;
        }
    }
  /* One leftover character cannot encode a byte; padding must complete the
     last group when present.  */
  if (nchars % 4 == 1 || pad > 2 || (pad > 0 && (nchars + pad) % 4 != 0))
    goto fail;
  out[o] = '\0';
  *out_len = o;
  return out;
fail:
  free (out);
  return NULL;
}

char *
holo_base64_encode (const unsigned char *in, size_t len)
{
  char *out = holo_xmalloc ((len + 2) / 3 * 4 + 1);
  EVP_EncodeBlock ((unsigned char *) out, in, (int) len);
  return out;
}

void
holo_dsse_free (struct holo_dsse *e)
{
  if (e == NULL)
    return;
  free (e->payload_type);
  free (e->payload);
  for (size_t i = 0; i < e->n_sigs; i++)
    {
      free (e->sigs[i].keyid);
      free (e->sigs[i].sig);
    }
  free (e->sigs);
  free (e);
}

static int
parse_signature (yajl_val v, size_t i, struct holo_dsse_sig *s, holo_error_t *err)
{
  static const char *const sig_path[] = { "sig", NULL };
  static const char *const keyid_path[] = { "keyid", NULL };
  if (!YAJL_IS_OBJECT (v))
    return holo_make_error (err, 0, "malformed witness: signatures[%zu]: not an object", i);
  const char *sig = holo_json_string (v, sig_path);
  if (sig == NULL)
    return holo_make_error (err, 0, "malformed witness: signatures[%zu].sig: missing", i);
  yajl_val k = yajl_tree_get (v, (const char **) keyid_path, yajl_t_any);
  if (k && !YAJL_IS_STRING (k))
    return holo_make_error (err, 0, "malformed witness: signatures[%zu].keyid: not a string", i);
  s->keyid = k ? holo_xstrdup (YAJL_GET_STRING (k)) : NULL;
  s->sig = holo_base64_decode (sig, strlen (sig), &s->sig_len);
  if (s->sig == NULL)
    return holo_make_error (err, 0, "malformed witness: signatures[%zu].sig: invalid base64", i);
  return 0;
}

static int
parse_tree (yajl_val root, struct holo_dsse *e, holo_error_t *err)
{
  static const char *const type_path[] = { "payloadType", NULL };
  static const char *const payload_path[] = { "payload", NULL };
  static const char *const sigs_path[] = { "signatures", NULL };
  if (!YAJL_IS_OBJECT (root))
    return holo_make_error (err, 0, "malformed witness: not a JSON object");
  const char *type = holo_json_string (root, type_path);
  const char *payload = holo_json_string (root, payload_path);
  yajl_val sigs = yajl_tree_get (root, (const char **) sigs_path, yajl_t_array);
  if (type == NULL)
    return holo_make_error (err, 0, "malformed witness: payloadType: missing");
  if (payload == NULL)
    return holo_make_error (err, 0, "malformed witness: payload: missing");
  if (sigs == NULL || YAJL_GET_ARRAY (sigs)->len == 0)
    return holo_make_error (err, 0, "malformed witness: signatures: missing or empty");
  e->payload_type = holo_xstrdup (type);
  e->payload = holo_base64_decode (payload, strlen (payload), &e->payload_len);
  if (e->payload == NULL)
    return holo_make_error (err, 0, "malformed witness: payload: invalid base64");
  size_t n = YAJL_GET_ARRAY (sigs)->len;
  e->sigs = holo_xmalloc (n * sizeof *e->sigs);
  for (size_t i = 0; i < n; i++)
    {
      /* Counted first: one that fails half-way (keyid read, sig not
         base64) is freed with the rest.  */
      e->n_sigs++;
      if (parse_signature (YAJL_GET_ARRAY (sigs)->values[i], i, &e->sigs[i], err) < 0)
        return -1;
    }
  return 0;
}

int
holo_dsse_parse (const char *json, size_t len, struct holo_dsse **out, holo_error_t *err)
{
  char errbuf[256] = "";
  cleanup_free char *copy = holo_xstrndup (json, len);
  if (strlen (copy) != len)
    return holo_make_error (err, 0, "malformed witness: NUL byte in the JSON");
  yajl_val root = yajl_tree_parse (copy, errbuf, sizeof errbuf);
  if (root == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return holo_make_error (err, 0, "malformed witness: invalid JSON: %s", errbuf);
    }
  struct holo_dsse *e = holo_xmalloc (sizeof *e);
  int r = parse_tree (root, e, err);
  yajl_tree_free (root);
  if (r < 0)
    {
      holo_dsse_free (e);
      return -1;
    }
  *out = e;
  return 0;
}

unsigned char *
holo_dsse_pae (const char *type, const unsigned char *payload, size_t payload_len, size_t *len)
{
  cleanup_free char *head = holo_xasprintf ("DSSEv1 %zu %s %zu ", strlen (type), type, payload_len);
  size_t hlen = strlen (head);
  unsigned char *out = holo_xmalloc (hlen + payload_len + 1);
  memcpy (out, head, hlen);
  memcpy (out + hlen, payload, payload_len);
  *len = hlen + payload_len;
  return out;
}

int
holo_keyid (EVP_PKEY *key, char keyid[65])
{
  unsigned char *der = NULL;
  int n = i2d_PUBKEY (key, &der);
  if (n <= 0)
    return -1;
  unsigned char md[HOLO_SHA256_LEN];
  unsigned int mdlen = 0;
  int ok = EVP_Digest (der, (size_t) n, md, &mdlen, EVP_sha256 (), NULL);
  OPENSSL_free (der);
  if (ok != 1)
    return -1;
  holo_hex (md, sizeof md, keyid);
  return 0;
}

static char *
envelope_json (const char *payload_b64, const char *keyid, const char *sig_b64)
{
  yajl_gen g = holo_json_new (NULL);
  yajl_gen_map_open (g);
  holo_json_str (g, "payloadType");
  holo_json_str (g, HOLO_DSSE_PAYLOAD_TYPE);
  holo_json_str (g, "payload");
  holo_json_str (g, payload_b64);
  holo_json_str (g, "signatures");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  holo_json_str (g, "keyid");
  holo_json_str (g, keyid);
  holo_json_str (g, "sig");
  holo_json_str (g, sig_b64);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  return holo_json_finish (g, NULL);
}

int
holo_dsse_sign (EVP_PKEY *key, const char *payload, char **envelope, holo_error_t *err)
{
  if (EVP_PKEY_get_id (key) != EVP_PKEY_ED25519)
    return holo_make_error (err, 0, "the signing key is not an Ed25519 private key");
  char keyid[65];
  if (holo_keyid (key, keyid) < 0)
    return holo_make_error (err, 0, "cannot encode the public key");
  size_t pae_len;
  cleanup_free unsigned char *pae
      = holo_dsse_pae (HOLO_DSSE_PAYLOAD_TYPE, (const unsigned char *) payload, strlen (payload), &pae_len);
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  int ok = ctx && EVP_DigestSignInit (ctx, NULL, NULL, NULL, key) == 1
           && EVP_DigestSign (ctx, sig, &sig_len, pae, pae_len) == 1;
  EVP_MD_CTX_free (ctx);
  if (!ok)
    return holo_make_error (err, 0, "Ed25519 signing failed");
  cleanup_free char *payload_b64 = holo_base64_encode ((const unsigned char *) payload, strlen (payload));
  cleanup_free char *sig_b64 = holo_base64_encode (sig, sig_len);
  *envelope = envelope_json (payload_b64, keyid, sig_b64);
  return 0;
}
