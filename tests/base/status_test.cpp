#include "base/status.h"

#include <memory>

#include <gtest/gtest.h>

#include "base/result.h"

namespace caas {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) {
    return invalid_argument("value must be positive");
  }
  return value;
}

Result<int> doubled(int value) {
  CAAS_ASSIGN_OR_RETURN(int checked, parse_positive(value));
  return checked * 2;
}

Status check_both(int a, int b) {
  CAAS_TRY(parse_positive(a).status());
  CAAS_TRY(parse_positive(b).status());
  return ok_status();
}

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kOk);
  EXPECT_EQ(status.to_string(), "ok");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status status = invalid_argument("bad length").with_context("open blob 3f2a");
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "open blob 3f2a: bad length");
  EXPECT_TRUE(ok_status().with_context("ignored").ok());
}

TEST(StatusTest, DecryptionFailedIsOneFixedAnswer) {
  EXPECT_EQ(decryption_failed(), decryption_failed());
  EXPECT_EQ(decryption_failed().to_string(), "decryption_failed: decryption failed");
}

TEST(ResultTest, PropagatesValueAndError) {
  Result<int> good = doubled(21);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ResultTest, TryStopsAtFirstFailure) {
  EXPECT_TRUE(check_both(1, 2).ok());
  EXPECT_EQ(check_both(1, -2).message(), "value must be positive");
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> owned = std::move(result).value();
  EXPECT_EQ(*owned, 7);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = invalid_argument("x");
  EXPECT_DEATH((void)bad.value(), "check failed");
}

TEST(ResultDeathTest, OkStatusIsNotAResult) {
  EXPECT_DEATH(Result<int>{ok_status()}, "check failed");
}

}  // namespace
}  // namespace caas
