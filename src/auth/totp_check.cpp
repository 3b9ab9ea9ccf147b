#include "auth/totp_check.h"

#include <array>

#include "base/base32.h"
#include "crypto/otp.h"
#include "crypto/secret.h"

namespace caas::auth {

bool is_otp_code_format(std::string_view code) {
  if (code.size() != kTotpDigits) {
    return false;
  }
  for (char c : code) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

std::optional<std::uint64_t> match_totp(ByteSpan secret, std::string_view code,
                                        std::int64_t now_unix,
                                        std::optional<std::uint64_t> last_used_step) {
  if (!is_otp_code_format(code)) {
    return std::nullopt;
  }
  std::uint64_t now_step = crypto::totp_step(now_unix, kTotpStepSeconds);
  // RFC 6238 §5.2: one step of drift either way.
  std::array<std::uint64_t, 3> steps = {now_step - 1, now_step, now_step + 1};
  bool found = false;
  std::uint64_t matched = 0;
  for (std::uint64_t step : steps) {
    bool exists = step != UINT64_MAX;  // now_step - 1 wrapped around at step 0
    bool fresh = !last_used_step.has_value() || step > *last_used_step;
    std::string expected = crypto::hotp(secret, exists ? step : 0, {.digits = kTotpDigits});
    bool equal = crypto::constant_time_equal(as_bytes(expected), as_bytes(code));
    // Branch-free selection of the first acceptable match: which step matched (drift) must
    // not show in the timing.
    bool take = equal & exists & fresh & !found;
    matched |= (0 - static_cast<std::uint64_t>(take)) & step;
    found |= take;
  }
  if (!found) {
    return std::nullopt;
  }
  return matched;
}

namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 §2.1 percent-encoding, upper-case hex, of every byte but the unreserved ones.
std::string percent_encode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

}  // namespace

std::string otpauth_uri(std::string_view issuer, std::string_view account, ByteSpan secret) {
  std::string encoded_issuer = percent_encode(issuer);
  std::string uri = "otpauth://totp/";
  if (!issuer.empty()) {
    uri += encoded_issuer + ":";
  }
  uri += percent_encode(account);
  uri += "?secret=" + base32_encode(secret, /*pad=*/false);
  if (!issuer.empty()) {
    uri += "&issuer=" + encoded_issuer;
  }
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

}  // namespace caas::auth
