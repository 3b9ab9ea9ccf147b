#include "crypto/otp.h"

#include <array>

#include "base/check.h"
#include "crypto/hmac.h"
#include "crypto/secret.h"

namespace caas::crypto {

std::string hotp(ByteSpan key, std::uint64_t counter, const OtpParams& params) {
  CAAS_CHECK(params.digits >= 6 && params.digits <= 9);
  CAAS_CHECK(params.algorithm == HashAlgorithm::kSha1 ||
             params.algorithm == HashAlgorithm::kSha256 ||
             params.algorithm == HashAlgorithm::kSha512);
  std::array<std::uint8_t, 8> message{};
  store_be64(message, counter);  // RFC 4226 §5.2: the counter is 8 bytes, big-endian
  Bytes mac = hmac(params.algorithm, key, message);
  // RFC 4226 §5.3 dynamic truncation: the low 4 bits of the last byte select 4 bytes, of which
  // the top bit is dropped.
  const std::size_t offset = mac.back() & 0x0FU;
  const std::uint32_t binary = load_be32(ByteSpan(mac).subspan(offset, 4)) & 0x7FFFFFFFU;
  detail::secure_wipe(mac.data(), mac.size());
  std::uint32_t modulus = 1;
  for (unsigned i = 0; i < params.digits; ++i) {
    modulus *= 10;
  }
  std::uint32_t code = binary % modulus;
  std::string text(params.digits, '0');
  for (std::size_t i = params.digits; i > 0; --i) {
    text[i - 1] = static_cast<char>('0' + code % 10);
    code /= 10;
  }
  return text;
}

std::uint64_t totp_step(std::int64_t unix_seconds, std::int64_t step_seconds, std::int64_t t0) {
  CAAS_CHECK(step_seconds > 0);
  if (unix_seconds < t0) {
    return 0;
  }
  return static_cast<std::uint64_t>((unix_seconds - t0) / step_seconds);
}

std::string totp(ByteSpan key, std::int64_t unix_seconds, const OtpParams& params,
                 std::int64_t step_seconds, std::int64_t t0) {
  return hotp(key, totp_step(unix_seconds, step_seconds, t0), params);
}

}  // namespace caas::crypto
