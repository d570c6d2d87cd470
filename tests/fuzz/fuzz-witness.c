/* fuzz-sources: */
/* fuzz-libs: -lcrypto */
/* Hologram witness parsing (HOLOGRAM.md section 2): the DSSE envelope a
   witness endpoint or file hands holo, and the in-toto statement inside it.
   The first input byte picks what the rest is:
     0  an envelope, verified against one trusted key (holo_witness_verify:
        holo_dsse_parse, base64, PAE, signatures);
     1  a statement, signed here with that key so that verification reaches
        the statement checks (types, subjects, uor_id, RFC 3339 dates);
     2  a base64 text and an RFC 3339 time on their own.  */
#include "hologram/hologram_internal.h"
#include "libcontainer/utils.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define UOR_ID "uor:sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define NOW ((time_t) 1735689600) /* 2025-01-01T00:00:00Z */

static struct holo_trusted_key trusted;
static struct holo_trust trust = { &trusted, 1 };

/* One fixed Ed25519 key, so that a corpus file signed with it stays valid. */
static void
load_key (void)
{
  static const unsigned char seed[32] = "holo fuzz witness signing key!!";
  trusted.key = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL, seed, sizeof seed);
  if (trusted.key == NULL || holo_keyid (trusted.key, trusted.keyid) < 0)
    __builtin_trap ();
}

static void
verify_envelope (const char *json, size_t len)
{
  char *reason = NULL;
  int ok = holo_witness_verify (json, len, UOR_ID, &trust, NOW, &reason);
  /* Not ok always says why; ok never does.  */
  if ((ok == 1) == (reason != NULL))
    __builtin_trap ();
  free (reason);
}

static void
verify_statement (const char *statement)
{
  char *envelope = NULL;
  holo_error_t err = NULL;
  if (holo_dsse_sign (trusted.key, statement, &envelope, &err) < 0)
    __builtin_trap ();
  verify_envelope (envelope, strlen (envelope));
  free (envelope);
}

static void
parse_scalars (const char *text, size_t len)
{
  size_t out_len = 0;
  free (holo_base64_decode (text, len, &out_len));
  time_t t;
  (void) holo_parse_rfc3339 (text, &t);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (trusted.key == NULL)
    load_key ();
  if (size == 0)
    return 0;
  size_t len = size - 1;
  char *text = holo_xmalloc (len + 1);
  memcpy (text, data + 1, len);
  switch (data[0] % 3)
    {
    case 0:
      verify_envelope (text, len);
      break;
    case 1:
      verify_statement (text);
      break;
    default:
      parse_scalars (text, len);
      break;
    }
  free (text);
  return 0;
}
