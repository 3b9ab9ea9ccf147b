// HMAC (RFC 2104) over the SHA family, through OpenSSL's EVP_MAC. Keys are passed as spans so
// that both SecretBytes::expose() and SecretArray::expose() fit; nothing here keeps a copy
// beyond the lifetime of an HmacSha256 object, which wipes its state.
#pragma once

#include <array>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/hash.h"
#include "crypto/ossl.h"

namespace caas::crypto {

inline constexpr std::size_t kHmacSha256Bytes = 32;
using HmacSha256Tag = std::array<std::uint8_t, kHmacSha256Bytes>;

// HMAC of `message` under `key` with `algorithm`; the tag has digest_bytes(algorithm) bytes.
Bytes hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan message);

HmacSha256Tag hmac_sha256(ByteSpan key, ByteSpan message);

// Checks a full-length HMAC-SHA-256 tag in constant time. Errors: kDecryptionFailed.
Status hmac_sha256_verify(ByteSpan key, ByteSpan message, ByteSpan tag);

// Incremental HMAC-SHA-256 (audit hash chains, streamed data). Not thread-safe; movable.
class HmacSha256 {
 public:
  explicit HmacSha256(ByteSpan key);
  void update(ByteSpan data);
  // Returns the tag; the object is then reset (same key) for a new message.
  HmacSha256Tag finish();

 private:
  ossl::Ptr<EVP_MAC_CTX> ctx_;
};

}  // namespace caas::crypto
