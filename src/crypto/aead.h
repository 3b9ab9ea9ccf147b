// Aead: authenticated encryption with associated data, the interface every symmetric cipher in
// caas implements (Tink's tink/aead.h). Implementations: Aes256Gcm, ChaCha20Poly1305 (OpenSSL),
// XChaCha20Poly1305 (libsodium).
//
// Ciphertexts are `encrypted bytes || 16-byte tag`. The nonce is the caller's: each (key, nonce)
// pair must be used for at most one message. Decryption releases nothing unless the tag
// verifies: on any failure the output buffer is zeroed and the error is the one
// decryption_failed(), whatever went wrong (Tink's AEAD contract).
//
// Instances keep a keyed cipher context and are NOT thread-safe: use one per thread (creating one
// costs about a microsecond). They are movable, and wipe the key on destruction.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr std::size_t kAeadTagBytes = 16;

// Distinct wrapper types, so that a nonce and associated data cannot be swapped at a call site.
class Nonce {
 public:
  explicit Nonce(ByteSpan bytes) : bytes_(bytes) {}
  [[nodiscard]] ByteSpan bytes() const { return bytes_; }

 private:
  ByteSpan bytes_;
};

class Aad {
 public:
  explicit Aad(ByteSpan bytes) : bytes_(bytes) {}
  static Aad none() { return Aad(ByteSpan()); }
  [[nodiscard]] ByteSpan bytes() const { return bytes_; }

 private:
  ByteSpan bytes_;
};

class Aead {
 public:
  Aead() = default;
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;
  Aead(Aead&&) = default;
  Aead& operator=(Aead&&) = default;
  virtual ~Aead() = default;

  [[nodiscard]] virtual std::size_t nonce_bytes() const = 0;

  // Encrypts into `out`, which must hold plaintext.size() + kAeadTagBytes bytes.
  // Errors: kInvalidArgument for a wrong nonce or output size.
  virtual Status seal_into(Nonce nonce, ByteSpan plaintext, Aad aad, MutableByteSpan out) = 0;

  // Decrypts into `out`, which must hold ciphertext.size() - kAeadTagBytes bytes. `out` is zeroed
  // on failure. Errors: kDecryptionFailed (wrong key, nonce, aad, tampered or short ciphertext),
  // kInvalidArgument for a wrong nonce or output size.
  virtual Status open_into(Nonce nonce, ByteSpan ciphertext, Aad aad, MutableByteSpan out) = 0;

  // Allocating conveniences over the two above.
  Result<Bytes> seal(Nonce nonce, ByteSpan plaintext, Aad aad);
  Result<SecretBytes> open(Nonce nonce, ByteSpan ciphertext, Aad aad);
};

}  // namespace caas::crypto
