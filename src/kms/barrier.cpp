#include "kms/barrier.h"

#include "base/base64.h"
#include "crypto/aead.h"
#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "crypto/secret.h"

namespace caas::kms {
namespace {

constexpr std::string_view kBarrierInfo = "caas/v1/barrier";
constexpr std::string_view kCheckInfo = "caas/v1/root-check";
constexpr std::string_view kCheckMessage = "caas root key check v1";
constexpr std::string_view kKeyringAad = "caas keyring v1";

Result<crypto::SecretArray<32>> subkey(const crypto::LockedBytes& root_key, std::string_view info) {
  CAAS_CHECK(root_key.size() == kRootKeyBytes);
  return crypto::hkdf_sha256_key(root_key.expose(), ByteSpan(), as_bytes(info));
}

Result<crypto::HmacSha256Tag> check_tag(const crypto::LockedBytes& root_key) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(root_key, kCheckInfo));
  return crypto::hmac_sha256(key.expose(), as_bytes(kCheckMessage));
}

}  // namespace

Result<std::string> root_check_value(const crypto::LockedBytes& root_key) {
  CAAS_ASSIGN_OR_RETURN(crypto::HmacSha256Tag tag, check_tag(root_key));
  return base64_encode(tag);
}

Status verify_root_key(const crypto::LockedBytes& root_key, std::string_view stored_check) {
  CAAS_ASSIGN_OR_RETURN(crypto::HmacSha256Tag tag, check_tag(root_key));
  Result<Bytes> stored = base64_decode(stored_check);
  if (!stored.ok() || !crypto::constant_time_equal(tag, *stored)) {
    return decryption_failed();
  }
  return ok_status();
}

Result<std::string> seal_keyring(const crypto::LockedBytes& root_key, const Keyring& keyring) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(root_key, kBarrierInfo));
  CAAS_ASSIGN_OR_RETURN(crypto::Aes256Gcm aead, crypto::Aes256Gcm::create(key));
  Bytes nonce = crypto::random_bytes(crypto::Aes256Gcm::kNonceBytes);
  CAAS_ASSIGN_OR_RETURN(Bytes sealed, aead.seal(crypto::Nonce(nonce), keyring.serialized().expose(),
                                                crypto::Aad(as_bytes(kKeyringAad))));
  return base64_encode(concat({nonce, sealed}));
}

Result<Keyring> open_keyring(const crypto::LockedBytes& root_key, std::string_view stored) {
  Result<Bytes> decoded = base64_decode(stored);
  constexpr std::size_t kOverhead = crypto::Aes256Gcm::kNonceBytes + crypto::kAeadTagBytes;
  if (!decoded.ok() || decoded->size() <= kOverhead) {
    return error(ErrorCode::kDataLoss, "keyring: stored form is malformed");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(root_key, kBarrierInfo));
  CAAS_ASSIGN_OR_RETURN(crypto::Aes256Gcm aead, crypto::Aes256Gcm::create(key));
  ByteSpan all(*decoded);
  ByteSpan nonce = all.first(crypto::Aes256Gcm::kNonceBytes);
  ByteSpan ciphertext = all.subspan(crypto::Aes256Gcm::kNonceBytes);
  // Decrypt straight into guarded memory: the clear keyring never touches the ordinary heap.
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes clear,
                        crypto::LockedBytes::allocate(ciphertext.size() - crypto::kAeadTagBytes));
  Status opened = aead.open_into(crypto::Nonce(nonce), ciphertext,
                                 crypto::Aad(as_bytes(kKeyringAad)), clear.expose_mutable());
  if (!opened.ok()) {
    return error(ErrorCode::kDataLoss, "keyring: does not authenticate under the root key");
  }
  return Keyring::parse(std::move(clear));
}

}  // namespace caas::kms
