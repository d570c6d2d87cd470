/* holo shim — SHA-256 (FIPS 180-4), for the socket name only: a few lines
   here keep the shim from loading libcrypto.  */
#ifndef HOLO_SHIM_SHA256_H
#define HOLO_SHIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

void shim_sha256 (const void *data, size_t len, uint8_t digest[32]);

#endif
