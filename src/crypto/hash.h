// SHA-1 and SHA-2 digests (OpenSSL). SHA-1 exists only for HOTP/TOTP (RFC 4226 and RFC 6238
// mandate HMAC-SHA-1 by default); never use it for anything else.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "crypto/ossl.h"

namespace caas::crypto {

enum class HashAlgorithm { kSha1, kSha224, kSha256, kSha384, kSha512 };

inline constexpr std::size_t kSha256Bytes = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Bytes>;

// Output size of `algorithm` in bytes.
std::size_t digest_bytes(HashAlgorithm algorithm);

// The OpenSSL digest for `algorithm`, fetched once per process (implicit fetches on every call
// cost more than hashing a small message). Never null; the pointer lives for the process.
const EVP_MD* evp_md(HashAlgorithm algorithm);

Sha256Digest sha256(ByteSpan data);
Bytes hash(HashAlgorithm algorithm, ByteSpan data);

// Incremental SHA-256, for data that streams (file uploads). Not thread-safe; movable.
class Sha256 {
 public:
  Sha256();
  void update(ByteSpan data);
  // Returns the digest; the object is then reset for a new message.
  Sha256Digest finish();

 private:
  ossl::Ptr<EVP_MD_CTX> ctx_;
};

}  // namespace caas::crypto
