// X25519 through libsodium rather than OpenSSL: the function is a fixed-size scalar
// multiplication, and libsodium does it with no allocation, no EVP_PKEY per call and no provider
// dispatch (OpenSSL needs a raw-key EVP_PKEY, a context and a derive call for each agreement).
// crypto_scalarmult_curve25519 clamps the scalar and masks the top bit of u as RFC 7748 §5
// specifies, and it returns -1 when the output is all zeros (its generic wrapper checks this for
// every backend, ref10 and sandy2x alike), which is the §6.1 check we need.
#include "crypto/x25519.h"

#include <algorithm>

#include <sodium.h>

#include "base/check.h"
#include "crypto/detail/sodium.h"
#include "crypto/random.h"

namespace caas::crypto {
namespace {

static_assert(kX25519KeyBytes == crypto_scalarmult_curve25519_SCALARBYTES);
static_assert(kX25519KeyBytes == crypto_scalarmult_curve25519_BYTES);

X25519PublicKey derive_public(const SecretArray<kX25519KeyBytes>& scalar) {
  std::array<std::uint8_t, kX25519KeyBytes> point{};
  // Would fail only on an all-zero result: impossible, since clamping makes the scalar 8m with
  // 0 < m < 2^252, below the prime order of the base point.
  CAAS_CHECK(crypto_scalarmult_curve25519_base(point.data(), scalar.expose().data()) == 0);
  Result<X25519PublicKey> key = X25519PublicKey::from_bytes(point);
  CAAS_CHECK(key.ok());
  return std::move(key).value();
}

}  // namespace

Result<X25519PublicKey> X25519PublicKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kX25519KeyBytes) {
    return invalid_argument("x25519: public key must be 32 bytes");
  }
  std::array<std::uint8_t, kX25519KeyBytes> copy{};
  std::copy(bytes.begin(), bytes.end(), copy.begin());
  return X25519PublicKey(copy);
}

X25519PrivateKey X25519PrivateKey::generate() {
  // RFC 7748 §6.1: a private key is 32 random bytes; clamping happens at use.
  return from_bytes(random_secret_array<kX25519KeyBytes>());
}

X25519PrivateKey X25519PrivateKey::from_bytes(SecretArray<kX25519KeyBytes> scalar) {
  detail::ensure_sodium();
  X25519PublicKey public_key = derive_public(scalar);
  return {std::move(scalar), public_key};
}

Result<X25519Shared> x25519_shared(const X25519PrivateKey& private_key,
                                   const X25519PublicKey& peer) {
  X25519Shared shared;
  if (crypto_scalarmult_curve25519(shared.expose_mutable().data(),
                                   private_key.scalar_.expose().data(), peer.bytes().data()) != 0) {
    // Whatever the backend left in `shared` (zeros, or nothing for ref10's early small-order
    // exit) is wiped by its destructor.
    return invalid_argument("x25519: low-order public key");
  }
  return shared;
}

}  // namespace caas::crypto
