// Code tags and sealed TOTP secrets under the keyring's "otp" key.
#include "auth/otp_keys.h"

#include <set>

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace caas::auth {
namespace {

kms::Keyring keyring() { return std::move(kms::Keyring::generate()).value(); }

TEST(OtpKeysTest, EmailCodesAreSixDigitsAndVary) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string code = new_email_code();
    ASSERT_EQ(code.size(), 6U);
    ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
    seen.insert(code);
  }
  EXPECT_GT(seen.size(), 190U);
}

TEST(OtpKeysTest, TagsBindPurposeSubjectAndCode) {
  kms::Keyring ring = keyring();
  std::string tag = *code_tag(ring, "login", "ticket-1", "123456");
  EXPECT_EQ(tag.size(), 64U);
  EXPECT_EQ(tag.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(code_matches(ring, "login", "ticket-1", "123456", tag));
  EXPECT_FALSE(code_matches(ring, "login", "ticket-1", "123457", tag));
  EXPECT_FALSE(code_matches(ring, "login", "ticket-2", "123456", tag));
  EXPECT_FALSE(code_matches(ring, "register", "ticket-1", "123456", tag));
  // Length-prefixed fields: moving a byte across the boundary changes the tag.
  EXPECT_FALSE(code_matches(ring, "login", "ticket-11", "23456", tag));
  // Another keyring (another deployment) gives another tag.
  EXPECT_FALSE(code_matches(keyring(), "login", "ticket-1", "123456", tag));
  EXPECT_EQ(tag.find("123456"), std::string::npos);
}

TEST(OtpKeysTest, TotpSecretsSealForOneUserOnly) {
  kms::Keyring ring = keyring();
  Bytes secret = crypto::random_bytes(kTotpSecretBytes);
  std::string sealed = *seal_totp_secret(ring, "user-a", secret);
  EXPECT_TRUE(sealed.starts_with("v1:"));
  Result<crypto::SecretBytes> opened = open_totp_secret(ring, "user-a", sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(
      std::equal(secret.begin(), secret.end(), opened->expose().begin(), opened->expose().end()));
  EXPECT_EQ(open_totp_secret(ring, "user-b", sealed).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(open_totp_secret(keyring(), "user-a", sealed).status().code(), ErrorCode::kDataLoss);
  std::string flipped = sealed;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_totp_secret(ring, "user-a", flipped).status().code(), ErrorCode::kDataLoss);
  for (const std::string& bad :
       std::vector<std::string>{"", "v1", "v1:", "x1:AAAA", "v9:" + sealed.substr(3), "v1:!!!!"}) {
    EXPECT_EQ(open_totp_secret(ring, "user-a", bad).status().code(), ErrorCode::kDataLoss) << bad;
  }
}

TEST(OtpKeysTest, RotatedOtpKeyStillOpensOldSecrets) {
  kms::Keyring ring = keyring();
  Bytes secret = crypto::random_bytes(kTotpSecretBytes);
  std::string sealed = *seal_totp_secret(ring, "u", secret);
  kms::Keyring rotated = *ring.rotated("otp");
  EXPECT_TRUE(open_totp_secret(rotated, "u", sealed).ok());
  EXPECT_TRUE(seal_totp_secret(rotated, "u", secret)->starts_with("v2:"));
}

TEST(OtpKeysTest, MailTextCarriesTheCodeAndLifetime) {
  crypto::SecretBytes text = code_mail_text("042917", "to sign in", std::chrono::seconds(300));
  std::string body(text.expose().begin(), text.expose().end());
  EXPECT_NE(body.find("042917"), std::string::npos);
  EXPECT_NE(body.find("5 minutes"), std::string::npos);
}

}  // namespace
}  // namespace caas::auth
