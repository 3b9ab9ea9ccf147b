// The request-side decisions of a session that do not need a socket: parser limits, request
// ids, routing and the early answers (404, 405, 413, 415) — separate so that the fuzz target
// (fuzz/http_request_fuzz.cpp) drives exactly the code the server runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "api/http_types.h"
#include "api/router.h"
#include "api/server.h"

namespace caas::api::detail {

using HeaderParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
using RequestHeader = boost::beast::http::request_header<>;

// The declared Content-Length, if any.
std::optional<std::uint64_t> declared_length(const HeaderParser& parser);
// Whether a body follows the header (chunked, or a Content-Length over 0).
bool has_body(const HeaderParser& parser);

// Header limit as configured; no body limit yet (each route sets its own once routed).
void configure_header_parser(HeaderParser& parser, std::size_t header_limit_bytes);

// 16 lower-case hex characters from the CSPRNG.
std::string new_request_id();
// The client's X-Request-Id when it is 1–64 characters of [A-Za-z0-9._-], else a new one.
std::string request_id_for(const RequestHeader& header);

struct ParseFailure {
  unsigned http_status;
  std::string code;
  std::string message;
};
// 431 header_too_large for an oversized header, 413 too_large for a body over its limit,
// 400 invalid_request for anything else malformed (smuggling attempts included).
ParseFailure classify_parse_error(const boost::system::error_code& ec);

// Beast's header_limit bounds the request line and the fields each on their own, so a header
// can pass it while longer than the limit. The whole header, `header_bytes` as consumed by the
// parser, must be within `header_limit_bytes`; else the 431 failure.
std::optional<ParseFailure> check_header_size(std::size_t header_bytes,
                                              std::size_t header_limit_bytes);

Response too_large_response(std::size_t limit_bytes);

struct RouteDecision {
  const Route* route = nullptr;            // nullptr when no route matched
  std::size_t body_limit_bytes = 0;        // for reading the body
  std::optional<Response> early_response;  // answer without calling a handler
  bool close_after = false;                // the body will not be read: close after answering
  bool expect_continue = false;            // the client waits for "100 Continue"
};

// Routes the request whose header `parser` has read, and fills `request` (method, path, query,
// params, authorization, content type). Never calls a handler.
RouteDecision decide_route(const Router& router, const HeaderParser& parser,
                           const ServerOptions& options, Request& request);

}  // namespace caas::api::detail
