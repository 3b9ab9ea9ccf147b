#include "base/base32.h"

#include <array>
#include <cctype>
#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "testing/random.h"

namespace caas {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

using caas::testing::random_bytes;

std::string without_padding(std::string text) {
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// RFC 4648 §10.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRfc4648Vectors = {{
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
}};

TEST(Base32Test, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kRfc4648Vectors) {
    EXPECT_EQ(base32_encode(as_bytes(plain), /*pad=*/true), encoded);
    std::string raw = without_padding(std::string(encoded));
    EXPECT_EQ(base32_encode(as_bytes(plain), /*pad=*/false), raw);
    for (const std::string& text :
         {std::string(encoded), raw, lower(std::string(encoded)), lower(raw)}) {
      Result<Bytes> decoded = base32_decode(text);
      ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status();
      EXPECT_EQ(*decoded, to_bytes(plain)) << text;
    }
  }
}

TEST(Base32Test, Rfc6238TotpSecret) {
  // The SHA-1 seed of RFC 6238 Appendix B, as an otpauth:// URI carries it.
  Bytes seed = to_bytes("12345678901234567890");
  EXPECT_EQ(base32_encode(seed, /*pad=*/false), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  Result<Bytes> decoded = base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, seed);
}

TEST(Base32Test, EveryAlphabetCharacterInEitherCase) {
  // 32 characters, one of each value in order: 20 bytes.
  Result<Bytes> upper = base32_decode(kAlphabet);
  ASSERT_TRUE(upper.ok());
  ASSERT_EQ(upper->size(), 20U);
  EXPECT_EQ((*upper)[0], 0x00);  // 00000 00001 0...
  EXPECT_EQ((*upper)[1], 0x44);  // ...0 00100 00...
  EXPECT_EQ((*upper)[19], 0xDF);
  EXPECT_EQ(base32_encode(*upper, /*pad=*/false), kAlphabet);
  Result<Bytes> lowered = base32_decode(lower(std::string(kAlphabet)));
  ASSERT_TRUE(lowered.ok());
  EXPECT_EQ(*lowered, *upper);
  Result<Bytes> mixed = base32_decode("JBSWY3dp");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*mixed, to_bytes("Hello"));
}

TEST(Base32Test, RandomRoundTripsOfEveryLengthUpTo300) {
  std::mt19937 rng(6238);
  for (std::size_t size = 0; size <= 300; ++size) {
    Bytes data = random_bytes(rng, size);
    std::string padded = base32_encode(data, /*pad=*/true);
    std::string raw = base32_encode(data, /*pad=*/false);
    EXPECT_EQ(padded.size(), (size + 4) / 5 * 8);
    EXPECT_EQ(raw, without_padding(padded));
    for (const std::string& text : {padded, raw, lower(padded), lower(raw)}) {
      Result<Bytes> back = base32_decode(text);
      ASSERT_TRUE(back.ok()) << size << " " << text;
      EXPECT_EQ(*back, data);
      EXPECT_EQ(base32_decoded_size(text).value(), size);
    }
    Bytes into(size, 0xAA);
    EXPECT_TRUE(base32_decode_into(raw, into).ok());
    EXPECT_EQ(into, data);
  }
}

