#include "crypto/secret.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace caas::crypto {
namespace {

TEST(SecretBytesTest, PrintsRedacted) {
  SecretBytes secret = SecretBytes::copy_of(as_bytes("hunter2hunter2"));
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "[redacted 14 bytes]");
  SecretArray<32> key = random_secret_array<32>();
  std::ostringstream out32;
  out32 << key;
  EXPECT_EQ(out32.str(), "[redacted 32 bytes]");
}

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a = SecretBytes::copy_of(as_bytes("key material"));
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.size(), 12U);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is what we test
}

TEST(SecretBytesTest, CloneIsEqualAndIndependent) {
  SecretBytes a = random_secret(32);
  SecretBytes b = a.clone();
  EXPECT_TRUE(a == b);
  b.expose_mutable()[0] ^= 1;
  EXPECT_FALSE(a == b);
}

TEST(SecretBytesTest, DifferentLengthsAreUnequal) {
  EXPECT_FALSE(SecretBytes::copy_of(as_bytes("abc")) == SecretBytes::copy_of(as_bytes("abcd")));
  EXPECT_TRUE(SecretBytes() == SecretBytes());
}

TEST(SecretBytesTest, ResizeWipesTheCutOffTail) {
  SecretBytes secret = SecretBytes::copy_of(as_bytes("0123456789"));
  const std::uint8_t* data = secret.expose().data();
  secret.resize(4);
  // Shrinking keeps the allocation; the bytes past the new end must be zero now.
  for (std::size_t i = 4; i < 10; ++i) {
    EXPECT_EQ(data[i], 0) << i;  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }
  EXPECT_EQ(as_chars(secret.expose()), "0123");
}

TEST(SecretBytesTest, ClearWipesTheRetainedCapacity) {
  SecretBytes secret = SecretBytes::copy_of(as_bytes("0123456789abcdef"));
  const std::uint8_t* data = secret.expose().data();
  secret.clear();
  // clear() keeps the allocation (std::vector semantics); its bytes must be zero now.
  for (std::size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(data[i], 0) << i;  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }
}

TEST(SecretArrayTest, MoveWipesSourceAndComparesInConstantTime) {
  SecretArray<16> a = random_secret_array<16>();
  SecretArray<16> copy = a.clone();
  SecretArray<16> b = std::move(a);
  EXPECT_TRUE(b == copy);
  SecretArray<16> zero;
  EXPECT_TRUE(a == zero);  // NOLINT(bugprone-use-after-move): the wipe is what we test
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  Bytes a = {1, 2, 3};
  Bytes b = {1, 2, 3};
  Bytes c = {1, 2, 4};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, ByteSpan(b).first(2)));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

TEST(RandomTest, UniformStaysInBoundsAndCoversRange) {
  std::array<int, 7> seen{};
  for (int i = 0; i < 2000; ++i) {
    std::uint32_t value = random_uniform(7);
    ASSERT_LT(value, 7U);
    ++seen[value];
  }
  for (int count : seen) {
    EXPECT_GT(count, 150);  // expected 285; a real bias or a stuck generator falls far below
  }
}

TEST(RandomTest, UuidsAreVersion4TextAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uuid = random_uuid();
    ASSERT_EQ(uuid.size(), 36U);
    for (std::size_t pos : {8U, 13U, 18U, 23U}) {
      ASSERT_EQ(uuid[pos], '-') << uuid;
    }
    EXPECT_EQ(uuid[14], '4') << uuid;
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
    EXPECT_EQ(uuid.find_first_not_of("0123456789abcdef-"), std::string::npos) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(RandomTest, PublicDrawsNeverRepeatAcrossRefills) {
  std::set<Bytes> seen;
  for (int i = 0; i < 5000; ++i) {  // about 15 refills of the 4 KiB buffer
    Bytes nonce(12);
    random_fill_public(nonce);
    ASSERT_TRUE(seen.insert(nonce).second) << "repeated nonce at draw " << i;
  }
  Bytes big(2000);  // larger draws bypass the buffer
  random_fill_public(big);
  EXPECT_NE(std::count(big.begin(), big.end(), 0), static_cast<long>(big.size()));
}

TEST(RandomTest, FillsWithDistinctValues) {
  EXPECT_NE(random_bytes(32), random_bytes(32));
  EXPECT_EQ(random_bytes(0).size(), 0U);
}

}  // namespace
}  // namespace caas::crypto
