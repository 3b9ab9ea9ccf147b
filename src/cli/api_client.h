// ApiClient: caasd's JSON API over HttpClient. A non-2xx answer becomes a Status carrying the
// server's own sentence and code ("no such file (not_found)"), with an ErrorCode chosen from the
// HTTP status so that main() can pick the exit code (cli/exit_codes.h).
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "base/result.h"
#include "cli/http_client.h"

namespace caas::cli {

// The Status for a non-2xx response: 400 → kInvalidArgument, 401 → kUnauthenticated, 403 →
// kPermissionDenied, 404 → kNotFound, 409 → kAlreadyExists, 413/507 → kResourceExhausted,
// 429/503 → kUnavailable, other → kInternal; whatever the status, the error codes
// decryption_failed → kDecryptionFailed and integrity_error → kDataLoss. The message is the body's
// error.message and error.code, or the bare status when the body is not caasd's error shape.
Status api_error(const HttpResponse& response);

// The body as JSON. Errors: kInternal when it is not JSON.
Result<boost::json::value> parse_json(std::string_view body);

// Answers come from a server the client does not have to trust: these read them without ever
// assuming a shape (Boost.JSON's get_*() are unchecked).
// A string field of a JSON object, or "" (also for null or another type).
std::string json_string(const boost::json::value& object, std::string_view key);
// The field, or nullptr when `object` is not an object or lacks it.
const boost::json::value* json_field(const boost::json::value& object, std::string_view key);
// The boolean field, or false when absent or of another type.
bool json_flag(const boost::json::value& object, std::string_view key);
// The array field `key`. Errors: kInternal "the server's answer has no "<key>" list".
Result<const boost::json::array*> json_array(const boost::json::value& object,
                                             std::string_view key);

class ApiClient {
 public:
  explicit ApiClient(HttpClient http) : http_(std::move(http)) {}

  HttpClient& http() { return http_; }

  // Sends `body` (when not null) as JSON and returns the 2xx answer as JSON (null for an empty
  // body, such as 204). Errors: api_error() for other statuses; the transport's.
  Result<boost::json::value> call(std::string_view method, std::string target,
                                  const boost::json::value& body = nullptr);

  // As call(), but a 404 answer is nullopt-like: returns null JSON with `found` false.
  Result<boost::json::value> call_optional(std::string_view method, std::string target,
                                           bool& found);

 private:
  HttpClient http_;
};

// "/v1/files/<path, percent-encoded, slashes kept>".
std::string file_target(std::string_view path);

}  // namespace caas::cli
