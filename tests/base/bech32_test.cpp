#include "base/bech32.h"

#include <array>
#include <cctype>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "base/hex.h"
#include "testing/random.h"

namespace caas {
namespace {

using caas::testing::random_bytes;

bool has_upper(std::string_view text) {
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      return true;
    }
  }
  return false;
}

// BIP-173 "Test vectors": valid bech32 strings (checked with an independent script too).
constexpr std::array<std::string_view, 7> kBip173Valid = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

// BIP-173 "Test vectors": invalid strings, with the reason BIP-173 gives.
constexpr std::array<std::string_view, 12> kBip173Invalid = {
    "\x20"
    "1nwldj5",  // hrp character out of range
    "\x7f"
    "1axkwrx",  // hrp character out of range
    "\x80"
    "1eym55h",  // hrp character out of range
    // overall max length exceeded (for us: hrp longer than 83)
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",   // no separator character
    "1pzry9x0s0muk",  // empty hrp
    "x1b4n0q5v",      // invalid data character
    "li1dgmt3",       // too short checksum
    "de1lg7wt\xff",   // invalid character in checksum
    "A1G7SGD8",       // checksum calculated with upper-case form of hrp
    "10a06t8",        // empty hrp
    "1qzzfhee",       // empty hrp
};

TEST(Bech32Test, Bip173ValidStringsRoundTripAsGroups) {
  for (std::string_view text : kBip173Valid) {
    Result<detail::Bech32Groups> groups = detail::bech32_decode_groups(text);
    ASSERT_TRUE(groups.ok()) << text << ": " << groups.status();
    EXPECT_EQ(detail::bech32_encode_groups(groups->hrp, groups->values, has_upper(text)), text);
    // A changed data character breaks the checksum (the check of age's bech32_test.go).
    std::string flipped(text);
    std::size_t first_data = flipped.rfind('1') + 1;
    flipped[first_data] = flipped[first_data] == 'q' ? 'p' : 'q';
    if (has_upper(text)) {
      flipped[first_data] = static_cast<char>(std::toupper(flipped[first_data]));
    }
    EXPECT_FALSE(detail::bech32_decode_groups(flipped).ok()) << flipped;
  }
}

TEST(Bech32Test, Bip173ValidStringsAsBytes) {
  Result<Bech32Decoded> upper = bech32_decode("A12UEL5L");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->hrp, "a");
  EXPECT_TRUE(upper->data.empty());
  EXPECT_EQ(bech32_encode_upper("a", {}), "A12UEL5L");
  EXPECT_EQ(bech32_encode("A", {}), "a12uel5l");

  Result<Bech32Decoded> abc = bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
  ASSERT_TRUE(abc.ok());
  EXPECT_EQ(abc->hrp, "abcdef");
  EXPECT_EQ(hex_encode(abc->data), "00443214c74254b635cf84653a56d7c675be77df");

  Result<Bech32Decoded> ones = bech32_decode(kBip173Valid[4]);
  ASSERT_TRUE(ones.ok());
  EXPECT_EQ(ones->hrp, "1");
  EXPECT_EQ(ones->data, Bytes(51, 0));
  EXPECT_EQ(bech32_encode("1", ones->data), kBip173Valid[4]);

  Result<Bech32Decoded> split = bech32_decode(kBip173Valid[5]);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(hex_encode(split->data),
            "c5f38b70305f519bf66d85fb6cf03058f3dde463ecd7918f2dc743918f2d");
  EXPECT_EQ(bech32_encode("split", split->data), kBip173Valid[5]);
}

TEST(Bech32Test, Bip173InvalidStringsAreRejected) {
  for (std::string_view text : kBip173Invalid) {
    EXPECT_EQ(detail::bech32_decode_groups(text).status().code(), ErrorCode::kInvalidArgument)
        << text;
    EXPECT_FALSE(bech32_decode(text).ok()) << text;
  }
  EXPECT_EQ(bech32_decode("pzry9x0s0muk").status().message(), "bech32: no separator");
  EXPECT_EQ(bech32_decode("x1b4n0q5v").status().message(),
            "bech32: invalid character in data part");
  EXPECT_EQ(bech32_decode("li1dgmt3").status().message(), "bech32: data part too short");
  EXPECT_EQ(bech32_decode("A1G7SGD8").status().message(), "bech32: invalid checksum");
  EXPECT_EQ(bech32_decode("\x7f"
                          "1axkwrx")
                .status()
                .message(),
            "bech32: invalid character in human-readable part");
}

