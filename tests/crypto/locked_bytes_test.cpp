#include "crypto/locked_bytes.h"

#include <sstream>

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace caas::crypto {
namespace {

TEST(LockedBytesTest, HoldsACopyAndComparesByContent) {
  Bytes key = random_bytes(32);
  Result<LockedBytes> a = LockedBytes::copy_of(key);
  Result<LockedBytes> b = LockedBytes::copy_of(key);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(std::equal(key.begin(), key.end(), a->expose().begin()));
  EXPECT_TRUE(*a == *b);
  b->expose_mutable()[31] ^= 1;
  EXPECT_FALSE(*a == *b);
}

TEST(LockedBytesTest, StartsZeroedAndPrintsRedacted) {
  Result<LockedBytes> secret = LockedBytes::allocate(48);
  ASSERT_TRUE(secret.ok());
  for (std::uint8_t byte : secret->expose()) {
    EXPECT_EQ(byte, 0);
  }
  std::ostringstream out;
  out << *secret;
  EXPECT_EQ(out.str(), "[redacted 48 bytes]");
}

TEST(LockedBytesTest, MoveTransfersOwnership) {
  Result<LockedBytes> a = LockedBytes::copy_of(as_bytes("root key material"));
  ASSERT_TRUE(a.ok());
  const std::uint8_t* data = a->expose().data();
  LockedBytes b = std::move(a).value();
  EXPECT_EQ(b.expose().data(), data);
  EXPECT_EQ(as_chars(b.expose()), "root key material");
  Result<LockedBytes> c = LockedBytes::allocate(8);
  ASSERT_TRUE(c.ok());
  *c = std::move(b);  // frees c's old region, takes b's
  EXPECT_EQ(c->expose().data(), data);
  EXPECT_EQ(b.size(), 0U);  // NOLINT(bugprone-use-after-move): emptiness is what we test
}

TEST(LockedBytesTest, ZeroSizeIsRefused) {
  EXPECT_EQ(LockedBytes::allocate(0).status().code(), ErrorCode::kInvalidArgument);
}

TEST(LockedBytesDeathTest, WritingPastTheEndHitsTheGuardPage) {
  // The region ends where the guard page begins: one byte too far faults at once.
  EXPECT_DEATH(
      {
        Result<LockedBytes> secret = LockedBytes::allocate(32);
        volatile std::uint8_t* past_end =
            secret->expose_mutable().data() + secret->size();  // NOLINT
        *past_end = 1;
      },
      "");
}

}  // namespace
}  // namespace caas::crypto
