// There are no standard Shamir-over-GF(2^8) vectors (shared/vectors/README.md), so these tests
// check the field against FIPS-197 and a slow reference, and the scheme by its properties:
// reconstruction from every k-subset, and perfect secrecy of k-1 shares, shown exhaustively.
#include "crypto/shamir.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/detail/gf256.h"
#include "crypto/random.h"

namespace caas::crypto {
namespace {

using detail::gf256_inv;
using detail::gf256_mul;

// Schoolbook carry-less product, then polynomial long division by 0x11B: a different algorithm
// from gf256_mul's interleaved reduction, with branches, so it can only serve as a reference.
std::uint8_t reference_mul(std::uint8_t a, std::uint8_t b) {
  unsigned product = 0;
  for (unsigned bit = 0; bit < 8; ++bit) {
    if (((static_cast<unsigned>(b) >> bit) & 1U) != 0) {
      product ^= static_cast<unsigned>(a) << bit;
    }
  }
  for (unsigned bit = 14; bit >= 8; --bit) {
    if (((product >> bit) & 1U) != 0) {
      product ^= 0x11BU << (bit - 8);
    }
  }
  return static_cast<std::uint8_t>(product);
}

SecretBytes filled(std::size_t size, std::uint8_t value) {
  SecretBytes secret(size);
  std::fill(secret.expose_mutable().begin(), secret.expose_mutable().end(), value);
  return secret;
}

// Clones of the shares whose bit is set in `mask`.
std::vector<Share> pick(const std::vector<Share>& shares, unsigned mask) {
  std::vector<Share> picked;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (((mask >> i) & 1U) != 0) {
      picked.push_back(shares[i].clone());
    }
  }
  return picked;
}

void expect_invalid(const Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), message);
}

// Splits `secret` for every n in 1..7 and valid k, and combines every subset whose size
// `accept`s; each must give the secret back.
template <typename Accept>
void expect_subsets_reconstruct(const SecretBytes& secret, Accept accept) {
  for (unsigned n = 1; n <= 7; ++n) {
    for (unsigned k = (n == 1 ? 1 : 2); k <= n; ++k) {
      Result<std::vector<Share>> shares = shamir_split(secret, k, n);
      ASSERT_TRUE(shares.ok()) << shares.status();
      for (unsigned mask = 1; mask < (1U << n); ++mask) {
        const auto count = static_cast<unsigned>(std::popcount(mask));
        if (accept(count, k)) {
          std::vector<Share> subset = pick(*shares, mask);
          Result<SecretBytes> combined = shamir_combine(subset);
          ASSERT_TRUE(combined.ok()) << combined.status();
          EXPECT_TRUE(*combined == secret) << "n=" << n << " k=" << k << " mask=" << mask;
        }
      }
    }
  }
}

TEST(Gf256Test, MultiplicationMatchesReferenceForAllPairs) {
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      const auto a8 = static_cast<std::uint8_t>(a);
      const auto b8 = static_cast<std::uint8_t>(b);
      ASSERT_EQ(gf256_mul(a8, b8), reference_mul(a8, b8)) << a << " * " << b;
    }
  }
}

TEST(Gf256Test, MultiplicationMatchesFips197Examples) {
  // FIPS-197 §4.2: {57} • {83} = {c1}; §4.2.1: {57} • {13} = {fe}.
  static_assert(gf256_mul(0x57, 0x83) == 0xc1);
  EXPECT_EQ(gf256_mul(0x57, 0x83), 0xc1);
  EXPECT_EQ(gf256_mul(0x83, 0x57), 0xc1);
  EXPECT_EQ(gf256_mul(0x57, 0x13), 0xfe);
}

TEST(Gf256Test, InverseTimesValueIsOneForEveryNonzeroValue) {
  for (unsigned a = 1; a < 256; ++a) {
    const auto a8 = static_cast<std::uint8_t>(a);
    ASSERT_EQ(gf256_mul(a8, gf256_inv(a8)), 1) << a;
  }
  EXPECT_EQ(gf256_inv(0), 0);
  EXPECT_EQ(gf256_inv(1), 1);
}