TEST(Bech32Test, AgeKeys) {
  // The recipient in age's README, and an identity with 32 bytes of 0x42.
  constexpr std::string_view kRecipient =
      "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
  Result<Bech32Decoded> recipient = bech32_decode(kRecipient);
  ASSERT_TRUE(recipient.ok());
  EXPECT_EQ(recipient->hrp, "age");
  EXPECT_EQ(hex_encode(recipient->data),
            "07e22f5e44a542e8dc8e753a42251e1010cc79d192b3f71c5b1c95645209997a");
  EXPECT_EQ(bech32_encode("age", recipient->data), kRecipient);

  constexpr std::string_view kIdentity =
      "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
  std::array<std::uint8_t, 32> key{};
  Result<std::string> hrp = bech32_decode_into(kIdentity, key);
  ASSERT_TRUE(hrp.ok());
  EXPECT_EQ(*hrp, "age-secret-key-");
  std::array<std::uint8_t, 32> expected{};
  expected.fill(0x42);
  EXPECT_EQ(key, expected);
  EXPECT_EQ(bech32_encode_upper("age-secret-key-", key), kIdentity);
  EXPECT_EQ(bech32_encode_upper("AGE-SECRET-KEY-", key), kIdentity);
}

TEST(Bech32Test, RandomRoundTrips) {
  std::mt19937 rng(173);
  for (std::size_t size = 0; size <= 300; ++size) {
    Bytes data = random_bytes(rng, size);
    std::string recipient = bech32_encode("age", data);
    EXPECT_EQ(recipient.size(), 3 + 1 + (size * 8 + 4) / 5 + 6);
    Result<Bech32Decoded> back = bech32_decode(recipient);
    ASSERT_TRUE(back.ok()) << size << ": " << back.status();
    EXPECT_EQ(back->hrp, "age");
    EXPECT_EQ(back->data, data);

    std::string identity = bech32_encode_upper("age-secret-key-", data);
    EXPECT_EQ(identity.rfind("AGE-SECRET-KEY-1", 0), 0U);
    Bytes into(size, 0xAA);
    Result<std::string> hrp = bech32_decode_into(identity, into);
    ASSERT_TRUE(hrp.ok()) << size;
    EXPECT_EQ(*hrp, "age-secret-key-");
    EXPECT_EQ(into, data);
  }
}

TEST(Bech32Test, RejectsMixedCase) {
  EXPECT_EQ(bech32_decode("A12uel5l").status().message(), "bech32: mixed case");
  EXPECT_FALSE(bech32_decode("a12UEL5L").ok());
  EXPECT_FALSE(
      bech32_decode("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcaC8p").ok());
}

TEST(Bech32Test, SeparatorIsTheLastOne) {
  // The hrp may contain '1'; the data alphabet has none.
  std::string text = bech32_encode("a1b1", to_bytes("x"));
  Result<Bech32Decoded> decoded = bech32_decode(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hrp, "a1b1");
  EXPECT_EQ(decoded->data, to_bytes("x"));
}

