#include "api/json_body.h"

#include <gtest/gtest.h>

#include "api/errors.h"

namespace caas::api {
namespace {

TEST(JsonBodyTest, ParsesObjectsAndNamesBadFields) {
  auto object = parse_json_object(R"({"shares":5,"threshold":"3","name":"x"})");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*get_int(*object, "shares", 1, 255), 5);
  Status wrong_type = get_int(*object, "threshold", 1, 255).status();
  EXPECT_EQ(wrong_type.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong_type.message().find("threshold"), std::string::npos);
  Status missing = get_int(*object, "other", 1, 2).status();
  EXPECT_NE(missing.message().find("other"), std::string::npos);
  EXPECT_EQ(*get_string(*object, "name"), "x");
  EXPECT_FALSE(get_string(*object, "shares").ok());
}

TEST(JsonBodyTest, IntegersOutsideTheRangeOrNotIntegersAreRefused) {
  auto object = parse_json_object(
      R"({"big":256,"neg":-1,"float":2.5,"huge":18446744073709551615,"bool":true})");
  ASSERT_TRUE(object.ok());
  for (const char* field : {"big", "neg", "float", "huge", "bool"}) {
    EXPECT_FALSE(get_int(*object, field, 1, 255).ok()) << field;
  }
}

TEST(JsonBodyTest, MalformedOrNonObjectOrTooDeepBodiesAreInvalid) {
  for (std::string body : {"", "{", "[1,2]", "\"text\"", "42", "{\"a\":1,}", "{\"a\" 1}"}) {
    EXPECT_EQ(parse_json_object(body).status().code(), ErrorCode::kInvalidArgument) << body;
  }
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(parse_json_object("{\"a\":" + deep + "}").ok());
  std::string shallow = std::string(8, '[') + std::string(8, ']');
  EXPECT_TRUE(parse_json_object("{\"a\":" + shallow + "}").ok());
}

TEST(JsonBodyTest, NumbersBeyondADoubleAreRefusedAnywhereInTheBody) {
  // Found by fuzz_json_body: 1e408 parsed as infinity, which cannot be written back as JSON.
  for (std::string body :
       {R"({"a":1e408})", R"({"a":[1,-1e999]})", R"({"a":{"b":[{"c":1e400}]}})"}) {
    Status status = parse_json_object(body).status();
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << body;
    EXPECT_NE(status.message().find("out of range"), std::string::npos);
  }
  EXPECT_TRUE(parse_json_object(R"({"a":1e300,"b":-2.5e-300})").ok());
}

TEST(ErrorsTest, ErrorBodyHasTheDocumentedShapeAndServerErrorsHideDetails) {
  Response bad = error_response(invalid_argument("field x: must be a string"));
  EXPECT_EQ(bad.status, 400U);
  EXPECT_EQ(bad.body,
            R"({"error":{"code":"invalid_request","message":"field x: must be a string"}})");
  Response internal = error_response(error(ErrorCode::kIo, "open /secret/path: denied"));
  EXPECT_EQ(internal.status, 500U);
  EXPECT_EQ(internal.body.find("/secret/path"), std::string::npos);
  EXPECT_EQ(http_status_for(ErrorCode::kUnavailable), 503U);
  EXPECT_EQ(http_status_for(ErrorCode::kNotFound), 404U);
}

}  // namespace
}  // namespace caas::api
