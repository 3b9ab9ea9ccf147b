// Fuzzes the JSON body reader (api/json_body.h) for its properties:
// - a body is either a JSON object or refused as kInvalidArgument (never a crash or a throw);
// - an accepted object serializes and parses back to an equal object (no silent loss), doubles
//   within a relative 1e-15: Boost.JSON 1.81 parses decimals without correct rounding, so a
//   double may move by an ulp through text (our API reads integers and strings only);
// - the typed getters return values inside the bounds they were asked for, or refuse with a
//   message that names the field.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/json_body.h"
#include "base/check.h"

namespace {

bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double();
    double y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) {
    return false;
  }
  if (a.is_array()) {
    const auto& left = a.get_array();
    const auto& right = b.get_array();
    if (left.size() != right.size()) {
      return false;
    }
    for (std::size_t i = 0; i < left.size(); ++i) {
      if (!same_json(left[i], right[i])) {
        return false;
      }
    }
    return true;
  }
  if (a.is_object()) {
    const auto& left = a.get_object();
    const auto& right = b.get_object();
    if (left.size() != right.size()) {
      return false;
    }
    for (const auto& [key, value] : left) {
      const boost::json::value* other = right.if_contains(key);
      if (other == nullptr || !same_json(value, *other)) {
        return false;
      }
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);  // NOLINT
  caas::Result<boost::json::object> object = caas::api::parse_json_object(body);
  if (!object.ok()) {
    CAAS_CHECK(object.status().code() == caas::ErrorCode::kInvalidArgument);
    return 0;
  }
  std::string text = boost::json::serialize(*object);
  caas::Result<boost::json::object> back = caas::api::parse_json_object(text);
  CAAS_CHECK(back.ok() && same_json(*back, *object));
  for (std::string_view field : {"shares", "threshold", "share", ""}) {
    caas::Result<std::int64_t> number = caas::api::get_int(*object, field, 1, 255);
    if (number.ok()) {
      CAAS_CHECK(*number >= 1 && *number <= 255);
    } else {
      CAAS_CHECK(number.status().message().find(field) != std::string::npos);
    }
    caas::Result<std::string_view> string = caas::api::get_string(*object, field);
    CAAS_CHECK(string.ok() ==
               (object->if_contains(field) != nullptr && object->at(field).is_string()));
  }
  return 0;
}
