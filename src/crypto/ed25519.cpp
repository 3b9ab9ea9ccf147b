// Ed25519 through libsodium. Its verifier is the strict one we want: besides RFC 8032 §5.1.7 and
// the S < L check of §8.4 (no malleable signatures), it refuses small-order R and A and a
// non-canonical A, which OpenSSL 3.0 does not. Signing is the deterministic algorithm of §5.1.6,
// so the RFC's signatures are reproduced byte for byte.
#include "crypto/ed25519.h"

#include <algorithm>

#include <sodium.h>

#include "base/check.h"
#include "crypto/detail/sodium.h"
#include "crypto/random.h"

namespace caas::crypto {
namespace {

static_assert(kEd25519SeedBytes == crypto_sign_ed25519_SEEDBYTES);
static_assert(kEd25519PublicKeyBytes == crypto_sign_ed25519_PUBLICKEYBYTES);
static_assert(kEd25519SignatureBytes == crypto_sign_ed25519_BYTES);
static_assert(kEd25519SeedBytes + kEd25519PublicKeyBytes == crypto_sign_ed25519_SECRETKEYBYTES);

// libsodium's "secret key" is seed || A: signing hashes the seed for the scalar and the nonce
// prefix (RFC 8032 §5.1.5) and reads A from the second half, so no point multiplication is
// repeated per signature.
SecretArray<crypto_sign_ed25519_SECRETKEYBYTES> expanded_key(const SecretArray<32>& seed,
                                                             const Ed25519PublicKey& public_key) {
  SecretArray<crypto_sign_ed25519_SECRETKEYBYTES> key;
  std::span<std::uint8_t, crypto_sign_ed25519_SECRETKEYBYTES> out = key.expose_mutable();
  std::copy(seed.expose().begin(), seed.expose().end(), out.begin());
  std::copy(public_key.bytes().begin(), public_key.bytes().end(), out.begin() + kEd25519SeedBytes);
  return key;
}

}  // namespace

Result<Ed25519PublicKey> Ed25519PublicKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kEd25519PublicKeyBytes) {
    return invalid_argument("ed25519: public key must be 32 bytes");
  }
  detail::ensure_sodium();
  // Canonical, on the curve, not of small order and in the prime-order subgroup.
  if (crypto_core_ed25519_is_valid_point(bytes.data()) != 1) {
    return invalid_argument("ed25519: public key is not a valid point");
  }
  std::array<std::uint8_t, kEd25519PublicKeyBytes> copy{};
  std::copy(bytes.begin(), bytes.end(), copy.begin());
  return Ed25519PublicKey(copy);
}

Status Ed25519PublicKey::verify(ByteSpan message, ByteSpan signature) const {
  // A signature with bytes missing or appended is simply a bad signature (RFC 8032 §5.1.7
  // step 1), not a separate error the caller could learn from.
  if (signature.size() != kEd25519SignatureBytes) {
    return decryption_failed();
  }
  if (crypto_sign_ed25519_verify_detached(signature.data(), message.data(), message.size(),
                                          bytes_.data()) != 0) {
    return decryption_failed();
  }
  return ok_status();
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  // RFC 8032 §5.1.5: the private key is 32 random bytes.
  return from_seed(random_secret_array<kEd25519SeedBytes>());
}

Ed25519PrivateKey Ed25519PrivateKey::from_seed(SecretArray<kEd25519SeedBytes> seed) {
  detail::ensure_sodium();
  std::array<std::uint8_t, kEd25519PublicKeyBytes> public_bytes{};
  SecretArray<crypto_sign_ed25519_SECRETKEYBYTES> expanded;
  CAAS_CHECK(crypto_sign_ed25519_seed_keypair(public_bytes.data(), expanded.expose_mutable().data(),
                                              seed.expose().data()) == 0);
  return {std::move(seed), Ed25519PublicKey(public_bytes)};
}

Ed25519Signature Ed25519PrivateKey::sign(ByteSpan message) const {
  SecretArray<crypto_sign_ed25519_SECRETKEYBYTES> key = expanded_key(seed_, public_key_);
  Ed25519Signature signature{};
  CAAS_CHECK(crypto_sign_ed25519_detached(signature.data(), nullptr, message.data(), message.size(),
                                          key.expose().data()) == 0);
  return signature;
}

}  // namespace caas::crypto
