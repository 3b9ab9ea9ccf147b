// The error shape of the API: {"error":{"code":"<snake_case>","message":"<sentence>"}}, and the
// one table that maps a Status's ErrorCode to an HTTP status and API code. Handlers that need a
// more specific API code (invalid_share, already_initialized) name it explicitly. A sealed
// server (kms::sealed_error()) is 503 `sealed` here, for every route.
#pragma once

#include <string>
#include <string_view>

#include "api/http_types.h"
#include "base/status.h"

namespace caas::api {

Response error_response(unsigned http_status, std::string_view code, std::string_view message);

struct ApiError {
  unsigned http_status = 500;
  std::string code;
  std::string message;
};

// The table's status, code and message for `status` (5xx: a generic message, the cause logged).
ApiError api_error_for(const Status& status);

// Through the table: kInvalidArgument → 400 invalid_request, kNotFound → 404 not_found, ...
// Server-side failures (5xx) keep their message out of the body: it goes to the log instead.
Response error_response(const Status& status);

// The id of the request whose handler runs on this thread (empty outside handlers), so that
// log lines written deep in a handler can name it. Set by the session around each handler call.
void set_current_request_id(std::string_view request_id);
std::string_view current_request_id();

// The HTTP status the table gives `code` (for tests and logs).
unsigned http_status_for(ErrorCode code);

}  // namespace caas::api
