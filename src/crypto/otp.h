// One-time password codes: HOTP (RFC 4226) and TOTP (RFC 6238). Code computation only; the
// policy (allowed window, one use per step, attempt limits) belongs to src/auth.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace caas::crypto {

struct OtpParams {
  unsigned digits = 6;                             // 6 to 9 (RFC 4226 §5.3 requires >= 6)
  HashAlgorithm algorithm = HashAlgorithm::kSha1;  // SHA-1, SHA-256 or SHA-512 (RFC 6238 §1.2)
};

// HOTP value for `counter` (RFC 4226 §5.3: dynamic truncation, modulo 10^digits), as a
// zero-padded decimal string of exactly `digits` characters. Misuse (digits outside 6..9, an
// algorithm other than SHA-1/256/512) aborts.
std::string hotp(ByteSpan key, std::uint64_t counter, const OtpParams& params = {});

// The TOTP time step containing `unix_seconds` (RFC 6238 §4.2: T = floor((t - T0) / X)).
// Times before T0 give step 0 (no negative counters exist).
std::uint64_t totp_step(std::int64_t unix_seconds, std::int64_t step_seconds = 30,
                        std::int64_t t0 = 0);

// TOTP value at `unix_seconds` = HOTP(key, totp_step(...)).
std::string totp(ByteSpan key, std::int64_t unix_seconds, const OtpParams& params = {},
                 std::int64_t step_seconds = 30, std::int64_t t0 = 0);

}  // namespace caas::crypto
