#include "transit/ciphertext.h"

#include <string>

#include <gtest/gtest.h>

#include "base/base64.h"

namespace caas::transit {
namespace {

TEST(TransitCiphertextTest, FormatsTheDocumentedShape) {
  EXPECT_EQ(format_versioned(1, to_bytes("hello")), "caas:v1:aGVsbG8=");
  EXPECT_EQ(format_versioned(42, Bytes{0xff}), "caas:v42:/w==");
  EXPECT_EQ(format_versioned(kMaxKeyVersion, Bytes{0, 1, 2}), "caas:v2147483647:AAEC");
}

TEST(TransitCiphertextTest, RoundTrips) {
  for (std::uint32_t version : {1U, 2U, 9U, 10U, 12345U, kMaxKeyVersion}) {
    for (std::size_t size : {1U, 2U, 3U, 4U, 28U, 384U}) {
      Bytes blob(size);
      for (std::size_t i = 0; i < size; ++i) {
        blob[i] = static_cast<std::uint8_t>(i * 7 + version);
      }
      const std::string text = format_versioned(version, blob);
      Result<Versioned> parsed = parse_versioned(text);
      ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
      EXPECT_EQ(parsed->version, version);
      EXPECT_EQ(parsed->blob, blob);
    }
  }
}

TEST(TransitCiphertextTest, LargestBlobRoundTrips) {
  const Bytes blob(kMaxVersionedBlobBytes, 0x5a);
  const std::string text = format_versioned(kMaxKeyVersion, blob);
  EXPECT_EQ(text.size(), kMaxVersionedTextBytes);
  Result<Versioned> parsed = parse_versioned(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->blob, blob);
}

TEST(TransitCiphertextTest, RefusesMalformedTexts) {
  const char* const bad[] = {
      "",
      "caas",
      "caas:",
      "caas:v",
      "caas:v1",
      "caas:v1:",  // empty payload
      "caas:v:aGVsbG8=",
      "caas:v0:aGVsbG8=",
      "caas:v01:aGVsbG8=",
      "caas:v-1:aGVsbG8=",
      "caas:v+1:aGVsbG8=",
      "caas:v 1:aGVsbG8=",
      "caas:v1 :aGVsbG8=",
      "caas:v1a:aGVsbG8=",
      "caas:v2147483648:aGVsbG8=",   // 2^31
      "caas:v4294967297:aGVsbG8=",   // 2^32 + 1 wraps in u32
      "caas:v99999999999:aGVsbG8=",  // 11 digits
      "caas:v1:aGVsbG8",             // missing padding
      "caas:v1:aGVsbG9=",            // non-zero unused bits
      "caas:v1:aGVs bG8=",
      "caas:v1:aGVsbG8=\n",
      "caas:v1:aGVsbG8=:",
      "caas:v1:a-_sbG8=",  // URL-safe alphabet
      "caas:v1::aGVsbG8=",
      "CAAS:v1:aGVsbG8=",
      "caas:V1:aGVsbG8=",
      "vault:v1:aGVsbG8=",
      " caas:v1:aGVsbG8=",
      "caas:v1",
  };
  for (const char* text : bad) {
    Result<Versioned> parsed = parse_versioned(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(TransitCiphertextTest, RefusesOverlongInput) {
  std::string text = "caas:v1:" + base64_encode(Bytes(kMaxVersionedBlobBytes + 3, 1));
  Result<Versioned> parsed = parse_versioned(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  // A blob just over the limit whose text still fits under kMaxVersionedTextBytes.
  text = "caas:v1:" + base64_encode(Bytes(kMaxVersionedBlobBytes + 1, 1));
  ASSERT_LE(text.size(), kMaxVersionedTextBytes);
  EXPECT_FALSE(parse_versioned(text).ok());
}

}  // namespace
}  // namespace caas::transit
