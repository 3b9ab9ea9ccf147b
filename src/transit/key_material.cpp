#include "transit/key_material.h"

#include <span>

#include "base/base64.h"
#include "crypto/ed25519.h"
#include "crypto/random.h"
#include "crypto/rsa.h"

namespace caas::transit {

Result<crypto::SecretBytes> generate_material(KeyType type) {
  if (type == KeyType::kRsa3072) {
    CAAS_ASSIGN_OR_RETURN(crypto::RsaPrivateKey key,
                          crypto::RsaPrivateKey::generate(kRsaModulusBits));
    return key.to_pkcs8_der();
  }
  // Symmetric keys and the Ed25519 seed are 32 uniformly random bytes (RFC 8032 §5.1.5: any
  // 32 bytes are a valid seed).
  return crypto::random_secret(kSymmetricKeyBytes);
}

Result<std::string> public_key_of(KeyType type, ByteSpan material) {
  switch (type) {
    case KeyType::kEd25519: {
      if (material.size() != crypto::kEd25519SeedBytes) {
        return invalid_argument("transit: ed25519 material must be a 32-byte seed");
      }
      crypto::Ed25519PrivateKey key =
          crypto::Ed25519PrivateKey::from_seed(crypto::SecretArray<32>::copy_of(
              std::span<const std::uint8_t, crypto::kEd25519SeedBytes>(material.data(), 32)));
      return base64_encode(key.public_key().bytes());
    }
    case KeyType::kRsa3072: {
      Result<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::from_pkcs8_der(material);
      if (!key.ok() || key->bits() != kRsaModulusBits) {
        return invalid_argument("transit: rsa-3072 material must be a 3072-bit PKCS#8 key");
      }
      return base64_encode(key->public_key().to_spki_der());
    }
    default:
      return invalid_argument("transit: " + std::string(key_type_name(type)) +
                              " keys have no public key");
  }
}

Result<crypto::SecretBytes> new_data_key(unsigned bits) {
  if (bits != 128 && bits != 256 && bits != 512) {
    return invalid_argument("transit: data key bits must be 128, 256 or 512");
  }
  return crypto::random_secret(bits / 8);
}

}  // namespace caas::transit
