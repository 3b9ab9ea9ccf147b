#include "api/errors.h"

#include <gtest/gtest.h>

#include "kms/seal_manager.h"

namespace caas::api {
namespace {

TEST(ErrorsTest, SealedIs503SealedFromAnyRoute) {
  ApiError sealed = api_error_for(kms::sealed_error());
  EXPECT_EQ(sealed.http_status, 503U);
  EXPECT_EQ(sealed.code, "sealed");
  // Another unavailability keeps the generic code and hides its cause.
  ApiError busy = api_error_for(error(ErrorCode::kUnavailable, "database busy"));
  EXPECT_EQ(busy.http_status, 503U);
  EXPECT_EQ(busy.code, "unavailable");
  EXPECT_EQ(busy.message.find("database"), std::string::npos);
}

TEST(ErrorsTest, ClientErrorsKeepTheirMessage) {
  ApiError bad = api_error_for(invalid_argument("field name: missing"));
  EXPECT_EQ(bad.http_status, 400U);
  EXPECT_EQ(bad.code, "invalid_request");
  EXPECT_EQ(bad.message, "field name: missing");
}

}  // namespace
}  // namespace caas::api