TEST(Bech32Test, HrpLengthAndCharacters) {
  std::string hrp83(83, 'a');
  EXPECT_TRUE(bech32_decode(bech32_encode(hrp83, {})).ok());
  std::string hrp84 = hrp83 + "a1qqqqqq";
  EXPECT_EQ(bech32_decode(hrp84).status().message(),
            "bech32: human-readable part must have 1 to 83 characters");
  std::string all_printable;
  for (char c = 33; c <= 126; ++c) {
    if (c < 'A' || c > 'Z') {
      all_printable.push_back(c);
    }
  }
  Result<Bech32Decoded> decoded = bech32_decode(bech32_encode(all_printable, {}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hrp, all_printable);
}

TEST(Bech32Test, PaddingBitsMustBeFewerThanFiveAndZero) {
  // Checked with an independent script: 3 values (15 bits: 1 byte + 7 padding bits), then
  // 2 values with padding bits 01, then 2 values that decode to the byte 0x01.
  ASSERT_TRUE(detail::bech32_decode_groups("a1qqqd87cpp").ok());
  EXPECT_EQ(bech32_decode("a1qqqd87cpp").status().message(), "bech32: invalid padding");
  ASSERT_TRUE(detail::bech32_decode_groups("a1qpamnt9j").ok());
  EXPECT_EQ(bech32_decode("a1qpamnt9j").status().message(), "bech32: non-zero padding bits");
  Result<Bech32Decoded> one = bech32_decode("a1qy089ch6");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->data, Bytes{1});

  // Every count of 5-bit values: 8-bit data must leave fewer than 5 padding bits.
  for (std::size_t count = 0; count < 40; ++count) {
    Bytes zeros(count, 0);
    std::string text = detail::bech32_encode_groups("a", zeros, /*upper=*/false);
    EXPECT_EQ(bech32_decode(text).ok(), count * 5 % 8 < 5) << count;
  }
}

TEST(Bech32Test, LongerThan90CharactersUpToTheBound) {
  std::mt19937 rng(90);
  Bytes data = random_bytes(rng, 1216);  // an ML-KEM-768 + X25519 recipient is this long
  std::string text = bech32_encode("age1pq", data);
  EXPECT_GT(text.size(), 90U);
  Result<Bech32Decoded> decoded = bech32_decode(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->data, data);

  // Exactly kBech32MaxChars: "a" "1", 4992 values, checksum.
  Bytes values(kBech32MaxChars - 8, 0);
  std::string longest = detail::bech32_encode_groups("a", values, /*upper=*/false);
  ASSERT_EQ(longest.size(), kBech32MaxChars);
  EXPECT_TRUE(detail::bech32_decode_groups(longest).ok());
  std::string too_long = "a1" + std::string(kBech32MaxChars - 1, 'q');
  EXPECT_EQ(bech32_decode(too_long).status().message(), "bech32: too long");
}

TEST(Bech32Test, DecodeIntoNeedsExactSizeAndZeroesOnError) {
  std::array<std::uint8_t, 1> one{7};
  EXPECT_EQ(bech32_decode_into("a1qy089ch6", one).value(), "a");
  EXPECT_EQ(one[0], 1);
  std::array<std::uint8_t, 2> two{7, 7};
  EXPECT_FALSE(bech32_decode_into("a1qy089ch6", two).ok());
  EXPECT_EQ(two, (std::array<std::uint8_t, 2>{}));
  one = {7};
  EXPECT_FALSE(bech32_decode_into("a1qy089ch7", one).ok());  // checksum
  EXPECT_EQ(one[0], 0);
  one = {7};
  EXPECT_FALSE(bech32_decode_into("a1qpamnt9j", one).ok());  // padding
  EXPECT_EQ(one[0], 0);
}

TEST(Bech32Test, ErrorsDoNotEchoTheInput) {
  for (std::string_view text : {"secret1qqqqqqqqqqqq", "secret1qqqqqqbqqq", "Secret1qqqqqq"}) {
    Result<Bech32Decoded> bad = bech32_decode(text);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().message().find("secret"), std::string::npos);
    EXPECT_EQ(bad.status().message().rfind("bech32: ", 0), 0U);
  }
}

TEST(Bech32DeathTest, InvalidHrpIsApiMisuse) {
  EXPECT_DEATH((void)bech32_encode("", {}), "");
  EXPECT_DEATH((void)bech32_encode("Age", {}), "");
  EXPECT_DEATH((void)bech32_encode("a b", {}), "");
  EXPECT_DEATH((void)bech32_encode(std::string(84, 'a'), {}), "");
}

}  // namespace
}  // namespace caas
