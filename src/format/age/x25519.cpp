#include "format/age/x25519.h"

#include "base/base64.h"
#include "base/bech32.h"
#include "crypto/hkdf.h"
#include "format/age/detail/file_key_wrap.h"

namespace caas::format::age {
namespace {

constexpr std::string_view kRecipientHrp = "age";
constexpr std::string_view kIdentityHrp = "age-secret-key-";
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";

// spec, "X25519 recipient stanza": wrap key = HKDF-SHA-256(ikm = shared secret,
// salt = ephemeral share || recipient, info = "age-encryption.org/v1/X25519").
Result<crypto::SecretArray<32>> wrap_key(const crypto::X25519Shared& shared,
                                         const crypto::X25519PublicKey& share,
                                         const crypto::X25519PublicKey& recipient) {
  Bytes salt = concat({share.bytes(), recipient.bytes()});
  return crypto::hkdf_sha256_key(shared.expose(), salt, as_bytes(kX25519Info));
}

}  // namespace

Result<X25519Recipient> X25519Recipient::parse(std::string_view text) {
  std::array<std::uint8_t, crypto::kX25519KeyBytes> bytes{};
  // age writes recipients in lower case and reads them so; bech32 alone would allow upper.
  Result<std::string> hrp = bech32_decode_into(text, bytes);
  if (!hrp.ok() || *hrp != kRecipientHrp || !text.starts_with("age1")) {
    return invalid_argument("age recipient: not an age1 X25519 public key");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::X25519PublicKey key, crypto::X25519PublicKey::from_bytes(bytes));
  return X25519Recipient(key);
}

std::string X25519Recipient::to_string() const {
  return bech32_encode(kRecipientHrp, key_.bytes());
}

Result<std::vector<Stanza>> X25519Recipient::wrap(const FileKey& file_key) const {
  // spec: a new ephemeral secret for each stanza and each file.
  crypto::X25519PrivateKey ephemeral = crypto::X25519PrivateKey::generate();
  const crypto::X25519PublicKey& share = ephemeral.public_key();
  CAAS_ASSIGN_OR_RETURN(crypto::X25519Shared shared, crypto::x25519_shared(ephemeral, key_));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, wrap_key(shared, share, key_));
  Stanza stanza;
  stanza.type = std::string(kX25519StanzaType);
  stanza.args.push_back(base64_encode_unpadded(share.bytes()));
  stanza.body = detail::seal_file_key(key, file_key);
  std::vector<Stanza> stanzas;
  stanzas.push_back(std::move(stanza));
  return stanzas;
}

X25519Identity X25519Identity::generate() {
  return X25519Identity(crypto::X25519PrivateKey::generate());
}

Result<X25519Identity> X25519Identity::parse(std::string_view text) {
  crypto::SecretArray<crypto::kX25519KeyBytes> scalar;
  // Upper case only, as age writes and reads identities.
  Result<std::string> hrp = bech32_decode_into(text, scalar.expose_mutable());
  if (!hrp.ok() || *hrp != kIdentityHrp || !text.starts_with("AGE-SECRET-KEY-1")) {
    return invalid_argument("age identity: not an AGE-SECRET-KEY-1 X25519 identity");
  }
  return X25519Identity(crypto::X25519PrivateKey::from_bytes(std::move(scalar)));
}

crypto::SecretBytes X25519Identity::to_secret_string() const {
  std::string text = bech32_encode_upper(kIdentityHrp, key_.bytes().expose());
  crypto::SecretBytes secret = crypto::SecretBytes::copy_of(as_bytes(text));
  crypto::detail::secure_wipe(text.data(), text.size());
  return secret;
}

Result<FileKey> X25519Identity::unwrap(std::span<const Stanza> stanzas) const {
  for (const Stanza& stanza : stanzas) {
    Result<FileKey> file_key = unwrap_one(stanza);
    if (file_key.ok() || file_key.status().code() != ErrorCode::kNotFound) {
      return file_key;
    }
  }
  return no_match();
}

Result<FileKey> X25519Identity::unwrap_one(const Stanza& stanza) const {
  if (stanza.type != kX25519StanzaType) {
    return no_match();  // spec: MUST ignore any stanza that does not have X25519 first
  }
  if (stanza.args.size() != 1) {
    return invalid_argument("age X25519 stanza: wrong number of arguments");
  }
  Result<Bytes> share_bytes = base64_decode_unpadded(stanza.args[0]);
  if (!share_bytes.ok() || share_bytes->size() != crypto::kX25519KeyBytes) {
    return invalid_argument("age X25519 stanza: share is not canonical base64 of 32 bytes");
  }
  if (stanza.body.size() != detail::kWrappedFileKeyBytes) {
    return invalid_argument("age X25519 stanza: body is not 32 bytes");  // before decrypting
  }
  CAAS_ASSIGN_OR_RETURN(crypto::X25519PublicKey share,
                        crypto::X25519PublicKey::from_bytes(*share_bytes));
  // x25519_shared refuses the all-zero secret (spec: the identity MUST abort).
  CAAS_ASSIGN_OR_RETURN(crypto::X25519Shared shared, crypto::x25519_shared(key_, share));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, wrap_key(shared, share, key_.public_key()));
  Result<FileKey> file_key = detail::open_file_key(key, stanza.body);
  if (!file_key.ok() && file_key.status().code() == ErrorCode::kDecryptionFailed) {
    return no_match();  // another recipient's stanza
  }
  return file_key;
}

}  // namespace caas::format::age
