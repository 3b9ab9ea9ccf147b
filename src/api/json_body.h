// Reading JSON request bodies with errors that name the field (API.md: "Malformed JSON or a
// missing/ill-typed field → 400 invalid_request naming the field").
//
// Bodies may carry secrets (unseal shares, passwords), so they are parsed into memory that is
// wiped when freed, and nesting is bounded (kMaxJsonDepth) so that no input can exhaust the
// stack.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/http_types.h"
#include "base/result.h"

namespace caas::api {

inline constexpr std::size_t kMaxJsonDepth = 32;

// Errors (kInvalidArgument): "body: malformed JSON", "body: must be a JSON object",
// "body: a number is out of range" (a number that overflows a double, anywhere in the body).
Result<boost::json::object> parse_json_object(std::string_view body);

// The field as an integer in [min, max]. Errors (kInvalidArgument) name the field.
Result<std::int64_t> get_int(const boost::json::object& object, std::string_view field,
                             std::int64_t min, std::int64_t max);

// The field as a string (a view into `object`). Errors (kInvalidArgument) name the field.
Result<std::string_view> get_string(const boost::json::object& object, std::string_view field);

// A JSON response; `sensitive` when the body holds secrets (the session wipes it once written).
Response json_response(unsigned status, const boost::json::value& body, bool sensitive = false);

}  // namespace caas::api
