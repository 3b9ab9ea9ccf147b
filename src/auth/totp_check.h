// The TOTP policy for second-factor login on top of crypto/otp.h: which codes are accepted
// (RFC 6238 with SHA-1, 30 s steps, 6 digits, the step before and after the current one for
// clock drift, RFC 6238 §5.2), one use per step (§5.2: a verifier must not accept the second
// attempt of the same OTP), and the otpauth:// URI that authenticator apps scan.
//
// Attempt limits are not here: put LockoutTracker (auth/rate_limiter.h) in front of
// match_totp, since 3 valid codes in 10^6 fall to unlimited guessing.
//
// Stateless functions; safe to call from any thread. The caller stores the returned step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace caas::auth {

inline constexpr unsigned kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;

// True iff `code` is exactly 6 ASCII digits '0'-'9', nothing else (no trimming, no other
// Unicode digits).
bool is_otp_code_format(std::string_view code);

// Checks `code` against the TOTP values of `secret` for the steps now-1, now and now+1 (no
// step before 0). Returns the step that matched if it is greater than `last_used_step` (a step
// once accepted is never accepted again, nor any earlier one), else nullopt; also nullopt when
// `code` fails is_otp_code_format. All candidates are computed and compared in constant time,
// without early exit. Should two candidates give the same code, the earliest acceptable step
// is returned. On success the caller must store the step as the new last_used_step before
// accepting the login.
std::optional<std::uint64_t> match_totp(ByteSpan secret, std::string_view code,
                                        std::int64_t now_unix,
                                        std::optional<std::uint64_t> last_used_step);

// The provisioning URI of Google Authenticator's Key Uri Format:
//   otpauth://totp/<issuer>:<account>?secret=<base32, no padding>&issuer=<issuer>
//     &algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded (RFC 3986 §2.3 unreserved characters kept, every
// other byte as %XX, so a ':' inside either cannot split the label). An empty issuer leaves
// out the "<issuer>:" prefix and the issuer parameter. The result holds the secret: show it
// to its owner once (as a QR code) and never log it.
std::string otpauth_uri(std::string_view issuer, std::string_view account, ByteSpan secret);

}  // namespace caas::auth
