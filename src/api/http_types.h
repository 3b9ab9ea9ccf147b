// Request and Response as handlers see them: plain values with no Beast types, so that handler
// code (and every module above src/api) compiles without Beast and Asio headers. The session
// (api/detail/session.cpp) converts from and to the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the raw path, without the query
  std::string query;   // after '?', raw; empty when there is none
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, percent-decoded
  std::string authorization;                                // the Authorization header, or empty
  std::string content_type;                                 // the Content-Type header, or empty
  std::string body;  // wiped by the session once the handler returns
  std::string request_id;
  std::string remote_address;

  // The path parameter `name` (declared in the route pattern, so always present).
  [[nodiscard]] std::string_view param(std::string_view name) const;
  // The percent-decoded value of query parameter `name`; nullopt when absent.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
  // The token of an "Authorization: Bearer <token>" header, or empty.
  [[nodiscard]] std::string_view bearer_token() const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
  // The body holds secrets (unseal shares, tokens): the session wipes it once written.
  bool sensitive = false;
};

// Percent-decodes `text` ('+' stays '+'). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace caas::api
