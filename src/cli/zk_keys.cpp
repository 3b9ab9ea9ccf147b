#include "cli/zk_keys.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/argon2id.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"

namespace caas::cli {
namespace {

constexpr std::string_view kSaltLabel = "caas/v1/kdf-salt|";
constexpr std::string_view kAuthInfo = "caas/v1/auth";
constexpr std::string_view kMasterInfo = "caas/v1/master-key";
constexpr std::string_view kIdentityAd = "caas/v1/identity|";
constexpr std::string_view kContentHashInfo = "caas/v1/content-hash";
constexpr std::size_t kNonceBytes = crypto::XChaCha20Poly1305::kNonceBytes;

std::uint32_t json_u32(const boost::json::object& object, std::string_view key) {
  const boost::json::value* field = object.if_contains(key);
  if (field == nullptr) {
    return 0;
  }
  if (field->is_uint64() && field->get_uint64() <= UINT32_MAX) {
    return static_cast<std::uint32_t>(field->get_uint64());
  }
  if (field->is_int64() && field->get_int64() > 0 && field->get_int64() <= INT32_MAX) {
    return static_cast<std::uint32_t>(field->get_int64());
  }
  return 0;
}

crypto::SecretArray<32> content_hash_key(const format::age::X25519Identity& identity) {
  crypto::SecretBytes text = identity.to_secret_string();
  Result<crypto::SecretArray<32>> key =
      crypto::hkdf_sha256_key(text.expose(), ByteSpan(), as_bytes(kContentHashInfo));
  CAAS_CHECK(key.ok());  // fixed sizes: cannot fail
  return std::move(key).value();
}

}  // namespace

KdfParams default_kdf(std::string_view canonical_email) {
  KdfParams params;
  crypto::Sha256Digest digest =
      crypto::sha256(to_bytes(std::string(kSaltLabel) + std::string(canonical_email)));
  params.salt.assign(digest.begin(), digest.begin() + crypto::kArgon2idSaltBytes);
  return params;
}

Result<DerivedKeys> derive_keys(ByteSpan password, const KdfParams& params) {
  crypto::Argon2idParams argon{.iterations = params.iterations, .memory_kib = params.memory_kib};
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes root,
                        crypto::argon2id(password, params.salt, argon, 32));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> auth,
                        crypto::hkdf_sha256_key(root.expose(), ByteSpan(), as_bytes(kAuthInfo)));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> master,
                        crypto::hkdf_sha256_key(root.expose(), ByteSpan(), as_bytes(kMasterInfo)));
  std::string auth_hex = hex_encode(auth.expose());
  DerivedKeys keys{crypto::SecretBytes::copy_of(as_bytes(auth_hex)), std::move(master)};
  crypto::detail::secure_wipe(auth_hex.data(), auth_hex.size());
  return keys;
}

std::string kdf_to_json(const KdfParams& params) {
  boost::json::object object;
  object["algorithm"] = "argon2id";
  object["version"] = 19;
  object["iterations"] = params.iterations;
  object["memory_kib"] = params.memory_kib;
  object["parallelism"] = 1;
  object["salt"] = base64_encode(params.salt);
  object["wrap"] = "xchacha20-poly1305";
  return boost::json::serialize(object);
}

Result<KdfParams> kdf_from_json(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) {
    return error(ErrorCode::kDataLoss, "the stored key parameters are not a JSON object");
  }
  const boost::json::object& object = value.get_object();
  const boost::json::value* algorithm = object.if_contains("algorithm");
  const boost::json::value* salt = object.if_contains("salt");
  if (algorithm == nullptr || !algorithm->is_string() || algorithm->get_string() != "argon2id" ||
      json_u32(object, "parallelism") != 1 || salt == nullptr || !salt->is_string()) {
    return error(ErrorCode::kDataLoss, "the stored key parameters name a method this client lacks");
  }
  KdfParams params;
  params.iterations = json_u32(object, "iterations");
  params.memory_kib = json_u32(object, "memory_kib");
  Result<Bytes> salt_bytes = base64_decode(std::string_view(salt->get_string()));
  crypto::Argon2idParams argon{.iterations = params.iterations, .memory_kib = params.memory_kib};
  if (!salt_bytes.ok() || salt_bytes->size() != crypto::kArgon2idSaltBytes ||
      !argon.validate().ok()) {
    return error(ErrorCode::kDataLoss, "the stored key parameters are out of bounds");
  }
  params.salt = std::move(salt_bytes).value();
  return params;
}

Result<std::string> wrap_identity(const crypto::SecretArray<32>& master_key,
                                  const format::age::X25519Identity& identity) {
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead,
                        crypto::XChaCha20Poly1305::create(master_key));
  Bytes nonce = crypto::random_bytes(kNonceBytes);
  crypto::SecretBytes secret = identity.to_secret_string();
  std::string ad = std::string(kIdentityAd) + identity.recipient().to_string();
  CAAS_ASSIGN_OR_RETURN(
      Bytes sealed, aead.seal(crypto::Nonce(nonce), secret.expose(), crypto::Aad(as_bytes(ad))));
  return base64_encode(concat({nonce, sealed}));
}

Result<format::age::X25519Identity> unwrap_identity(const crypto::SecretArray<32>& master_key,
                                                    std::string_view wrapped,
                                                    std::string_view public_key) {
  Result<Bytes> bytes = base64_decode(wrapped);
  if (!bytes.ok() || bytes->size() <= kNonceBytes + crypto::kAeadTagBytes) {
    return error(ErrorCode::kDataLoss, "the stored identity is malformed");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead,
                        crypto::XChaCha20Poly1305::create(master_key));
  ByteSpan all(*bytes);
  std::string ad = std::string(kIdentityAd) + std::string(public_key);
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes secret,
                        aead.open(crypto::Nonce(all.first(kNonceBytes)), all.subspan(kNonceBytes),
                                  crypto::Aad(as_bytes(ad))));
  CAAS_ASSIGN_OR_RETURN(format::age::X25519Identity identity,
                        format::age::X25519Identity::parse(as_chars(secret.expose())));
  if (identity.recipient().to_string() != public_key) {
    return error(ErrorCode::kDataLoss, "the stored identity does not match its public key");
  }
  return identity;
}

std::string key_fingerprint(std::string_view public_key) {
  crypto::Sha256Digest digest = crypto::sha256(as_bytes(public_key));
  return "SHA256:" + base64_encode_unpadded(digest);
}

ContentHasher::ContentHasher(const format::age::X25519Identity& identity)
    : hmac_(content_hash_key(identity).expose()) {}

void ContentHasher::update(ByteSpan bytes) { hmac_.update(bytes); }

std::string ContentHasher::finish() { return "h1-" + hex_encode(hmac_.finish()); }

}  // namespace caas::cli
