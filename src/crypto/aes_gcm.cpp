#include "crypto/aes_gcm.h"

namespace caas::crypto {

Result<Aes256Gcm> Aes256Gcm::create(const SecretArray<kKeyBytes>& key) {
  Aes256Gcm aead;
  CAAS_TRY(init(aead, detail::EvpAeadCipher::kAes256Gcm, key));
  return aead;
}

Result<Aes256Gcm> Aes256Gcm::create(const SecretBytes& key) {
  if (key.size() != kKeyBytes) {
    return invalid_argument("aes-256-gcm: key must be 32 bytes");
  }
  return create(SecretArray<kKeyBytes>::copy_of(key.expose().first<kKeyBytes>()));
}

}  // namespace caas::crypto
