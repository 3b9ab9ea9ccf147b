#include "crypto/xchacha20_poly1305.h"

#include <sodium.h>

#include "base/check.h"
#include "crypto/detail/sodium.h"

namespace caas::crypto {

static_assert(XChaCha20Poly1305::kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(XChaCha20Poly1305::kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

Result<XChaCha20Poly1305> XChaCha20Poly1305::create(const SecretArray<kKeyBytes>& key) {
  detail::ensure_sodium();
  return XChaCha20Poly1305(key.clone());
}

Result<XChaCha20Poly1305> XChaCha20Poly1305::create(const SecretBytes& key) {
  if (key.size() != kKeyBytes) {
    return invalid_argument("xchacha20-poly1305: key must be 32 bytes");
  }
  return create(SecretArray<kKeyBytes>::copy_of(key.expose().first<kKeyBytes>()));
}

Status XChaCha20Poly1305::seal_into(Nonce nonce, ByteSpan plaintext, Aad aad, MutableByteSpan out) {
  if (nonce.bytes().size() != kNonceBytes) {
    return invalid_argument("aead: nonce must be 24 bytes");
  }
  if (out.size() != plaintext.size() + kAeadTagBytes) {
    return invalid_argument("aead: output must be plaintext size + 16");
  }
  unsigned long long tag_size = 0;  // NOLINT(google-runtime-int): libsodium's type
  CAAS_CHECK(crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                 out.data(), out.data() + plaintext.size(), &tag_size, plaintext.data(),
                 plaintext.size(), aad.bytes().data(), aad.bytes().size(), nullptr,
                 nonce.bytes().data(), key_.expose().data()) == 0);
  return ok_status();
}

Status XChaCha20Poly1305::open_into(Nonce nonce, ByteSpan ciphertext, Aad aad,
                                    MutableByteSpan out) {
  if (nonce.bytes().size() != kNonceBytes) {
    return invalid_argument("aead: nonce must be 24 bytes");
  }
  if (ciphertext.size() < kAeadTagBytes) {
    return decryption_failed();
  }
  std::size_t body = ciphertext.size() - kAeadTagBytes;
  if (out.size() != body) {
    return invalid_argument("aead: output must be ciphertext size - 16");
  }
  // libsodium verifies the tag before decrypting anything (aead_xchacha20poly1305.c).
  if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
          out.data(), nullptr, ciphertext.data(), body, ciphertext.data() + body,
          aad.bytes().data(), aad.bytes().size(), nonce.bytes().data(),
          key_.expose().data()) != 0) {
    detail::secure_wipe(out.data(), out.size());
    return decryption_failed();
  }
  return ok_status();
}

}  // namespace caas::crypto