TEST(ShamirTest, EveryKSubsetReconstructs) {
  expect_subsets_reconstruct(random_secret(32),
                             [](unsigned size, unsigned k) { return size == k; });
  expect_subsets_reconstruct(random_secret(1), [](unsigned size, unsigned k) { return size == k; });
}

TEST(ShamirTest, EverySubsetLargerThanKReconstructs) {
  expect_subsets_reconstruct(random_secret(32), [](unsigned size, unsigned k) { return size > k; });
  expect_subsets_reconstruct(random_secret(1), [](unsigned size, unsigned k) { return size > k; });
}

TEST(ShamirTest, MaximumThresholdAndShareCountReconstruct) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> shares = shamir_split(secret, 255, 255);
  ASSERT_TRUE(shares.ok()) << shares.status();
  Result<SecretBytes> combined = shamir_combine(*shares);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_TRUE(*combined == secret);
}

TEST(ShamirTest, SharesHaveXFromOneToNAndTheSecretLength) {
  SecretBytes secret = random_secret(17);
  Result<std::vector<Share>> shares = shamir_split(secret, 3, 255);
  ASSERT_TRUE(shares.ok()) << shares.status();
  ASSERT_EQ(shares->size(), 255U);
  for (std::size_t i = 0; i < shares->size(); ++i) {
    EXPECT_EQ(std::size_t{(*shares)[i].x}, i + 1);
    EXPECT_EQ((*shares)[i].y.size(), 17U);
  }
}

TEST(ShamirTest, OneOfOneShareIsTheSecret) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> shares = shamir_split(secret, 1, 1);
  ASSERT_TRUE(shares.ok()) << shares.status();
  ASSERT_EQ(shares->size(), 1U);
  EXPECT_EQ(shares->front().x, 1);
  EXPECT_TRUE(shares->front().y == secret);
}

TEST(ShamirTest, SplitsOfTheSameSecretDiffer) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> a = shamir_split(secret, 2, 3);
  Result<std::vector<Share>> b = shamir_split(secret, 2, 3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE((*a)[0].y == (*b)[0].y);  // equal with probability 2^-256
}

TEST(ShamirTest, SplitWithCoefficientsEvaluatesThePolynomial) {
  // p(x) = {57} + {83} x: p(1) = {57} ^ {83} = {d4}; p(2) = {57} ^ {83}•{02} = {57} ^ {1d}.
  const std::array<std::uint8_t, 1> secret = {0x57};
  const std::array<std::uint8_t, 1> coefficient = {0x83};
  std::vector<Share> shares = detail::shamir_split_with_coefficients(
      SecretBytes::copy_of(secret), SecretBytes::copy_of(coefficient), 2);
  ASSERT_EQ(shares.size(), 2U);
  EXPECT_EQ(shares[0].y.expose()[0], 0xd4);
  EXPECT_EQ(shares[1].y.expose()[0], 0x57 ^ 0x1d);
}

TEST(ShamirTest, ShareValuesDoNotDependOnShareCount) {
  // The secrecy tests below split once with the largest n and read off smaller n as prefixes.
  SecretBytes secret = random_secret(8);
  SecretBytes coefficients = random_secret(16);
  std::vector<Share> few = detail::shamir_split_with_coefficients(secret, coefficients, 3);
  std::vector<Share> many = detail::shamir_split_with_coefficients(secret, coefficients, 255);
  for (std::size_t i = 0; i < few.size(); ++i) {
    EXPECT_EQ(few[i].x, many[i].x);
    EXPECT_TRUE(few[i].y == many[i].y);
  }
}

