#include "auth/otp_keys.h"

#include <algorithm>
#include <charconv>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"

namespace caas::auth {
namespace {

constexpr std::string_view kOtpKeyName = "otp";

Result<crypto::SecretArray<32>> subkey(ByteSpan key, std::string_view info) {
  return crypto::hkdf_sha256_key(key, {}, as_bytes(info));
}

void append_field(crypto::HmacSha256& mac, std::string_view field) {
  const auto size = static_cast<std::uint32_t>(field.size());
  const std::array<std::uint8_t, 4> prefix = {
      static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
      static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
  mac.update(prefix);
  mac.update(as_bytes(field));
}

std::string totp_aad(std::string_view user_id) { return "caas/v1/totp|" + std::string(user_id); }

}  // namespace

std::string new_email_code() {
  std::string code = std::to_string(crypto::random_uniform(1'000'000));
  return std::string(kEmailCodeDigits - code.size(), '0') + code;
}

crypto::SecretBytes code_mail_text(std::string_view code, std::string_view what,
                                   std::chrono::seconds valid_for) {
  const auto minutes = std::max<std::int64_t>(1, valid_for.count() / 60);
  std::string text = "Your caas code " + std::string(what) + " is " + std::string(code) +
                     ".\n\nIt expires in " + std::to_string(minutes) +
                     (minutes == 1 ? " minute" : " minutes") +
                     " and works once. If you did not ask for it, you can ignore this mail.\n";
  crypto::SecretBytes bytes = crypto::SecretBytes::copy_of(as_bytes(text));
  crypto::detail::secure_wipe(text.data(), text.size());
  return bytes;
}

Result<std::string> code_tag(const kms::Keyring& keyring, std::string_view purpose,
                             std::string_view subject, std::string_view code) {
  CAAS_ASSIGN_OR_RETURN(kms::KeyVersion otp, keyring.latest(kOtpKeyName));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(otp.key, "caas/v1/otp-tag"));
  crypto::HmacSha256 mac(key.expose());
  append_field(mac, purpose);
  append_field(mac, subject);
  append_field(mac, code);
  crypto::HmacSha256Tag tag = mac.finish();
  return hex_encode(tag);
}

bool code_matches(const kms::Keyring& keyring, std::string_view purpose, std::string_view subject,
                  std::string_view code, std::string_view expected_tag) {
  Result<std::string> tag = code_tag(keyring, purpose, subject, code);
  return tag.ok() && crypto::constant_time_equal(as_bytes(*tag), as_bytes(expected_tag));
}

Result<std::string> seal_totp_secret(const kms::Keyring& keyring, std::string_view user_id,
                                     ByteSpan secret) {
  CAAS_ASSIGN_OR_RETURN(kms::KeyVersion otp, keyring.latest(kOtpKeyName));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(otp.key, "caas/v1/totp-secret"));
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, crypto::XChaCha20Poly1305::create(key));
  Bytes nonce = crypto::random_bytes(crypto::XChaCha20Poly1305::kNonceBytes);
  std::string aad = totp_aad(user_id);
  CAAS_ASSIGN_OR_RETURN(Bytes sealed,
                        aead.seal(crypto::Nonce(nonce), secret, crypto::Aad(as_bytes(aad))));
  nonce.insert(nonce.end(), sealed.begin(), sealed.end());
  return "v" + std::to_string(otp.version) + ":" + base64_encode(nonce);
}

Result<crypto::SecretBytes> open_totp_secret(const kms::Keyring& keyring, std::string_view user_id,
                                             std::string_view sealed) {
  auto malformed = [] { return error(ErrorCode::kDataLoss, "stored TOTP secret does not open"); };
  std::size_t colon = sealed.find(':');
  std::uint32_t version = 0;
  if (!sealed.starts_with('v') || colon == std::string_view::npos ||
      std::from_chars(sealed.data() + 1, sealed.data() + colon, version).ptr !=
          sealed.data() + colon) {
    return malformed();
  }
  Result<Bytes> raw = base64_decode(sealed.substr(colon + 1));
  Result<ByteSpan> otp = keyring.key(kOtpKeyName, version);
  if (!raw.ok() || !otp.ok() ||
      raw->size() < crypto::XChaCha20Poly1305::kNonceBytes + crypto::kAeadTagBytes) {
    return malformed();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, subkey(*otp, "caas/v1/totp-secret"));
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, crypto::XChaCha20Poly1305::create(key));
  ByteSpan all(*raw);
  std::string aad = totp_aad(user_id);
  Result<crypto::SecretBytes> secret =
      aead.open(crypto::Nonce(all.first(crypto::XChaCha20Poly1305::kNonceBytes)),
                all.subspan(crypto::XChaCha20Poly1305::kNonceBytes), crypto::Aad(as_bytes(aad)));
  if (!secret.ok()) {
    return malformed();
  }
  return secret;
}

}  // namespace caas::auth
