// EvpAead: the Aead implementation shared by the OpenSSL ciphers (AES-256-GCM and
// ChaCha20-Poly1305), plus an incremental interface for data that arrives in pieces.
//
// The key is scheduled once, in create(); each message only re-initialises the nonce. That is
// what keeps our per-message overhead negligible against `openssl speed` (bench/crypto).
#pragma once

#include <span>

#include <openssl/evp.h>

#include "crypto/aead.h"
#include "crypto/ossl.h"

namespace caas::crypto::detail {

enum class EvpAeadCipher { kAes256Gcm, kChaCha20Poly1305 };

class EvpAead : public Aead {
 public:
  [[nodiscard]] std::size_t nonce_bytes() const override { return kNonceBytes; }
  Status seal_into(Nonce nonce, ByteSpan plaintext, Aad aad, MutableByteSpan out) override;
  Status open_into(Nonce nonce, ByteSpan ciphertext, Aad aad, MutableByteSpan out) override;

  // Incremental use: begin_seal/begin_open, then update() any number of times, then
  // finish_seal/finish_open. In open mode the bytes update() writes are NOT authenticated until
  // finish_open() succeeds: the caller must not release them before, and must wipe them if it
  // fails. Errors: kInvalidArgument (nonce size, buffer sizes), kDecryptionFailed (finish_open).
  Status begin_seal(Nonce nonce, Aad aad);
  Status begin_open(Nonce nonce, Aad aad);
  Status update(ByteSpan in, MutableByteSpan out);
  Status finish_seal(std::span<std::uint8_t, kAeadTagBytes> tag);
  Status finish_open(std::span<const std::uint8_t, kAeadTagBytes> tag);

  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kKeyBytes = 32;

 protected:
  static Status init(EvpAead& aead, EvpAeadCipher cipher, const SecretArray<kKeyBytes>& key);
  EvpAead() = default;

 private:
  Status begin(Nonce nonce, Aad aad, int encrypt);

  ossl::Ptr<EVP_CIPHER_CTX> ctx_;
};

}  // namespace caas::crypto::detail