TEST(Base32Test, RejectsEveryCharacterOutsideTheAlphabet) {
  for (int c = 0; c < 256; ++c) {
    bool valid = kAlphabet.find(static_cast<char>(std::toupper(c))) != std::string_view::npos;
    std::string text = "AAAAAAAA";
    text[0] = static_cast<char>(c);
    EXPECT_EQ(base32_decode(text).ok(), valid) << "character " << c;
    text = "AAAAAAAAAA";  // 2 groups, the second one short
    text[8] = static_cast<char>(c);
    EXPECT_EQ(base32_decode(text).ok(), valid) << "character " << c;
  }
  for (std::string_view text : {"MZXW0===", "MZXW1===", "MZXW8===", "MZXW9==="}) {
    EXPECT_EQ(base32_decode(text).status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(Base32Test, RejectsWhitespaceAndSeparators) {
  for (std::string_view text :
       {"MZXW 6YTB", "MZXW6YTB\n", " MZXW6YTB", "MZXW-6YTB", "MZXW\t6YTB", "MZXW6YTB OI======"}) {
    EXPECT_FALSE(base32_decode(text).ok()) << text;
  }
}

TEST(Base32Test, RejectsImpossibleLengths) {
  // 1, 3 or 6 characters mod 8 leave 5 or more unused bits: no byte string encodes to them.
  for (std::string_view text :
       {"M", "MZX", "MZXW6Y", "MZXW6YTBO", "MZXW6YTBOIA", "A=======", "AAA=====", "AAAAAA=="}) {
    Result<Bytes> decoded = base32_decode(text);
    EXPECT_FALSE(decoded.ok()) << text;
    EXPECT_FALSE(base32_decoded_size(text).ok()) << text;
  }
  EXPECT_EQ(base32_decode("MZX").status().message(), "base32: impossible length");
}

TEST(Base32Test, RejectsWrongPadding) {
  for (std::string_view text :
       {"MY=", "MY=====", "MY=======", "MZXQ===", "MZXQ=====", "MZXW6==", "MZXW6====", "MZXW6YQ",
        "MZXW6YQ==", "MZXW6YTB=", "MZXW6YTB========", "========", "=",
        "MY======MY======", "MY==MY==", "M=Y=====", "MZXW6YTBOI=====", "MZXW6YTBOI======="}) {
    if (text == "MZXW6YQ") {
      EXPECT_TRUE(base32_decode(text).ok());  // unpadded is fine; the control case
      continue;
    }
    EXPECT_FALSE(base32_decode(text).ok()) << text;
  }
  EXPECT_EQ(base32_decode("MY=====").status().message(), "base32: invalid padding");
}

TEST(Base32Test, RejectsNonZeroUnusedBits) {
  // The last data character of a 2, 4, 5 or 7 character group has 2, 4, 1 or 3 unused bits.
  constexpr std::array<std::pair<std::string_view, unsigned>, 4> kCases = {
      {{"M", 2}, {"MZX", 4}, {"MZXW", 1}, {"MZXW6Y", 3}}};
  for (const auto& [prefix, unused_bits] : kCases) {
    for (std::size_t v = 0; v < 32; ++v) {
      std::string text = std::string(prefix) + kAlphabet[v];
      bool canonical = (v & ((1U << unused_bits) - 1U)) == 0;
      EXPECT_EQ(base32_decode(text).ok(), canonical) << text;
      EXPECT_EQ(base32_decode(lower(text)).ok(), canonical) << text;
    }
  }
  EXPECT_EQ(base32_decode("MZ======").status().message(),
            "base32: non-canonical encoding (unused bits set)");
}

TEST(Base32Test, DecodeIntoNeedsExactSizeAndZeroesOnError) {
  std::array<std::uint8_t, 5> out{};
  EXPECT_TRUE(base32_decode_into("MZXW6YTB", out).ok());
  EXPECT_EQ(out, (std::array<std::uint8_t, 5>{'f', 'o', 'o', 'b', 'a'}));
  out = {1, 2, 3, 4, 5};
  EXPECT_FALSE(base32_decode_into("MZXW6YT1", out).ok());
  EXPECT_EQ(out, (std::array<std::uint8_t, 5>{}));
  std::array<std::uint8_t, 4> small{1, 2, 3, 4};
  EXPECT_EQ(base32_decode_into("MZXW6YTB", small).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(small, (std::array<std::uint8_t, 4>{}));
  small = {1, 2, 3, 4};
  EXPECT_FALSE(base32_decode_into("MZXW6YQ==", small).ok());
  EXPECT_EQ(small, (std::array<std::uint8_t, 4>{}));
}

TEST(Base32Test, ErrorsDoNotEchoTheInput) {
  for (std::string_view text : {"ONSWG4TFOQ!!!!!!", "ONSWG4TFOQ=", "ONSWG4TFOR"}) {
    Result<Bytes> bad = base32_decode(text);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().message().find("ONSW"), std::string::npos);
    EXPECT_EQ(bad.status().message().rfind("base32: ", 0), 0U);
  }
}

}  // namespace
}  // namespace caas
