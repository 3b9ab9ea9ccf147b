#include "auth/email.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace caas::auth {
namespace {

std::string normalized(std::string_view input) {
  Result<std::string> out = normalize_email(input);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

void expect_rejected(std::string_view input) {
  Result<std::string> out = normalize_email(input);
  ASSERT_FALSE(out.ok()) << "accepted: " << *out;
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.status().message().rfind("field email: ", 0), 0U) << out.status();
}

TEST(NormalizeEmailTest, AcceptsPlainAddress) {
  EXPECT_EQ(normalized("alice@example.com"), "alice@example.com");
  EXPECT_EQ(normalized("a.b+tag@sub.example-1.co"), "a.b+tag@sub.example-1.co");
}

TEST(NormalizeEmailTest, TrimsAsciiWhitespace) {
  EXPECT_EQ(normalized("  \t\r\nalice@example.com \n\t\r "), "alice@example.com");
}

TEST(NormalizeEmailTest, LowerCasesDomainOnly) {
  EXPECT_EQ(normalized("Alice@Example.COM"), "Alice@example.com");
}

TEST(NormalizeEmailTest, ComposesToNfc) {
  // "e" + U+0301 COMBINING ACUTE ACCENT becomes U+00E9 in both parts.
  EXPECT_EQ(normalized("Jose\xCC\x81@caf\x65\xCC\x81.fr"), "Jos\xC3\xA9@caf\xC3\xA9.fr");
  EXPECT_EQ(normalized("Jos\xC3\xA9@x.fr"), normalized("Jose\xCC\x81@x.fr"));
}

TEST(NormalizeEmailTest, KelvinSignInDomainFoldsToLowerK) {
  // U+212A KELVIN SIGN decomposes canonically to "K", which the domain folding then lowers.
  EXPECT_EQ(normalized("a@\xE2\x84\xAA.com"), "a@k.com");
}

TEST(NormalizeEmailTest, RecomposesAfterLowerCasingDomain) {
  // "W" + U+030A has no precomposed form, "w" + U+030A is U+1E98.
  EXPECT_EQ(normalized("a@\xC3\xA9W\xCC\x8A.com"), "a@\xC3\xA9\xE1\xBA\x98.com");
}

TEST(NormalizeEmailTest, AcceptsInternationalizedDomain) {
  EXPECT_EQ(normalized("user@B\xC3\xBC\x63her.example"), "user@b\xC3\xBC\x63her.example");
}

TEST(NormalizeEmailTest, RejectsInvalidUtf8) {
  expect_rejected("a\xFF@example.com");
  expect_rejected("a@example.com\xC3");          // truncated sequence
  expect_rejected("a\xC0\xAF@example.com");      // overlong '/'
  expect_rejected("a\xED\xA0\x80@example.com");  // UTF-16 surrogate
}

TEST(NormalizeEmailTest, RejectsMissingOrExtraAt) {
  expect_rejected("alice.example.com");
  expect_rejected("a@b@example.com");
}

TEST(NormalizeEmailTest, RejectsEmptyParts) {
  expect_rejected("");
  expect_rejected(" \t ");
  expect_rejected("@example.com");
  expect_rejected("alice@");
  expect_rejected("@");
}

TEST(NormalizeEmailTest, RejectsOverlongParts) {
  std::string local(64, 'a');
  EXPECT_EQ(normalized(local + "@example.com"), local + "@example.com");
  expect_rejected(local + "a@example.com");

  std::string label(63, 'b');
  EXPECT_EQ(normalized("a@" + label + ".com"), "a@" + label + ".com");
  expect_rejected("a@" + label + "b.com");

  // 4 labels of 63 + 3 dots = 255 > 253.
  std::string domain = label + "." + label + "." + label + "." + label;
  expect_rejected("a@" + domain);
  // A 253-byte domain is fine alone but the address is 255 bytes.
  std::string domain253 = label + "." + label + "." + label + "." + std::string(61, 'c');
  ASSERT_EQ(domain253.size(), 253U);
  expect_rejected("a@" + domain253);
  std::string domain251 = label + "." + label + "." + label + "." + std::string(59, 'c');
  EXPECT_EQ(normalized("a@" + domain251).size(), 253U);
  EXPECT_EQ(normalized("ab@" + domain251).size(), kMaxEmailBytes);
  expect_rejected("abc@" + domain251);
}

TEST(NormalizeEmailTest, RejectsOverlongInputBeforeTrimming) {
  std::string padded = std::string(1000, ' ') + "a@example.com" + std::string(20, ' ');
  ASSERT_GT(padded.size(), kMaxEmailInputBytes);
  expect_rejected(padded);
  std::string fits = std::string(1000, ' ') + "a@example.com";
  EXPECT_EQ(normalized(fits), "a@example.com");
}

TEST(NormalizeEmailTest, RejectsControlCharacters) {
  expect_rejected(std::string("a\0b@example.com", 15));
  expect_rejected("a\x01@example.com");
  expect_rejected("a\x7F@example.com");
  expect_rejected("a\xC2\x85@example.com");  // U+0085 NEXT LINE (C1)
  expect_rejected("a@exam\tple.com");
}

TEST(NormalizeEmailTest, RejectsHeaderInjection) {
  expect_rejected("a@b.c\r\nBcc: x@y.z");
  expect_rejected("a@b.c\nBcc:x@y.z");
  expect_rejected("a@b.c,x@y.z");
  expect_rejected("a@b.c;x@y.z");
}

TEST(NormalizeEmailTest, RejectsWhitespaceInside) {
  expect_rejected("al ice@example.com");
  expect_rejected("alice@exa mple.com");
  expect_rejected("alice\xC2\xA0@example.com");      // U+00A0 NO-BREAK SPACE
  expect_rejected("alice@example.com\xE2\x80\xA8");  // U+2028 LINE SEPARATOR
}

TEST(NormalizeEmailTest, RejectsSpecialCharacters) {
  for (char c : std::string_view("<>()[],;:\\\"")) {
    expect_rejected(std::string("al") + c + "ice@example.com");
  }
  expect_rejected("\"alice\"@example.com");
  expect_rejected("alice@[192.0.2.1]");
  expect_rejected("<alice@example.com>");
}

TEST(NormalizeEmailTest, RejectsMalformedDomains) {
  expect_rejected("a@.example.com");
  expect_rejected("a@example.com.");
  expect_rejected("a@example..com");
  expect_rejected("a@-example.com");
  expect_rejected("a@example-.com");
  expect_rejected("a@exa_mple.com");
  expect_rejected("a@exa+mple.com");
  expect_rejected("a@b\xC3\xBC\x63her..example");
  expect_rejected("a@b\xC3\xBC\x63her-.example");
  expect_rejected("a@b\xC3\xBC_cher.example");
}

TEST(NormalizeEmailTest, ErrorsDoNotEchoTheInput) {
  Result<std::string> out = normalize_email("secretname@exa mple.com");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message().find("secretname"), std::string::npos);
}

TEST(NormalizeEmailTest, IsIdempotent) {
  for (std::string_view input :
       {"Alice@Example.COM", "  bob@EXAMPLE.org\n", "Jose\xCC\x81@caf\x65\xCC\x81.FR",
        "a@\xE2\x84\xAA.com", "a@\xC3\xA9W\xCC\x8A.com", "x@B\xC3\xBC\x63her.example"}) {
    std::string once = normalized(input);
    EXPECT_EQ(normalized(once), once);
  }
}

}  // namespace
}  // namespace caas::auth
