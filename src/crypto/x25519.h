// X25519 Diffie-Hellman (RFC 7748 §5 and §6.1): the key agreement under age's X25519 recipients.
//
// X25519PrivateKey owns a 32-byte scalar in a SecretArray; X25519PublicKey is 32 public bytes (a
// u-coordinate). Both are immutable after construction, so concurrent const use is safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr std::size_t kX25519KeyBytes = 32;
inline constexpr std::size_t kX25519SharedBytes = 32;

using X25519Shared = SecretArray<kX25519SharedBytes>;

class X25519PublicKey {
 public:
  // Any 32 bytes encode a u-coordinate (RFC 7748 §5: the top bit is masked, non-canonical values
  // are reduced), so the only check is the length. Low-order points are refused later, by
  // x25519_shared(). Errors: kInvalidArgument if `bytes` is not 32 bytes long.
  static Result<X25519PublicKey> from_bytes(ByteSpan bytes);

  [[nodiscard]] const std::array<std::uint8_t, kX25519KeyBytes>& bytes() const { return bytes_; }

  friend bool operator==(const X25519PublicKey&, const X25519PublicKey&) = default;

 private:
  friend class X25519PrivateKey;
  explicit X25519PublicKey(const std::array<std::uint8_t, kX25519KeyBytes>& bytes)
      : bytes_(bytes) {}

  std::array<std::uint8_t, kX25519KeyBytes> bytes_;
};

class X25519PrivateKey {
 public:
  // A fresh key from the CSPRNG.
  static X25519PrivateKey generate();
  // Adopts `scalar` as the private key. Every 32-byte string is a valid key: the scalar is
  // clamped inside each multiplication (RFC 7748 §5, decodeScalar25519), not here, so bytes()
  // gives back exactly what came in.
  static X25519PrivateKey from_bytes(SecretArray<kX25519KeyBytes> scalar);

  X25519PrivateKey(X25519PrivateKey&&) noexcept = default;
  X25519PrivateKey& operator=(X25519PrivateKey&&) noexcept = default;
  X25519PrivateKey(const X25519PrivateKey&) = delete;
  X25519PrivateKey& operator=(const X25519PrivateKey&) = delete;
  ~X25519PrivateKey() = default;

  // X25519(scalar, 9), computed once at construction.
  [[nodiscard]] const X25519PublicKey& public_key() const { return public_key_; }
  // The unclamped scalar, for serialising the identity (age's AGE-SECRET-KEY-1…).
  [[nodiscard]] const SecretArray<kX25519KeyBytes>& bytes() const { return scalar_; }

 private:
  X25519PrivateKey(SecretArray<kX25519KeyBytes> scalar, const X25519PublicKey& public_key)
      : scalar_(std::move(scalar)), public_key_(public_key) {}

  friend Result<X25519Shared> x25519_shared(const X25519PrivateKey& private_key,
                                            const X25519PublicKey& peer);

  SecretArray<kX25519KeyBytes> scalar_;
  X25519PublicKey public_key_;
};

// The shared secret X25519(private_key, peer) (RFC 7748 §6.1). Errors: kInvalidArgument
// "x25519: low-order public key" when the result is all zeros, which happens exactly when `peer`
// is a point of small order on the curve or its twist, or a non-canonical encoding of one (the
// clamped scalar is a multiple of 8, which kills every such point). RFC 7748 §6.1 allows this
// check and age requires it: such a peer fixes the secret whatever our key.
Result<X25519Shared> x25519_shared(const X25519PrivateKey& private_key,
                                   const X25519PublicKey& peer);

}  // namespace caas::crypto
