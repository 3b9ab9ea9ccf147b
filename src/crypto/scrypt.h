// scrypt (RFC 7914) through OpenSSL's EVP_PBE_scrypt. caas uses it only where a standard
// demands it: age's passphrase recipients (age spec, "scrypt recipient stanza").
// Thread-safe; memory-heavy (128 * r * N bytes): run it on a worker pool.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

struct ScryptParams {
  std::uint32_t log2_n = 18;  // N = 2^log2_n (age's default work factor is 18)
  std::uint32_t r = 8;
  std::uint32_t p = 1;
  // The most memory one call may use. A reader of untrusted files (age headers carry the work
  // factor) must bound it, or a file could ask for terabytes. 1 GiB + slack fits RFC 7914's
  // largest vector (N = 2^20, r = 8).
  std::uint64_t max_memory_bytes = (1ULL << 30) + (1ULL << 24);
};

// Derives `out_bytes` (1..1024) bytes. Errors: kInvalidArgument (log2_n outside 1..30, r or p
// zero, r*p >= 2^30, output size), kResourceExhausted (parameters need more than
// max_memory_bytes, or the allocation failed).
Result<SecretBytes> scrypt(ByteSpan password, ByteSpan salt, const ScryptParams& params,
                           std::size_t out_bytes);

}  // namespace caas::crypto
