// HKDF-SHA-256 (RFC 5869) through OpenSSL's EVP_KDF. Used for every derived key in caas: the
// container payload key, per-user KEKs, derived transit keys, the zero-knowledge client keys.
// Every call site passes an explicit, distinct `info` string (domain separation).
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr std::size_t kHkdfSha256MaxOutputBytes =
    255 * 32;  // RFC 5869 §2.3: L <= 255*HashLen
// Our bound on `info` (OpenSSL 3.0 refuses more than 32 KiB). Info strings are labels plus ids;
// anything longer is a caller's mistake or an attack, refused as kInvalidArgument.
inline constexpr std::size_t kHkdfMaxInfoBytes = 1024;

// Extract-then-expand. An empty salt means "not provided" (RFC 5869 §2.2: HashLen zero bytes).
// Errors: kInvalidArgument when out_bytes is 0 or over kHkdfSha256MaxOutputBytes, or info is
// over kHkdfMaxInfoBytes.
Result<SecretBytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::size_t out_bytes);

// The two halves separately (RFC 5869 §2.2 and §2.3), for callers that derive many keys from one
// pseudorandom key and for the RFC's PRK test values.
SecretArray<32> hkdf_sha256_extract(ByteSpan ikm, ByteSpan salt);
Result<SecretBytes> hkdf_sha256_expand(const SecretArray<32>& prk, ByteSpan info,
                                       std::size_t out_bytes);

// Convenience for the common case of a 32-byte key. Errors: as hkdf_sha256 (an overlong info).
Result<SecretArray<32>> hkdf_sha256_key(ByteSpan ikm, ByteSpan salt, ByteSpan info);

}  // namespace caas::crypto
