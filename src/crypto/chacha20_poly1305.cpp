#include "crypto/chacha20_poly1305.h"

namespace caas::crypto {

Result<ChaCha20Poly1305> ChaCha20Poly1305::create(const SecretArray<kKeyBytes>& key) {
  ChaCha20Poly1305 aead;
  CAAS_TRY(init(aead, detail::EvpAeadCipher::kChaCha20Poly1305, key));
  return aead;
}

Result<ChaCha20Poly1305> ChaCha20Poly1305::create(const SecretBytes& key) {
  if (key.size() != kKeyBytes) {
    return invalid_argument("chacha20-poly1305: key must be 32 bytes");
  }
  return create(SecretArray<kKeyBytes>::copy_of(key.expose().first<kKeyBytes>()));
}

}  // namespace caas::crypto
