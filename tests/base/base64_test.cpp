#include "base/base64.h"

#include <array>
#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "testing/random.h"

namespace caas {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

using caas::testing::random_bytes;

std::string without_padding(std::string text) {
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  return text;
}

// RFC 4648 §10.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRfc4648Vectors = {{
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
}};

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kRfc4648Vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    Result<Bytes> decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.status();
    EXPECT_EQ(*decoded, to_bytes(plain));
  }
}

TEST(Base64Test, UnpaddedRfc4648Vectors) {
  for (const auto& [plain, encoded] : kRfc4648Vectors) {
    std::string raw = without_padding(std::string(encoded));
    EXPECT_EQ(base64_encode_unpadded(as_bytes(plain)), raw);
    Result<Bytes> decoded = base64_decode_unpadded(raw);
    ASSERT_TRUE(decoded.ok()) << raw << ": " << decoded.status();
    EXPECT_EQ(*decoded, to_bytes(plain));
  }
}

TEST(Base64Test, EveryAlphabetCharacterRoundTrips) {
  // 64 characters, one of each value in order: 48 bytes 0x00 0x10 0x83 ...
  Result<Bytes> decoded = base64_decode(kAlphabet);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 48U);
  EXPECT_EQ((*decoded)[0], 0x00);
  EXPECT_EQ((*decoded)[1], 0x10);
  EXPECT_EQ((*decoded)[2], 0x83);
  EXPECT_EQ((*decoded)[47], 0xBF);
  EXPECT_EQ(base64_encode(*decoded), kAlphabet);
}

TEST(Base64Test, RandomRoundTripsOfEveryLengthUpTo300) {
  std::mt19937 rng(4648);
  for (std::size_t size = 0; size <= 300; ++size) {
    Bytes data = random_bytes(rng, size);
    std::string padded = base64_encode(data);
    std::string raw = base64_encode_unpadded(data);
    EXPECT_EQ(padded.size(), (size + 2) / 3 * 4);
    EXPECT_EQ(raw, without_padding(padded));
    Result<Bytes> back = base64_decode(padded);
    ASSERT_TRUE(back.ok()) << size;
    EXPECT_EQ(*back, data);
    Result<Bytes> raw_back = base64_decode_unpadded(raw);
    ASSERT_TRUE(raw_back.ok()) << size;
    EXPECT_EQ(*raw_back, data);
    EXPECT_EQ(base64_decoded_size(padded).value(), size);
    EXPECT_EQ(base64_unpadded_decoded_size(raw).value(), size);
    Bytes into(size, 0xAA);
    EXPECT_TRUE(base64_decode_into(padded, into).ok());
    EXPECT_EQ(into, data);
    Bytes raw_into(size, 0xAA);
    EXPECT_TRUE(base64_decode_unpadded_into(raw, raw_into).ok());
    EXPECT_EQ(raw_into, data);
  }
}

TEST(Base64Test, RejectsEveryCharacterOutsideTheAlphabet) {
  for (int c = 0; c < 256; ++c) {
    bool in_alphabet = kAlphabet.find(static_cast<char>(c)) != std::string_view::npos;
    std::string text = "AAAA";
    text[0] = static_cast<char>(c);
    EXPECT_EQ(base64_decode(text).ok(), in_alphabet) << "character " << c;
    EXPECT_EQ(base64_decode_unpadded(text).ok(), in_alphabet) << "character " << c;
    text = "AAAAAAAA";
    text[5] = static_cast<char>(c);  // inside the second group
    EXPECT_EQ(base64_decode(text).ok(), in_alphabet) << "character " << c;
  }
  EXPECT_EQ(base64_decode("Zm9v!mFy").status().code(), ErrorCode::kInvalidArgument);
}

TEST(Base64Test, RejectsUrlSafeAlphabet) {
  EXPECT_FALSE(base64_decode("-_-_").ok());
  EXPECT_TRUE(base64_decode("+/+/").ok());
}

TEST(Base64Test, RejectsWhitespace) {
  for (std::string_view text : {"Zm9v\n", " Zm9v", "Zm9v ", "Zm9v\nYmFy", "Zm9v\r\nYmFy", "Zm 9v",
                                "Zm9v YmE=", "Zm9v\tYmFy", "Zm9vYmFy\n"}) {
    EXPECT_FALSE(base64_decode(text).ok()) << text;
    EXPECT_FALSE(base64_decode_unpadded(text).ok()) << text;
  }
}

