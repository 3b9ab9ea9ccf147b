// The CSPRNG: OpenSSL's RAND_bytes (a DRBG seeded from the OS, reseeded across fork()).
// Thread-safe. A failure to produce random bytes is unrecoverable and aborts: continuing with
// weak randomness would be worse than stopping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "crypto/secret.h"

namespace caas::crypto {

// Fills `out` with random bytes.
void random_fill(MutableByteSpan out);

// `size` random bytes for values that are not secret (nonces, salts, ids).
Bytes random_bytes(std::size_t size);

// `size` random bytes for key material.
SecretBytes random_secret(std::size_t size);

template <std::size_t N>
SecretArray<N> random_secret_array() {
  SecretArray<N> secret;
  random_fill(secret.expose_mutable());
  return secret;
}

// Random bytes for values that are public once used — nonces, ids — drawn from a per-thread
// buffer that the CSPRNG refills 4 KiB at a time. The same generator, a fraction of the cost per
// call for small draws (a transit encryption needs 12 bytes). Never use it for keys: unused
// buffered bytes sit in ordinary memory. caasd does not fork, so no two processes share a buffer.
void random_fill_public(MutableByteSpan out);

// A uniformly distributed integer in [0, bound) without modulo bias; bound > 0.
std::uint32_t random_uniform(std::uint32_t bound);

// A random (version 4) UUID in lower-case text form, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string random_uuid();

}  // namespace caas::crypto
