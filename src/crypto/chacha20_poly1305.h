// ChaCha20-Poly1305 (RFC 8439) with 96-bit nonces, via OpenSSL. Constant-time in software, so it
// is the better choice on CPUs without AES instructions. See crypto/aead.h for the contract.
#pragma once

#include "crypto/detail/evp_aead.h"

namespace caas::crypto {

class ChaCha20Poly1305 final : public detail::EvpAead {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;

  static Result<ChaCha20Poly1305> create(const SecretArray<kKeyBytes>& key);
  // Errors: kInvalidArgument unless key.size() == 32.
  static Result<ChaCha20Poly1305> create(const SecretBytes& key);

 private:
  ChaCha20Poly1305() = default;
};

}  // namespace caas::crypto
