#include "auth/totp_check.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "crypto/otp.h"

namespace caas::auth {
namespace {

// RFC 6238 Appendix B: the SHA-1 seed.
constexpr std::string_view kRfcSeed = "12345678901234567890";
ByteSpan rfc_secret() { return as_bytes(kRfcSeed); }
constexpr std::int64_t kNow = 1'111'111'111;  // step 37037037

std::string code_at(std::int64_t unix_seconds) { return crypto::totp(rfc_secret(), unix_seconds); }

TEST(OtpCodeFormatTest, AcceptsSixAsciiDigits) {
  EXPECT_TRUE(is_otp_code_format("000000"));
  EXPECT_TRUE(is_otp_code_format("123456"));
}

TEST(OtpCodeFormatTest, RejectsAnythingElse) {
  EXPECT_FALSE(is_otp_code_format(""));
  EXPECT_FALSE(is_otp_code_format("12345"));
  EXPECT_FALSE(is_otp_code_format("1234567"));
  EXPECT_FALSE(is_otp_code_format("123 456"));
  EXPECT_FALSE(is_otp_code_format(" 123456"));
  EXPECT_FALSE(is_otp_code_format("123456\n"));
  EXPECT_FALSE(is_otp_code_format("12345a"));
  EXPECT_FALSE(is_otp_code_format(std::string("12345\0", 6)));
  // ARABIC-INDIC DIGITS ONE to SIX (U+0661..U+0666), and fullwidth digits.
  EXPECT_FALSE(is_otp_code_format("\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6"));
  EXPECT_FALSE(is_otp_code_format("\xD9\xA1\xD9\xA2\xD9\xA3"));  // 6 bytes, 3 digits
  EXPECT_FALSE(is_otp_code_format("\xEF\xBC\x91\xEF\xBC\x92"));  // U+FF11 U+FF12
}

struct RfcVector {
  std::int64_t unix_seconds;
  const char* code8;  // the RFC's 8-digit value; its last 6 digits are the 6-digit code
};

TEST(MatchTotpTest, AcceptsRfc6238Sha1Vectors) {
  constexpr RfcVector kVectors[] = {{59, "94287082"},         {1111111109, "07081804"},
                                    {1111111111, "14050471"}, {1234567890, "89005924"},
                                    {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const RfcVector& v : kVectors) {
    std::string code = std::string(v.code8).substr(2);
    std::optional<std::uint64_t> step =
        match_totp(rfc_secret(), code, v.unix_seconds, std::nullopt);
    ASSERT_TRUE(step.has_value()) << v.unix_seconds;
    EXPECT_EQ(*step, static_cast<std::uint64_t>(v.unix_seconds / 30));
  }
}

TEST(MatchTotpTest, AcceptsOneStepOfDriftEachWay) {
  const std::uint64_t now_step = kNow / 30;
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow - 30), kNow, std::nullopt), now_step - 1);
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow), kNow, std::nullopt), now_step);
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow + 30), kNow, std::nullopt), now_step + 1);
}

TEST(MatchTotpTest, RefusesTwoStepsOfDrift) {
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow - 60), kNow, std::nullopt), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow + 60), kNow, std::nullopt), std::nullopt);
}

TEST(MatchTotpTest, RefusesReplayOfTheSameStep) {
  std::string code = code_at(kNow);
  std::optional<std::uint64_t> step = match_totp(rfc_secret(), code, kNow, std::nullopt);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(match_totp(rfc_secret(), code, kNow, step), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code, kNow + 30, step), std::nullopt);  // still in window
}

TEST(MatchTotpTest, RefusesAnOlderStepAfterANewerOne) {
  std::optional<std::uint64_t> newer =
      match_totp(rfc_secret(), code_at(kNow + 30), kNow, std::nullopt);
  ASSERT_TRUE(newer.has_value());
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow), kNow, newer), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow - 30), kNow, newer), std::nullopt);
}

TEST(MatchTotpTest, AcceptsTheNextStepAfterOneWasUsed) {
  std::optional<std::uint64_t> used = match_totp(rfc_secret(), code_at(kNow), kNow, std::nullopt);
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(match_totp(rfc_secret(), code_at(kNow + 30), kNow + 30, used), *used + 1);
}

TEST(MatchTotpTest, RefusesWrongOrMalformedCodes) {
  std::string code = code_at(kNow);
  std::string wrong = code;
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  EXPECT_EQ(match_totp(rfc_secret(), wrong, kNow, std::nullopt), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code + " ", kNow, std::nullopt), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code.substr(0, 3) + " " + code.substr(3), kNow, std::nullopt),
            std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), "1" + code, kNow, std::nullopt), std::nullopt);
  EXPECT_EQ(match_totp(rfc_secret(), code.substr(1), kNow, std::nullopt), std::nullopt);
  // The 8-digit RFC value itself is not a 6-digit code.
  EXPECT_EQ(match_totp(rfc_secret(), "14050471", kNow, std::nullopt), std::nullopt);
}

TEST(MatchTotpTest, WorksAtTheFirstStep) {
  EXPECT_EQ(match_totp(rfc_secret(), code_at(0), 0, std::nullopt), 0U);
  EXPECT_EQ(match_totp(rfc_secret(), code_at(30), 0, std::nullopt), 1U);
}

TEST(OtpauthUriTest, EncodesLabelAndIssuer) {
  EXPECT_EQ(otpauth_uri("Example Co", "alice smith@example.com", rfc_secret()),
            "otpauth://totp/Example%20Co:alice%20smith%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Co"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpauthUriTest, EncodesColonsAndNonAscii) {
  EXPECT_EQ(otpauth_uri("A:B", "j\xC3\xB6rg~x_y.z-1", to_bytes("hello")),
            "otpauth://totp/A%3AB:j%C3%B6rg~x_y.z-1?secret=NBSWY3DP&issuer=A%3AB"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpauthUriTest, EmptyIssuerLeavesOutPrefixAndParameter) {
  EXPECT_EQ(otpauth_uri("", "bob", to_bytes("hello")),
            "otpauth://totp/bob?secret=NBSWY3DP&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace caas::auth
