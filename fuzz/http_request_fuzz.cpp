// Fuzzes what the server does with raw request bytes before any handler runs: Beast's request
// parser with our limits (api/detail/http_parse.h), routing, the early answers, and the body
// parser with the route's limit. Properties, not only "no crash":
// - a routed request names the method of its route, and a request without an early answer is
//   routed;
// - the request id is always 1..64 characters;
// - a body that parses is never longer than its route's limit;
// - a header over the limit is refused, never accepted, counting request line and fields.
#include <cstddef>
#include <cstdint>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/detail/http_parse.h"
#include "api/sys_routes.h"
#include "base/check.h"

namespace {

namespace http = boost::beast::http;
using caas::api::detail::HeaderParser;

constexpr std::size_t kHeaderLimit = 2048;
constexpr std::size_t kBodyLimit = 4096;

const caas::api::Router& router() {
  static const caas::api::Router instance = [] {
    caas::api::Router r;
    static const caas::api::SysDeps deps;  // handlers are never called here
    caas::api::add_sys_routes(r, deps);
    r.add("GET", "/v1/transit/keys/{name}", nullptr);
    r.add("PUT", "/v1/files/{path+}", nullptr,
          caas::api::RouteOptions{.max_body_bytes = 100, .json_body = false});
    return r;
  }();
  return instance;
}

// Feeds `input` to `parser` until it stops making progress; returns the bytes consumed.
template <typename Parser>
std::size_t feed(Parser& parser, caas::ByteSpan input, boost::system::error_code& ec) {
  std::size_t used = 0;
  while (used < input.size()) {
    std::size_t n = parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    used += n;
    if (ec || n == 0 || parser.is_done() || parser.is_header_done()) {
      break;
    }
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  HeaderParser parser;
  caas::api::detail::configure_header_parser(parser, kHeaderLimit);
  parser.eager(false);
  boost::system::error_code ec;
  std::size_t used = feed(parser, input, ec);
  if (ec || !parser.is_header_done()) {
    if (ec == http::error::header_limit) {
      CAAS_CHECK(size > kHeaderLimit);
    }
    return 0;
  }
  // Beast bounds the request line and the fields each on their own; the server bounds the
  // whole header with check_header_size (a crash input of this target found the gap).
  if (used > kHeaderLimit) {
    CAAS_CHECK(caas::api::detail::check_header_size(used, kHeaderLimit).has_value());
    return 0;
  }
  CAAS_CHECK(!caas::api::detail::check_header_size(used, kHeaderLimit).has_value());

  caas::api::ServerOptions options;
  options.json_body_limit_bytes = kBodyLimit;
  caas::api::Request request;
  caas::api::detail::RouteDecision decision =
      caas::api::detail::decide_route(router(), parser, options, request);
  if (decision.route != nullptr) {
    CAAS_CHECK(decision.route->method == request.method);
  }
  CAAS_CHECK(decision.early_response.has_value() || decision.route != nullptr);
  std::string id = caas::api::detail::request_id_for(parser.get());
  CAAS_CHECK(!id.empty() && id.size() <= 64);
  if (decision.close_after) {
    return 0;
  }

  http::request_parser<http::string_body> body_parser(std::move(parser));
  body_parser.body_limit(decision.body_limit_bytes);
  feed(body_parser, input.subspan(used), ec);
  if (!ec && body_parser.is_done()) {
    CAAS_CHECK(body_parser.get().body().size() <= decision.body_limit_bytes);
  }
  return 0;
}
