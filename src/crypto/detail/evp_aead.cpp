#include "crypto/detail/evp_aead.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "base/check.h"

namespace caas::crypto::detail {
namespace {

// The two ciphers, fetched once for the process (an explicit fetch instead of an implicit one on
// every init). Reachable until exit, like the digests in hash.cpp.
const EVP_CIPHER* fetch_cipher(EvpAeadCipher cipher) {
  auto fetch = [](const char* name) {
    EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, name, nullptr);
    CAAS_CHECK(fetched != nullptr);  // the default provider always has both
    return fetched;
  };
  static EVP_CIPHER* const kAes256Gcm = fetch("AES-256-GCM");
  static EVP_CIPHER* const kChaCha20Poly1305 = fetch("ChaCha20-Poly1305");
  return cipher == EvpAeadCipher::kAes256Gcm ? kAes256Gcm : kChaCha20Poly1305;
}

// EVP_CipherUpdate takes int lengths; feed large buffers in pieces.
constexpr std::size_t kMaxUpdateBytes = INT_MAX / 2;

bool cipher_update(EVP_CIPHER_CTX* ctx, ByteSpan in, std::uint8_t* out) {
  while (!in.empty()) {
    std::size_t chunk = std::min(in.size(), kMaxUpdateBytes);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(chunk)) != 1 ||
        static_cast<std::size_t>(written) != chunk) {
      return false;
    }
    in = in.subspan(chunk);
    out += chunk;  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }
  return true;
}

}  // namespace

Status EvpAead::init(EvpAead& aead, EvpAeadCipher cipher, const SecretArray<kKeyBytes>& key) {
  aead.ctx_.reset(EVP_CIPHER_CTX_new());
  if (aead.ctx_ == nullptr) {
    return ossl::error("aead: new context");
  }
  // Schedule the key once; messages then set only the nonce (EVP_CipherInit_ex2 with a null key
  // keeps the scheduled one).
  if (EVP_CipherInit_ex2(aead.ctx_.get(), fetch_cipher(cipher), key.expose().data(), nullptr, 1,
                         nullptr) != 1) {
    return ossl::error("aead: set key");
  }
  return ok_status();
}

Status EvpAead::begin(Nonce nonce, Aad aad, int encrypt) {
  if (nonce.bytes().size() != kNonceBytes) {
    return invalid_argument("aead: nonce must be 12 bytes");
  }
  if (EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, nonce.bytes().data(), encrypt, nullptr) !=
      1) {
    return ossl::error("aead: set nonce");
  }
  if (!aad.bytes().empty() && !cipher_update(ctx_.get(), aad.bytes(), nullptr)) {
    return ossl::error("aead: associated data");
  }
  return ok_status();
}

Status EvpAead::begin_seal(Nonce nonce, Aad aad) { return begin(nonce, aad, 1); }
Status EvpAead::begin_open(Nonce nonce, Aad aad) { return begin(nonce, aad, 0); }

Status EvpAead::update(ByteSpan in, MutableByteSpan out) {
  if (out.size() != in.size()) {
    return invalid_argument("aead: output size must equal input size");
  }
  if (!cipher_update(ctx_.get(), in, out.data())) {
    return ossl::error("aead: update");
  }
  return ok_status();
}

Status EvpAead::finish_seal(std::span<std::uint8_t, kAeadTagBytes> tag) {
  int written = 0;
  std::uint8_t unused[1];
  if (EVP_CipherFinal_ex(ctx_.get(), unused, &written) != 1 || written != 0) {
    return ossl::error("aead: finish");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return ossl::error("aead: get tag");
  }
  return ok_status();
}

Status EvpAead::finish_open(std::span<const std::uint8_t, kAeadTagBytes> tag) {
  // OpenSSL copies the expected tag in; the API takes a non-const pointer.
  std::uint8_t expected[kAeadTagBytes];
  std::memcpy(expected, tag.data(), tag.size());
  int written = 0;
  std::uint8_t unused[1];
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()),
                          expected) != 1 ||
      EVP_CipherFinal_ex(ctx_.get(), unused, &written) != 1) {
    // The tag comparison inside OpenSSL is constant-time (CRYPTO_memcmp).
    ossl::clear_errors();
    return decryption_failed();
  }
  return ok_status();
}

Status EvpAead::seal_into(Nonce nonce, ByteSpan plaintext, Aad aad, MutableByteSpan out) {
  if (out.size() != plaintext.size() + kAeadTagBytes) {
    return invalid_argument("aead: output must be plaintext size + 16");
  }
  CAAS_TRY(begin_seal(nonce, aad));
  CAAS_TRY(update(plaintext, out.first(plaintext.size())));
  return finish_seal(out.subspan(plaintext.size()).first<kAeadTagBytes>());
}

Status EvpAead::open_into(Nonce nonce, ByteSpan ciphertext, Aad aad, MutableByteSpan out) {
  if (ciphertext.size() < kAeadTagBytes) {
    return decryption_failed();
  }
  std::size_t body = ciphertext.size() - kAeadTagBytes;
  if (out.size() != body) {
    return invalid_argument("aead: output must be ciphertext size - 16");
  }
  CAAS_TRY(begin_open(nonce, aad));
  Status status = update(ciphertext.first(body), out);
  if (status.ok()) {
    status = finish_open(ciphertext.subspan(body).first<kAeadTagBytes>());
  }
  if (!status.ok()) {
    secure_wipe(out.data(), out.size());  // release nothing that failed authentication
  }
  return status;
}

}  // namespace caas::crypto::detail
