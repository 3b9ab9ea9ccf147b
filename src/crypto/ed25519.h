// Ed25519 signatures (RFC 8032 §5.1), pure mode: no prehash, no context.
//
// Ed25519PrivateKey owns the 32-byte seed (RFC 8032's "private key") in a SecretArray and keeps
// the public key next to it; Ed25519PublicKey is 32 public bytes. Both are immutable after
// construction, so concurrent const use (signing, verifying) is safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;

using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureBytes>;

class Ed25519PublicKey {
 public:
  // Parses an encoded point A (RFC 8032 §5.1.2). Errors: kInvalidArgument if `bytes` is not 32
  // bytes or is not the canonical encoding of a curve point of large prime order (small-order
  // and mixed-order points are refused: no honest key has them).
  static Result<Ed25519PublicKey> from_bytes(ByteSpan bytes);

  // Verifies `signature` over `message` (RFC 8032 §5.1.7), strictly: S must be below the group
  // order L and R must not have small order, so signatures are not malleable. Errors: the one
  // decryption_failed() status (kDecryptionFailed) for any bad signature, including one that is
  // not 64 bytes long.
  [[nodiscard]] Status verify(ByteSpan message, ByteSpan signature) const;

  [[nodiscard]] const std::array<std::uint8_t, kEd25519PublicKeyBytes>& bytes() const {
    return bytes_;
  }

  friend bool operator==(const Ed25519PublicKey&, const Ed25519PublicKey&) = default;

 private:
  friend class Ed25519PrivateKey;
  explicit Ed25519PublicKey(const std::array<std::uint8_t, kEd25519PublicKeyBytes>& bytes)
      : bytes_(bytes) {}

  std::array<std::uint8_t, kEd25519PublicKeyBytes> bytes_;
};

class Ed25519PrivateKey {
 public:
  // A fresh key: a seed from the CSPRNG.
  static Ed25519PrivateKey generate();
  // The key for `seed` (RFC 8032 §5.1.5). Every 32-byte seed is valid.
  static Ed25519PrivateKey from_seed(SecretArray<kEd25519SeedBytes> seed);

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;
  ~Ed25519PrivateKey() = default;

  [[nodiscard]] const Ed25519PublicKey& public_key() const { return public_key_; }
  [[nodiscard]] const SecretArray<kEd25519SeedBytes>& seed() const { return seed_; }

  // The deterministic signature of `message` (RFC 8032 §5.1.6). Cannot fail.
  [[nodiscard]] Ed25519Signature sign(ByteSpan message) const;

 private:
  Ed25519PrivateKey(SecretArray<kEd25519SeedBytes> seed, const Ed25519PublicKey& public_key)
      : seed_(std::move(seed)), public_key_(public_key) {}

  SecretArray<kEd25519SeedBytes> seed_;
  Ed25519PublicKey public_key_;
};

}  // namespace caas::crypto
