// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with 192-bit nonces, via libsodium. Random nonces
// of that size can be drawn for practically unlimited messages per key, which removes the 2^32
// message bound of random-nonce AES-GCM. See crypto/aead.h for the contract. Thread-safe: the
// object holds only the key.
#pragma once

#include "crypto/aead.h"

namespace caas::crypto {

class XChaCha20Poly1305 final : public Aead {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 24;

  static Result<XChaCha20Poly1305> create(const SecretArray<kKeyBytes>& key);
  // Errors: kInvalidArgument unless key.size() == 32.
  static Result<XChaCha20Poly1305> create(const SecretBytes& key);

  [[nodiscard]] std::size_t nonce_bytes() const override { return kNonceBytes; }
  Status seal_into(Nonce nonce, ByteSpan plaintext, Aad aad, MutableByteSpan out) override;
  Status open_into(Nonce nonce, ByteSpan ciphertext, Aad aad, MutableByteSpan out) override;

 private:
  explicit XChaCha20Poly1305(SecretArray<kKeyBytes> key) : key_(std::move(key)) {}
  SecretArray<kKeyBytes> key_;
};

}  // namespace caas::crypto
