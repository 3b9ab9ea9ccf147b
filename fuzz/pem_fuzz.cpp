// Fuzzes the RSA key importers (crypto/rsa.h) with one input fed to all four: the PEM readers for
// private and public keys and the PKCS#8 and SubjectPublicKeyInfo DER readers. Properties, not
// just "no crash, no leak":
// - whenever an import succeeds, export -> import -> export gives identical bytes, for DER and
//   PEM alike, so an accepted key has one stable serialised form;
// - the public key of an accepted private key round-trips the same way;
// - every failure is kInvalidArgument (never an internal error, never a crash), and no import
//   leaves an error on OpenSSL's per-thread queue.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include <openssl/err.h>

#include "base/check.h"
#include "crypto/rsa.h"

namespace {

using caas::crypto::RsaPrivateKey;
using caas::crypto::RsaPublicKey;

void check_public(const RsaPublicKey& key) {
  const caas::Bytes der = key.to_spki_der();
  caas::Result<RsaPublicKey> from_der = RsaPublicKey::from_spki_der(der);
  CAAS_CHECK(from_der.ok() && from_der->to_spki_der() == der);
  const std::string pem = key.to_pem();
  caas::Result<RsaPublicKey> from_pem = RsaPublicKey::from_pem(pem);
  CAAS_CHECK(from_pem.ok() && from_pem->to_pem() == pem && from_pem->to_spki_der() == der);
  CAAS_CHECK(from_pem->bits() == key.bits());
}

void check_private(const RsaPrivateKey& key) {
  const caas::crypto::SecretBytes der = key.to_pkcs8_der();
  caas::Result<RsaPrivateKey> from_der = RsaPrivateKey::from_pkcs8_der(der.expose());
  CAAS_CHECK(from_der.ok() && from_der->to_pkcs8_der() == der);
  const caas::crypto::SecretBytes pem = key.to_pem();
  caas::Result<RsaPrivateKey> from_pem = RsaPrivateKey::from_pem(pem.expose());
  CAAS_CHECK(from_pem.ok() && from_pem->to_pem() == pem && from_pem->to_pkcs8_der() == der);
  check_public(key.public_key());
  CAAS_CHECK(from_pem->public_key().to_spki_der() == key.public_key().to_spki_der());
}

template <typename Key>
void check(const caas::Result<Key>& key) {
  // No stale OpenSSL error may outlive an import, or a later ossl::error() would report it.
  CAAS_CHECK(ERR_peek_error() == 0);
  if (!key.ok()) {
    CAAS_CHECK(key.status().code() == caas::ErrorCode::kInvalidArgument);
    return;
  }
  if constexpr (std::is_same_v<Key, RsaPrivateKey>) {
    check_private(*key);
  } else {
    check_public(*key);
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  check(RsaPrivateKey::from_pem(input));
  check(RsaPrivateKey::from_pkcs8_der(input));
  check(RsaPublicKey::from_pem(caas::as_chars(input)));
  check(RsaPublicKey::from_spki_der(input));
  return 0;
}
