// The keys behind one-time codes, derived per use from the keyring's "otp" key so that a code
// tag and a sealed TOTP secret can never be confused:
//   - code tags: HMAC-SHA-256 under HKDF(otp, info "caas/v1/otp-tag") over
//     purpose | subject | code (length-prefixed). The code itself is never stored.
//   - TOTP secrets: XChaCha20-Poly1305 under HKDF(otp, info "caas/v1/totp-secret"), random
//     192-bit nonce, associated data binding the user id; stored as "v<N>:<base64>" with the
//     keyring version, so a rotated "otp" key still opens old secrets.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"
#include "kms/keyring.h"

namespace caas::auth {

inline constexpr std::size_t kEmailCodeDigits = 6;
inline constexpr std::size_t kTotpSecretBytes = 20;  // RFC 4226 §4: at least 128 bits; 160 shown

// Six digits, uniformly from the CSPRNG.
std::string new_email_code();

// The body of the mail that carries `code` ("to register", "to sign in").
crypto::SecretBytes code_mail_text(std::string_view code, std::string_view what,
                                   std::chrono::seconds valid_for);

// Hex HMAC tag of `code` for (purpose, subject), e.g. ("login", ticket hash).
Result<std::string> code_tag(const kms::Keyring& keyring, std::string_view purpose,
                             std::string_view subject, std::string_view code);

// Whether `code` has the tag `expected_tag`, compared in constant time.
bool code_matches(const kms::Keyring& keyring, std::string_view purpose, std::string_view subject,
                  std::string_view code, std::string_view expected_tag);

Result<std::string> seal_totp_secret(const kms::Keyring& keyring, std::string_view user_id,
                                     ByteSpan secret);
// Errors: kDataLoss when the stored text is malformed or does not open.
Result<crypto::SecretBytes> open_totp_secret(const kms::Keyring& keyring, std::string_view user_id,
                                             std::string_view sealed);

}  // namespace caas::auth
