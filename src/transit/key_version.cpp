#include "transit/key_version.h"

#include <array>
#include <initializer_list>
#include <span>
#include <utility>

#include "base/base64.h"
#include "crypto/aes_gcm.h"
#include "crypto/chacha20_poly1305.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"
#include "transit/ciphertext.h"

namespace caas::transit {
namespace {

constexpr std::string_view kAssociatedLabel = "caas/v1/transit";
constexpr std::string_view kDeriveLabel = "caas/v1/transit-derive";
// Idle AEAD contexts kept per version; more concurrent encrypts than this build their own.
constexpr std::size_t kMaxPooledAeads = 16;

// The fields, each preceded by its length as u32 big-endian, so that no two different field
// lists encode alike (no ambiguity between "ab"|"c" and "a"|"bc").
Bytes encode_fields(std::initializer_list<ByteSpan> fields) {
  std::size_t total = 0;
  for (ByteSpan field : fields) {
    total += 4 + field.size();
  }
  Bytes out(total);
  std::size_t at = 0;
  for (ByteSpan field : fields) {
    store_be32(MutableByteSpan(out).subspan(at, 4), static_cast<std::uint32_t>(field.size()));
    std::copy(field.begin(), field.end(), out.begin() + static_cast<std::ptrdiff_t>(at + 4));
    at += 4 + field.size();
  }
  return out;
}

std::size_t nonce_bytes(KeyType type) {
  return type == KeyType::kXChaCha20Poly1305 ? crypto::XChaCha20Poly1305::kNonceBytes
                                             : crypto::Aes256Gcm::kNonceBytes;
}

template <typename T>
Result<std::unique_ptr<crypto::Aead>> boxed(Result<T> aead) {
  if (!aead.ok()) {
    return std::move(aead).status();
  }
  return std::unique_ptr<crypto::Aead>(std::make_unique<T>(std::move(aead).value()));
}

Result<std::unique_ptr<crypto::Aead>> make_aead(KeyType type, const crypto::SecretArray<32>& key) {
  switch (type) {
    case KeyType::kAes256Gcm:
      return boxed(crypto::Aes256Gcm::create(key));
    case KeyType::kChaCha20Poly1305:
      return boxed(crypto::ChaCha20Poly1305::create(key));
    case KeyType::kXChaCha20Poly1305:
      return boxed(crypto::XChaCha20Poly1305::create(key));
    default:
      CAAS_CHECK(false);  // callers check is_aead()
      return invalid_argument("transit: not an aead");
  }
}

Status unsupported(KeyType type, std::string_view operation) {
  return invalid_argument("transit: " + std::string(key_type_name(type)) + " keys cannot " +
                          std::string(operation));
}

}  // namespace

KeyVersionCipher::KeyVersionCipher(PrivateTag /*tag*/, KeyType type, bool derived,
                                   std::string key_name, std::uint32_t version)
    : type_(type), derived_(derived), key_name_(std::move(key_name)), version_(version) {}

Result<std::shared_ptr<const KeyVersionCipher>> KeyVersionCipher::create(
    KeyType type, bool derived, std::string key_name, std::uint32_t version,
    crypto::SecretBytes material) {
  if (key_name.empty()) {
    return invalid_argument("transit: empty key name");
  }
  if (version == 0 || version > kMaxKeyVersion) {
    return invalid_argument("transit: key version out of range");
  }
  if (derived && !can_derive(type)) {
    return invalid_argument("transit: " + std::string(key_type_name(type)) +
                            " keys cannot be derived");
  }
  auto cipher =
      std::make_shared<KeyVersionCipher>(PrivateTag{}, type, derived, std::move(key_name), version);
  if (type == KeyType::kRsa3072) {
    Result<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::from_pkcs8_der(material.expose());
    if (!key.ok() || key->bits() != kRsaModulusBits) {
      return invalid_argument("transit: rsa-3072 material must be a 3072-bit PKCS#8 key");
    }
    cipher->rsa_public_.emplace(key->public_key());
    cipher->public_key_ = base64_encode(cipher->rsa_public_->to_spki_der());
    cipher->rsa_.emplace(std::move(key).value());
    return std::shared_ptr<const KeyVersionCipher>(std::move(cipher));
  }
  if (material.size() != kSymmetricKeyBytes) {
    return invalid_argument("transit: " + std::string(key_type_name(type)) +
                            " material must be 32 bytes");
  }
  auto bytes = crypto::SecretArray<32>::copy_of(material.expose().first<32>());
  if (type == KeyType::kEd25519) {
    cipher->ed25519_.emplace(crypto::Ed25519PrivateKey::from_seed(std::move(bytes)));
    cipher->public_key_ = base64_encode(cipher->ed25519_->public_key().bytes());
  } else if (derived) {
    // RFC 5869 §2.2: extract once with no salt; each context then costs one expand.
    cipher->symmetric_key_ = crypto::hkdf_sha256_extract(bytes.expose(), {});
  } else {
    cipher->symmetric_key_ = std::move(bytes);
    if (is_aead(type)) {
      // One keyed context ready, so that the first encrypt schedules no key.
      CAAS_ASSIGN_OR_RETURN(auto aead, make_aead(type, cipher->symmetric_key_));
      cipher->pool_.push_back(std::move(aead));
    }
  }
  return std::shared_ptr<const KeyVersionCipher>(std::move(cipher));
}

Status KeyVersionCipher::check_context(ByteSpan context) const {
  if (!derived_) {
    if (!context.empty()) {
      return invalid_argument("transit: key is not derived and takes no context");
    }
    return ok_status();
  }
  if (context.empty()) {
    return invalid_argument("context_required: derived key needs a context");
  }
  if (context.size() > kMaxContextBytes) {
    return invalid_argument("transit: context over 4096 bytes");
  }
  return ok_status();
}

Bytes KeyVersionCipher::associated(ByteSpan context, ByteSpan associated_data) const {
  std::array<std::uint8_t, 4> version{};
  store_be32(version, version_);
  return encode_fields(
      {as_bytes(kAssociatedLabel), as_bytes(key_name_), version, context, associated_data});
}

crypto::SecretArray<32> KeyVersionCipher::derive_key(ByteSpan context) const {
  // HKDF-Expand (RFC 5869 §2.3) for L = 32 is the single block T(1) = HMAC(PRK, info || 0x01).
  // Computed here rather than with EVP_KDF because OpenSSL 3.0 caps info at 1024 bytes and a
  // context may have 4096; tests check it equals crypto::hkdf_sha256 for short info.
  const Bytes info = encode_fields({as_bytes(kDeriveLabel), as_bytes(key_name_), context});
  crypto::HmacSha256 mac(symmetric_key_.expose());
  mac.update(info);
  const std::array<std::uint8_t, 1> counter = {0x01};
  mac.update(counter);
  crypto::HmacSha256Tag block = mac.finish();
  auto key = crypto::SecretArray<32>::copy_of(block);
  crypto::detail::secure_wipe(block.data(), block.size());
  return key;
}

Result<std::unique_ptr<crypto::Aead>> KeyVersionCipher::acquire_aead(ByteSpan context) const {
  if (derived_) {
    return make_aead(type_, derive_key(context));
  }
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<crypto::Aead> aead = std::move(pool_.back());
      pool_.pop_back();
      return aead;
    }
  }
  return make_aead(type_, symmetric_key_);
}

