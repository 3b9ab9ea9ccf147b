#include "base/hex.h"

#include <gtest/gtest.h>

namespace caas {
namespace {

TEST(HexTest, EncodesEveryByteValue) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<std::uint8_t>(i);
  }
  std::string text = hex_encode(all);
  ASSERT_EQ(text.size(), 512U);
  EXPECT_EQ(text.substr(0, 8), "00010203");
  EXPECT_EQ(text.substr(20, 12), "0a0b0c0d0e0f");
  EXPECT_EQ(text.substr(504), "fcfdfeff");
  Result<Bytes> back = hex_decode(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(HexTest, DecodesUpperCase) {
  Result<Bytes> bytes = hex_decode("DEADbeef");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, (Bytes{0xde, 0xad, 0xbe, 0xef}));
}

TEST(HexTest, EmptyRoundTrips) {
  EXPECT_EQ(hex_encode({}), "");
  Result<Bytes> bytes = hex_decode("");
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(bytes->empty());
}

TEST(HexTest, RejectsOddLengthAndEveryNonHexCharacter) {
  EXPECT_EQ(hex_decode("abc").status().code(), ErrorCode::kInvalidArgument);
  for (int c = 0; c < 256; ++c) {
    bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    std::string text = "0";
    text += static_cast<char>(c);
    EXPECT_EQ(hex_decode(text).ok(), is_hex) << "character " << c;
  }
}

TEST(HexTest, DecodeIntoZeroesOutputOnInvalidCharacter) {
  std::array<std::uint8_t, 3> out{};
  EXPECT_FALSE(hex_decode_into("abcdzz", out).ok());
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{}));
}

TEST(HexTest, DecodeIntoNeedsExactSize) {
  std::array<std::uint8_t, 2> out{};
  EXPECT_TRUE(hex_decode_into("0102", out).ok());
  EXPECT_EQ(out[1], 2);
  EXPECT_FALSE(hex_decode_into("010203", out).ok());
}

}  // namespace
}  // namespace caas