TEST(Base64Test, RejectsNonZeroUnusedBits) {
  // "f" is Zg== and "fo" is Zm8=; the last data character of each has 4 and 2 unused bits.
  // Every other character sharing the used bits must be rejected.
  for (std::size_t v = 0; v < 64; ++v) {
    std::string one = std::string("Z") + kAlphabet[v] + "==";
    bool canonical_one = (v & 0xFU) == 0;
    EXPECT_EQ(base64_decode(one).ok(), canonical_one) << one;
    EXPECT_EQ(base64_decode_unpadded(one.substr(0, 2)).ok(), canonical_one) << one;
    std::string two = std::string("Zm") + kAlphabet[v] + "=";
    bool canonical_two = (v & 0x3U) == 0;
    EXPECT_EQ(base64_decode(two).ok(), canonical_two) << two;
    EXPECT_EQ(base64_decode_unpadded(two.substr(0, 3)).ok(), canonical_two) << two;
  }
  Result<Bytes> bad = base64_decode("Zh==");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "base64: non-canonical encoding (unused bits set)");
}

TEST(Base64Test, PaddedRejectsWrongLengthsAndMisplacedPadding) {
  for (std::string_view text : {"Z",        "Zg",   "Zg=",  "Zm8",  "Zm9vY", "Zm9vYg", "Zm9vYg=",
                                "=",        "==",   "===",  "====", "Z===",  "Zg===",  "Zm9v====",
                                "Zg==Zg==", "Z=g=", "Zg=A", "=Zm9", "Zm9v=", "Zm=v"}) {
    EXPECT_FALSE(base64_decode(text).ok()) << text;
  }
}

TEST(Base64Test, UnpaddedRejectsPaddingAndImpossibleLengths) {
  for (std::string_view text : {"Zg==", "Zm8=", "Zg=", "Z", "Zm9vY", "Zm9v=", "="}) {
    EXPECT_FALSE(base64_decode_unpadded(text).ok()) << text;
  }
  EXPECT_FALSE(base64_unpadded_decoded_size("Zm9vY").ok());
  EXPECT_EQ(base64_unpadded_decoded_size("Zm9vYg").value(), 4U);
}

TEST(Base64Test, DecodedSizeNeedsAPossibleLength) {
  EXPECT_EQ(base64_decoded_size("").value(), 0U);
  EXPECT_EQ(base64_decoded_size("Zg==").value(), 1U);
  EXPECT_EQ(base64_decoded_size("Zm8=").value(), 2U);
  EXPECT_EQ(base64_decoded_size("Zm9vYmFy").value(), 6U);
  EXPECT_FALSE(base64_decoded_size("Zm9").ok());
}

TEST(Base64Test, DecodeIntoNeedsExactSizeAndZeroesOnError) {
  std::array<std::uint8_t, 3> out{};
  EXPECT_TRUE(base64_decode_into("Zm9v", out).ok());
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{'f', 'o', 'o'}));

  std::array<std::uint8_t, 2> small{1, 2};
  EXPECT_EQ(base64_decode_into("Zm9v", small).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(small, (std::array<std::uint8_t, 2>{0, 0}));

  out = {1, 2, 3};
  EXPECT_FALSE(base64_decode_into("Zm9!", out).ok());  // bad last character after good ones
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{0, 0, 0}));
  out = {1, 2, 3};
  EXPECT_FALSE(base64_decode_into("Zm9", out).ok());
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{0, 0, 0}));

  std::array<std::uint8_t, 2> two{1, 2};
  EXPECT_FALSE(base64_decode_unpadded_into("Zm9=", two).ok());
  EXPECT_EQ(two, (std::array<std::uint8_t, 2>{0, 0}));
  two = {1, 2};
  EXPECT_FALSE(base64_decode_unpadded_into("Zm9vY", two).ok());  // impossible length
  EXPECT_EQ(two, (std::array<std::uint8_t, 2>{0, 0}));
  EXPECT_TRUE(base64_decode_unpadded_into("Zm8", two).ok());
  EXPECT_EQ(two, (std::array<std::uint8_t, 2>{'f', 'o'}));
}

TEST(Base64Test, ErrorsDoNotEchoTheInput) {
  for (std::string_view text : {"c2VjcmV0!!!!", "c2VjcmV0c2Vj=", "c2VjcmV0cx=="}) {
    Result<Bytes> bad = base64_decode(text);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().message().find("c2Vj"), std::string::npos);
    EXPECT_EQ(bad.status().message().rfind("base64: ", 0), 0U);
  }
}

}  // namespace
}  // namespace caas