void KeyVersionCipher::release_aead(std::unique_ptr<crypto::Aead> aead) const {
  if (derived_) {
    return;  // a per-context key: wiped on destruction
  }
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (pool_.size() < kMaxPooledAeads) {
    pool_.push_back(std::move(aead));
  }
}

Result<Bytes> KeyVersionCipher::encrypt(ByteSpan plaintext, ByteSpan context,
                                        ByteSpan associated_data) const {
  if (!can_encrypt(type_)) {
    return unsupported(type_, "encrypt");
  }
  const std::size_t max = is_aead(type_) ? kMaxPlaintextBytes : kMaxRsaPlaintextBytes;
  if (plaintext.size() > max) {
    return invalid_argument("transit: plaintext over " + std::to_string(max) + " bytes");
  }
  CAAS_TRY(check_context(context));
  const Bytes ad = associated(context, associated_data);
  const std::uint64_t previous = encryptions_.fetch_add(1, std::memory_order_relaxed);
  if (has_nonce_limit(type_) && previous >= kMaxRandomNonceEncryptions) {
    return error(ErrorCode::kResourceExhausted, "transit: key version reached its nonce bound");
  }
  if (type_ == KeyType::kRsa3072) {
    // RSAES-OAEP (RFC 8017 §7.1) with SHA-256; the binding fields are the label.
    return crypto::oaep_encrypt(*rsa_public_, plaintext, ad);
  }
  return encrypt_aead(plaintext, context, ad);
}