// Perfect secrecy, exhaustively: for each secret s, running over every choice of coefficients,
// every tuple of k-1 share values occurs exactly once. The distribution of those shares is
// then uniform, the same for every s, so they carry no information about s.
TEST(ShamirTest, OneShareRevealsNothingAtThresholdTwo) {
  // Byte i of the secret gets coefficient i: one split covers all 256 polynomials.
  SecretBytes coefficients(256);
  for (std::size_t i = 0; i < 256; ++i) {
    coefficients.expose_mutable()[i] = static_cast<std::uint8_t>(i);
  }
  for (unsigned s = 0; s < 256; ++s) {
    std::vector<Share> shares = detail::shamir_split_with_coefficients(
        filled(256, static_cast<std::uint8_t>(s)), coefficients, kShamirMaxShares);
    for (const Share& share : shares) {
      std::array<int, 256> seen{};
      for (std::uint8_t y : share.y.expose()) {
        ++seen[y];
      }
      ASSERT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }))
          << "s=" << s << " x=" << int{share.x};
    }
  }
}

TEST(ShamirTest, TwoSharesRevealNothingAtThresholdThree) {
  // Byte i of the secret gets coefficients (i mod 256, i / 256): all 65536 polynomials at once.
  constexpr std::size_t kPairs = 65536;
  constexpr unsigned kShares = 4;  // n = 3 and n = 4; x = 1..4 give 6 pairs
  SecretBytes coefficients(2 * kPairs);
  for (std::size_t i = 0; i < kPairs; ++i) {
    coefficients.expose_mutable()[i] = static_cast<std::uint8_t>(i & 0xFF);
    coefficients.expose_mutable()[kPairs + i] = static_cast<std::uint8_t>(i >> 8);
  }
  std::vector<std::uint8_t> seen(kPairs);
  for (unsigned s = 0; s < 256; ++s) {
    std::vector<Share> shares = detail::shamir_split_with_coefficients(
        filled(kPairs, static_cast<std::uint8_t>(s)), coefficients, kShares);
    for (std::size_t a = 0; a < kShares; ++a) {
      for (std::size_t b = a + 1; b < kShares; ++b) {
        std::fill(seen.begin(), seen.end(), std::uint8_t{0});
        ByteSpan ya = shares[a].y.expose();
        ByteSpan yb = shares[b].y.expose();
        bool each_once = true;
        for (std::size_t i = 0; i < kPairs; ++i) {
          std::uint8_t& count = seen[(std::size_t{ya[i]} << 8) | yb[i]];
          each_once = each_once && count == 0;
          count = 1;
        }
        ASSERT_TRUE(each_once) << "s=" << s << " x=" << a + 1 << "," << b + 1;
      }
    }
  }
}

TEST(ShamirTest, FewerThanKSharesDoNotReconstruct) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> shares = shamir_split(secret, 3, 5);
  ASSERT_TRUE(shares.ok()) << shares.status();
  Result<SecretBytes> combined = shamir_combine(pick(*shares, 0b00011));
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_FALSE(*combined == secret);  // equal with probability 2^-256
}

TEST(ShamirTest, SharesOfDifferentSplitsDoNotReconstruct) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> a = shamir_split(secret, 3, 5);
  Result<std::vector<Share>> b = shamir_split(secret, 3, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<Share> mixed = pick(*a, 0b00011);
  mixed.push_back((*b)[2].clone());
  Result<SecretBytes> combined = shamir_combine(mixed);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_FALSE(*combined == secret);  // equal with probability 2^-256
}

TEST(ShamirTest, TamperedShareChangesExactlyTheTamperedByte) {
  // Shamir has no integrity: a flipped bit goes through unnoticed into the result, which is
  // why the caller verifies the reconstructed key (the keyring check value).
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> shares = shamir_split(secret, 3, 5);
  ASSERT_TRUE(shares.ok()) << shares.status();
  std::vector<Share> subset = pick(*shares, 0b10101);
  subset[1].y.expose_mutable()[5] ^= 0x01;
  Result<SecretBytes> combined = shamir_combine(subset);
  ASSERT_TRUE(combined.ok()) << combined.status();
  for (std::size_t i = 0; i < secret.size(); ++i) {
    EXPECT_EQ(combined->expose()[i] != secret.expose()[i], i == 5) << i;
  }
}

