#include "crypto/aead.h"

namespace caas::crypto {

Result<Bytes> Aead::seal(Nonce nonce, ByteSpan plaintext, Aad aad) {
  Bytes out(plaintext.size() + kAeadTagBytes);
  CAAS_TRY(seal_into(nonce, plaintext, aad, out));
  return out;
}

Result<SecretBytes> Aead::open(Nonce nonce, ByteSpan ciphertext, Aad aad) {
  if (ciphertext.size() < kAeadTagBytes) {
    return decryption_failed();
  }
  SecretBytes out(ciphertext.size() - kAeadTagBytes);
  CAAS_TRY(open_into(nonce, ciphertext, aad, out.expose_mutable()));
  return out;
}

}  // namespace caas::crypto