Result<Bytes> KeyVersionCipher::encrypt_aead(ByteSpan plaintext, ByteSpan context,
                                             ByteSpan ad) const {
  const std::size_t nonce_size = nonce_bytes(type_);
  Bytes blob(nonce_size + plaintext.size() + crypto::kAeadTagBytes);
  MutableByteSpan out(blob);
  // Random nonces: 96 bits for GCM/ChaCha (bounded above), 192 bits for XChaCha.
  crypto::random_fill_public(out.first(nonce_size));
  CAAS_ASSIGN_OR_RETURN(std::unique_ptr<crypto::Aead> aead, acquire_aead(context));
  CAAS_TRY(aead->seal_into(crypto::Nonce(out.first(nonce_size)), plaintext, crypto::Aad(ad),
                           out.subspan(nonce_size)));
  release_aead(std::move(aead));
  return blob;
}

Result<crypto::SecretBytes> KeyVersionCipher::decrypt(ByteSpan blob, ByteSpan context,
                                                      ByteSpan associated_data) const {
  if (!can_encrypt(type_)) {
    return unsupported(type_, "decrypt");
  }
  CAAS_TRY(check_context(context));
  const Bytes ad = associated(context, associated_data);
  if (type_ == KeyType::kRsa3072) {
    if (blob.size() != rsa_public_->modulus_bytes()) {
      return decryption_failed();
    }
    Result<crypto::SecretBytes> plaintext = crypto::oaep_decrypt(*rsa_, blob, ad);
    if (!plaintext.ok()) {
      return decryption_failed();
    }
    return plaintext;
  }
  return decrypt_aead(blob, context, ad);
}

Result<crypto::SecretBytes> KeyVersionCipher::decrypt_aead(ByteSpan blob, ByteSpan context,
                                                           ByteSpan ad) const {
  const std::size_t nonce_size = nonce_bytes(type_);
  if (blob.size() < nonce_size + crypto::kAeadTagBytes ||
      blob.size() > nonce_size + kMaxPlaintextBytes + crypto::kAeadTagBytes) {
    return decryption_failed();
  }
  CAAS_ASSIGN_OR_RETURN(std::unique_ptr<crypto::Aead> aead, acquire_aead(context));
  crypto::SecretBytes plaintext(blob.size() - nonce_size - crypto::kAeadTagBytes);
  const Status status =
      aead->open_into(crypto::Nonce(blob.first(nonce_size)), blob.subspan(nonce_size),
                      crypto::Aad(ad), plaintext.expose_mutable());
  if (!status.ok()) {
    // open_into zeroed the output. The context goes back to no pool after a failure, so that
    // no state from a rejected message can linger into the next one.
    return decryption_failed();
  }
  release_aead(std::move(aead));
  return plaintext;
}

Result<Bytes> KeyVersionCipher::hmac(ByteSpan input, ByteSpan context) const {
  if (!can_hmac(type_)) {
    return unsupported(type_, "hmac");
  }
  CAAS_TRY(check_context(context));
  crypto::HmacSha256Tag tag;
  if (derived_) {
    tag = crypto::hmac_sha256(derive_key(context).expose(), input);
  } else {
    tag = crypto::hmac_sha256(symmetric_key_.expose(), input);
  }
  return Bytes(tag.begin(), tag.end());
}

bool KeyVersionCipher::verify_hmac(ByteSpan input, ByteSpan context, ByteSpan tag) const {
  Result<Bytes> expected = hmac(input, context);
  return expected.ok() && crypto::constant_time_equal(*expected, tag);
}

Result<Bytes> KeyVersionCipher::sign(ByteSpan input) const {
  if (type_ == KeyType::kEd25519) {
    const crypto::Ed25519Signature signature = ed25519_->sign(input);
    return Bytes(signature.begin(), signature.end());
  }
  if (type_ == KeyType::kRsa3072) {
    return rsa_->sign_pss(input);
  }
  return unsupported(type_, "sign");
}

bool KeyVersionCipher::verify(ByteSpan input, ByteSpan signature) const {
  if (type_ == KeyType::kEd25519) {
    return ed25519_->public_key().verify(input, signature).ok();
  }
  if (type_ == KeyType::kRsa3072) {
    return rsa_public_->verify_pss(input, signature).ok();
  }
  return false;
}

}  // namespace caas::transit