TEST(ShamirTest, SplitRejectsInvalidParameters) {
  SecretBytes secret = random_secret(32);
  expect_invalid(shamir_split(secret, 0, 3).status(),
                 "shamir: threshold must be 1 to the share count");
  expect_invalid(shamir_split(secret, 4, 3).status(),
                 "shamir: threshold must be 1 to the share count");
  expect_invalid(shamir_split(secret, 2, 256).status(), "shamir: share count must be 1 to 255");
  expect_invalid(shamir_split(secret, 0, 0).status(), "shamir: share count must be 1 to 255");
  expect_invalid(shamir_split(secret, 1, 2).status(),
                 "shamir: threshold 1 with several shares would copy the secret");
  expect_invalid(shamir_split(SecretBytes(), 2, 3).status(), "shamir: empty secret");
}

TEST(ShamirTest, CombineRejectsInvalidShareSets) {
  Result<std::vector<Share>> shares = shamir_split(random_secret(32), 2, 3);
  ASSERT_TRUE(shares.ok()) << shares.status();
  expect_invalid(shamir_combine({}).status(), "shamir: no shares");

  std::vector<Share> duplicate = pick(*shares, 0b011);
  duplicate[1].x = duplicate[0].x;
  expect_invalid(shamir_combine(duplicate).status(), "shamir: duplicate share x coordinate");

  std::vector<Share> zero = pick(*shares, 0b011);
  zero[1].x = 0;
  expect_invalid(shamir_combine(zero).status(), "shamir: share x coordinate is 0");

  std::vector<Share> lengths = pick(*shares, 0b011);
  lengths[1].y.resize(31);
  expect_invalid(shamir_combine(lengths).status(), "shamir: shares have different lengths");

  std::vector<Share> empty = pick(*shares, 0b011);
  empty[0].y.clear();
  expect_invalid(shamir_combine(empty).status(), "shamir: empty share");
}

TEST(ShareTest, SerializeIsXThenYAndParsesBack) {
  Share share{200, random_secret(32)};
  SecretBytes serialized = serialize_share(share);
  ASSERT_EQ(serialized.size(), 33U);
  EXPECT_EQ(serialized.expose()[0], 200);
  EXPECT_TRUE(constant_time_equal(serialized.expose().subspan(1), share.y.expose()));

  Result<Share> parsed = parse_share(serialized.expose());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->x, 200);
  EXPECT_TRUE(parsed->y == share.y);
  EXPECT_TRUE(serialize_share(*parsed) == serialized);
}

TEST(ShareTest, SerializedSharesReconstructAfterParsing) {
  SecretBytes secret = random_secret(32);
  Result<std::vector<Share>> shares = shamir_split(secret, 2, 3);
  ASSERT_TRUE(shares.ok()) << shares.status();
  std::vector<Share> parsed;
  for (std::size_t i : {std::size_t{2}, std::size_t{0}}) {
    Result<Share> share = parse_share(serialize_share((*shares)[i]).expose());
    ASSERT_TRUE(share.ok()) << share.status();
    parsed.push_back(std::move(share).value());
  }
  Result<SecretBytes> combined = shamir_combine(parsed);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_TRUE(*combined == secret);
}

TEST(ShareTest, ParseRejectsTooShortInputAndXZero) {
  const std::array<std::uint8_t, 3> zero_x = {0x00, 0x12, 0x34};
  expect_invalid(parse_share({}).status(), "shamir: serialized share shorter than 2 bytes");
  expect_invalid(parse_share(ByteSpan(zero_x).first(1)).status(),
                 "shamir: serialized share shorter than 2 bytes");
  expect_invalid(parse_share(zero_x).status(), "shamir: share x coordinate is 0");
  const std::array<std::uint8_t, 2> shortest = {0x01, 0x00};
  EXPECT_TRUE(parse_share(shortest).ok());
}

TEST(ShareTest, SerializingAnInvalidShareAborts) {
  EXPECT_DEATH((void)serialize_share(Share{0, random_secret(4)}), "check failed");
  EXPECT_DEATH((void)serialize_share(Share{1, SecretBytes()}), "check failed");
}

}  // namespace
}  // namespace caas::crypto
