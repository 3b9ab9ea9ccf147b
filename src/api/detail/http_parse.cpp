#include "api/detail/http_parse.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <limits>

#include <boost/beast/http/field.hpp>

#include "api/errors.h"
#include "base/hex.h"
#include "crypto/random.h"

namespace caas::api::detail {
namespace {

namespace http = boost::beast::http;
constexpr std::size_t kMaxRequestIdBytes = 64;

bool valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
                  c == '-';
         });
}

// "application/json" or "application/json; charset=utf-8", any case.
bool is_json_content_type(std::string_view value) {
  constexpr std::string_view kJson = "application/json";
  if (value.size() < kJson.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kJson[i]) {
      return false;
    }
  }
  std::string_view rest = value.substr(kJson.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

}  // namespace

// Read from the field, which the parser has already checked (digits only, one value), rather
// than through parser.content_length(): GCC 12 under ASan reports a false maybe-uninitialized
// in that boost::optional, and CI builds with -Werror.
std::optional<std::uint64_t> declared_length(const HeaderParser& parser) {
  std::string_view value = parser.get()[http::field::content_length];
  std::uint64_t length = 0;
  if (value.empty() ||
      std::from_chars(value.data(), value.data() + value.size(), length).ec != std::errc()) {
    return std::nullopt;
  }
  return length;
}

bool has_body(const HeaderParser& parser) {
  return parser.chunked() || declared_length(parser).value_or(0) > 0;
}

void configure_header_parser(HeaderParser& parser, std::size_t header_limit_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(header_limit_bytes, std::numeric_limits<std::uint32_t>::max())));
  // No body limit yet: each route sets its own (decide_route, then the body parser). The
  // maximum rather than boost::none, which GCC 12 misreads as uninitialised under ASan.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

// Unique, not secret: a random per-process prefix and a counter, so that a request id costs no
// call into the CSPRNG on the hot path.
std::string new_request_id() {
  static const std::uint32_t prefix = [] {
    Bytes bytes = crypto::random_bytes(4);
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | bytes[3];
  }();
  static std::atomic<std::uint32_t> counter{0};
  const std::uint64_t id = (std::uint64_t{prefix} << 32) | counter.fetch_add(1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i) {
    text[static_cast<std::size_t>(i)] = kHex[(id >> ((15 - i) * 4)) & 0xFU];
  }
  return text;
}

std::string request_id_for(const RequestHeader& header) {
  auto it = header.find("X-Request-Id");
  if (it != header.end() && valid_request_id(it->value())) {
    return std::string(it->value());
  }
  return new_request_id();
}

ParseFailure classify_parse_error(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) {
    return {431, "header_too_large", "request header is over the server's limit"};
  }
  if (ec == http::error::body_limit) {
    return {413, "too_large", "request body is over the route's limit"};
  }
  return {400, "invalid_request", "malformed HTTP request: " + ec.message()};
}

std::optional<ParseFailure> check_header_size(std::size_t header_bytes,
                                              std::size_t header_limit_bytes) {
  if (header_bytes > header_limit_bytes) {
    return classify_parse_error(http::error::header_limit);
  }
  return std::nullopt;
}

Response too_large_response(std::size_t limit_bytes) {
  return error_response(
      413, "too_large",
      "request body is over this route's limit of " + std::to_string(limit_bytes) + " bytes");
}

RouteDecision decide_route(const Router& router, const HeaderParser& parser,
                           const ServerOptions& options, Request& request) {
  const RequestHeader& header = parser.get();
  std::string_view target = header.target();
  std::size_t question = target.find('?');
  request.method = std::string(header.method_string());
  request.path = std::string(target.substr(0, question));
  request.query =
      question == std::string_view::npos ? "" : std::string(target.substr(question + 1));
  request.authorization = std::string(header[http::field::authorization]);
  request.content_type = std::string(header[http::field::content_type]);
  request.range = std::string(header[http::field::range]);
  request.if_none_match = std::string(header[http::field::if_none_match]);
  if (auto hash = header.find("X-Caas-Content-Hash"); hash != header.end()) {
    request.content_hash = std::string(hash->value());
  }

  RouteDecision decision;
  decision.body_limit_bytes = options.json_body_limit_bytes;
  RouteMatch match = router.match(request.method, request.path);
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound:
      decision.early_response = error_response(404, "not_found", "no such route");
      break;
    case RouteMatch::Kind::kBadPath:
      decision.early_response =
          error_response(400, "invalid_request", "path: malformed percent-encoding");
      break;
    case RouteMatch::Kind::kMethodNotAllowed:
      decision.early_response = error_response(405, "method_not_allowed",
                                               "method " + request.method + " not allowed here");
      decision.early_response->headers.emplace_back("Allow", match.allow);
      break;
    case RouteMatch::Kind::kFound:
      decision.route = match.route;
      request.params = std::move(match.params);
      if (match.route->options.max_body_bytes != 0) {
        decision.body_limit_bytes = match.route->options.max_body_bytes;
      }
      if (match.route->options.json_body && has_body(parser) &&
          !is_json_content_type(request.content_type)) {
        decision.early_response =
            error_response(415, "unsupported_media_type", "request body must be application/json");
      }
      break;
  }
  // A declared length over the limit is refused before a byte of body is read; the body stays
  // unread, so the connection cannot carry another request.
  if (std::optional<std::uint64_t> length = declared_length(parser)) {
    if (*length > decision.body_limit_bytes) {
      decision.early_response = too_large_response(decision.body_limit_bytes);
      decision.close_after = true;
    }
  }
  decision.expect_continue =
      !decision.early_response && header[http::field::expect] == "100-continue";
  return decision;
}

}  // namespace caas::api::detail
