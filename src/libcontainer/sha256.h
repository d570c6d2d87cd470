/* SHA-256 (FIPS 180-4) for small inputs, that costs nothing to start:
   Hologram's symlink targets, tree lines, shard names and cache checksums;
   the shim's socket name (which keeps the shim from loading libcrypto).
   OpenSSL's is much faster on bulk data (it uses the CPU's SHA
   instructions), but initialising its provider costs about a millisecond,
   which is most of a warm verification of a small tree.  Both give the
   same digests (tests/unit/test-hologram.c checks this one against
   OpenSSL; tests/shim/test-shim.c against FIPS 180-4's vectors).  */
#ifndef HOLO_SHA256_H
#define HOLO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HOLO_SHA256_LEN 32

struct holo_sha256
{
  uint32_t state[8];
  uint64_t bytes;
  unsigned char buf[64];
  size_t fill;
};
void holo_sha256_init (struct holo_sha256 *s);
void holo_sha256_update (struct holo_sha256 *s, const void *data, size_t len);
void holo_sha256_final (struct holo_sha256 *s, unsigned char out[HOLO_SHA256_LEN]);
void holo_sha256 (const void *data, size_t len, unsigned char out[HOLO_SHA256_LEN]);

/* The LEN bytes at IN as 2*LEN lowercase hex digits and a NUL at OUT.  */
void holo_hex (const unsigned char *in, size_t len, char *out);

#endif
