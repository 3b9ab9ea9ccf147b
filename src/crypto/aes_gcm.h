// AES-256-GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags, via OpenSSL (AES-NI and
// PCLMULQDQ where the CPU has them). See crypto/aead.h for the contract.
//
// Random 96-bit nonces are safe for at most 2^32 messages per key (SP 800-38D §8.3); callers that
// encrypt more count messages and rotate (transit does), or derive a fresh key per file (the
// container does).
#pragma once

#include "crypto/detail/evp_aead.h"

namespace caas::crypto {

class Aes256Gcm final : public detail::EvpAead {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;

  static Result<Aes256Gcm> create(const SecretArray<kKeyBytes>& key);
  // For keys held as SecretBytes. Errors: kInvalidArgument unless key.size() == 32.
  static Result<Aes256Gcm> create(const SecretBytes& key);

 private:
  Aes256Gcm() = default;
};

}  // namespace caas::crypto
