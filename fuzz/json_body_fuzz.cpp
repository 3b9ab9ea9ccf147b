// Fuzzes the JSON body reader (api/json_body.h) for its properties:
// - a body is either a JSON object or refused as kInvalidArgument (never a crash or a throw);
// - an accepted object serializes and parses back to an equal object (no silent loss);
// - the typed getters return values inside the bounds they were asked for, or refuse with a
//   message that names the field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/json_body.h"
#include "base/check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);  // NOLINT
  caas::Result<boost::json::object> object = caas::api::parse_json_object(body);
  if (!object.ok()) {
    CAAS_CHECK(object.status().code() == caas::ErrorCode::kInvalidArgument);
    return 0;
  }
  std::string text = boost::json::serialize(*object);
  caas::Result<boost::json::object> back = caas::api::parse_json_object(text);
  CAAS_CHECK(back.ok() && *back == *object);
  for (std::string_view field : {"shares", "threshold", "share", ""}) {
    caas::Result<std::int64_t> number = caas::api::get_int(*object, field, 1, 255);
    if (number.ok()) {
      CAAS_CHECK(*number >= 1 && *number <= 255);
    } else {
      CAAS_CHECK(number.status().message().find(field) != std::string::npos);
    }
    caas::Result<std::string_view> string = caas::api::get_string(*object, field);
    CAAS_CHECK(string.ok() == (object->if_contains(field) != nullptr &&
                               object->at(field).is_string()));
  }
  return 0;
}
