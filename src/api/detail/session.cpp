// One coroutine per connection, in the shape of Beast's http_server_awaitable.cpp (boost-1.81.0),
// with error codes instead of exceptions (as_tuple) and a fresh parser per request: read the
// header, route, pick the body limit for that route, read the body, handle, write, loop.
#include <array>
#include <chrono>
#include <exception>
#include <new>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include "api/client_address.h"
#include "api/detail/body_streams.h"
#include "api/detail/http_parse.h"
#include "api/detail/server_state.h"
#include "api/errors.h"
#include "crypto/secret.h"

namespace caas::api::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunkBytes = 4096;

template <typename Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// Converts a handler's Response to the wire, with the headers every response carries.
http::response<http::string_body> to_wire(Response& response, const std::string& request_id,
                                          unsigned version, bool keep_alive) {
  http::response<http::string_body> wire{static_cast<http::status>(response.status), version};
  if (!response.body.empty() || response.status != 204) {
    wire.set(http::field::content_type, response.content_type);
  }
  wire.set("X-Request-Id", request_id);
  for (const auto& [name, value] : response.headers) {
    wire.set(name, value);
  }
  wire.body() = std::move(response.body);
  wire.keep_alive(keep_alive);
  wire.prepare_payload();
  return wire;
}

// Runs `call` (a handler) with the request id set for its log lines. Our code does not throw;
// a library that does is caught here, once, and answered with `internal`.
template <typename Call, typename Failed>
auto guarded(const Route& route, Request& request, Call call, Failed failed) {
  set_current_request_id(request.request_id);
  try {
    auto result = call();
    set_current_request_id({});
    return result;
  } catch (const std::bad_alloc&) {
    spdlog::critical("out of memory in handler for {}", route.pattern);
    std::abort();
  } catch (const std::exception& e) {
    spdlog::error("request_id={} route={} handler threw: {}", request.request_id, route.pattern,
                  e.what());
    set_current_request_id({});
    return failed(error_response(500, "internal", "the server could not complete the request"));
  }
}

Response call_handler(const Route& route, Request& request) {
  return guarded(
      route, request, [&] { return route.handler(request); },
      [](Response internal) { return internal; });
}

UploadStart call_upload_handler(const Route& route, Request& request) {
  return guarded(
      route, request, [&] { return route.upload(request); },
      [](Response internal) {
        return UploadStart{std::move(internal), {}};
      });
}

struct Exchange {
  std::string request_id;
  std::string method;
  std::string client;  // the client's address when it differs from the peer (via a proxy)
  const Route* route = nullptr;
  unsigned status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  SteadyClock::time_point start = SteadyClock::now();
};

void finish_exchange(ServerState& state, const Exchange& exchange, const std::string& remote) {
  double seconds = std::chrono::duration<double>(SteadyClock::now() - exchange.start).count();
  state.metrics->observe(exchange.route, exchange.method, exchange.status, seconds,
                         exchange.bytes_in, exchange.bytes_out);
  if (state.options.access_log) {
    spdlog::info(
        "request_id={} remote={} client={} method={} route={} status={} bytes_in={} "
        "bytes_out={} duration_us={}",
        exchange.request_id, remote, exchange.client.empty() ? remote : exchange.client,
        exchange.method, exchange.route != nullptr ? exchange.route->pattern : "unmatched",
        exchange.status, exchange.bytes_in, exchange.bytes_out,
        static_cast<std::int64_t>(seconds * 1e6));
  }
}

// Request bytes (bodies with shares, Authorization headers) stay in the read buffer's storage
// after the parser consumed them; wipe that storage once it holds no unread bytes.
void wipe_consumed(beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > 0) {
    auto storage = buffer.prepare(buffer.capacity());
    crypto::detail::secure_wipe(storage.data(), storage.size());
  }
}

// After an answer that ends the connection (413, a malformed request) the client may still be
// sending. Closing at once with unread data makes the kernel send a reset, which can destroy the
// answer before the client reads it. So, like nginx's lingering close: stop sending, then read
// and discard for a bounded time and amount, then close.
template <typename Stream>
asio::awaitable<void> linger_close(Stream& stream, ServerState& state) {
  constexpr std::size_t kMaxDiscardBytes = 1 << 20;
  auto& tcp = beast::get_lowest_layer(stream);
  boost::system::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (state.stopping.load()) {
    co_return;
  }
  tcp.expires_after(std::chrono::seconds(2));
  std::array<char, 4096> sink{};
  for (std::size_t discarded = 0; discarded < kMaxDiscardBytes;) {
    auto [ec, n] = co_await tcp.async_read_some(asio::buffer(sink), kNoThrow);
    if (ec) {
      break;
    }
    discarded += n;
  }
}

// Runs the handler on the worker pool and resumes the connection's coroutine on its own
// executor with the response. The request stays in the suspended coroutine's frame meanwhile.
asio::awaitable<Response> call_on_workers(WorkerPool& pool, const Route& route, Request& request) {
  if (!pool.try_reserve()) {
    Response busy = error_response(503, "overloaded", "the server is busy; retry in a moment");
    busy.headers.emplace_back("Retry-After", "1");
    co_return busy;
  }
  auto initiation = [&pool, &route, &request](auto handler) {
    auto executor = asio::get_associated_executor(handler);
    asio::post(pool.executor(),
               [&pool, &route, &request, executor, handler = std::move(handler)]() mutable {
                 Response response = call_handler(route, request);
                 pool.release();
                 asio::post(executor, [handler = std::move(handler),
                                       response = std::move(response)]() mutable {
                   std::move(handler)(std::move(response));
                 });
               });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      initiation, asio::use_awaitable);
}

template <typename Stream>
// `response` by reference, not by value: a by-value parameter is a temporary in the caller's
// co_await expression, which GCC 12 may destroy twice (fatal once Response holds a shared_ptr).
asio::awaitable<bool> write_response(Stream& stream, ServerState& state, Exchange& exchange,
                                     Response&& response, unsigned version, bool keep_alive) {
  exchange.status = response.status;
  if (response.stream || response.head) {
    co_return co_await send_stream(stream, state, response, exchange.request_id, version,
                                   keep_alive, exchange.bytes_out);
  }
  bool sensitive = response.sensitive;
  auto wire = to_wire(response, exchange.request_id, version, keep_alive);
  beast::get_lowest_layer(stream).expires_after(state.options.body_timeout);
  auto [ec, written] = co_await http::async_write(stream, wire, kNoThrow);
  exchange.bytes_out = written;
  if (sensitive) {
    crypto::detail::secure_wipe(wire.body().data(), wire.body().size());
  }
  co_return !ec;
}

// An upload route: its handler decides on the file pool whether to take the body; then the body
// streams into the sink. Returns the answer, or nullopt when the client left mid-body.
template <typename Stream>
asio::awaitable<std::optional<Response>> serve_upload(Stream& stream, beast::flat_buffer& buffer,
                                                      HeaderParser& header_parser,
                                                      ServerState& state, const Route& route,
                                                      Request& request, Exchange& exchange,
                                                      const RouteDecision& decision,
                                                      bool& keep_alive) {
  auto decide = [&route, &request] { return call_upload_handler(route, request); };
  UploadStart start = co_await run_on_pool(*state.file_workers, std::move(decide));
  if (!start.sink) {
    keep_alive = keep_alive && !has_body(header_parser);  // its body stays unread
    co_return std::move(start.response);
  }
  if (decision.expect_continue) {
    http::response<http::empty_body> cont{http::status::continue_, header_parser.get().version()};
    co_await http::async_write(stream, cont, kNoThrow);
  }
  std::optional<Response> answer =
      co_await receive_upload(stream, buffer, header_parser, state, start.sink,
                              decision.body_limit_bytes, exchange.bytes_in, keep_alive);
  co_return answer;
}

// Waits for the first byte of the next request: until the idle deadline between keep-alive
// requests (or the header deadline for a new connection). Returns false when the peer left.
template <typename Stream>
asio::awaitable<bool> await_request(Stream& stream, beast::flat_buffer& buffer, ServerState& state,
                                    bool first) {
  if (buffer.size() > 0) {
    co_return true;
  }
  beast::get_lowest_layer(stream).expires_after(first ? state.options.header_timeout
                                                      : state.options.idle_timeout);
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunkBytes), kNoThrow);
  buffer.commit(n);
  co_return !ec;
}

// Serves one request; returns whether the connection may carry another.
template <typename Stream>
asio::awaitable<bool> serve_one(Stream& stream, beast::flat_buffer& buffer, ServerState& state,
                                const std::string& remote) {
  Exchange exchange;
  auto& tcp = beast::get_lowest_layer(stream);
  // The whole header must arrive within the header deadline, however it is trickled.
  tcp.expires_after(state.options.header_timeout);
  http::request_parser<http::empty_body> header_parser;
  configure_header_parser(header_parser, state.options.header_limit_bytes);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, header_parser, kNoThrow);
  exchange.bytes_in = n;
  exchange.request_id = new_request_id();
  std::optional<ParseFailure> oversized = check_header_size(n, state.options.header_limit_bytes);
  if (ec || oversized) {
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      co_return false;
    }
    // A malformed or oversized header: answer, then close (the stream is out of sync).
    ParseFailure failure = ec ? classify_parse_error(ec) : *oversized;
    co_await write_response(stream, state, exchange,
                            error_response(failure.http_status, failure.code, failure.message), 11,
                            false);
    finish_exchange(state, exchange, remote);
    co_await linger_close(stream, state);
    co_return false;
  }

  // Everything needed from the header is read now: the parser is moved into the body parser.
  const auto& header = header_parser.get();
  exchange.request_id = request_id_for(header);
  exchange.method = std::string(header.method_string());
  const unsigned version = header.version();
  bool keep_alive = header.keep_alive() && !state.stopping.load();
  Request request;
  RouteDecision decision = decide_route(*state.router, header_parser, state.options, request);
  exchange.route = decision.route;
  request.request_id = exchange.request_id;
  request.remote_address =
      state.options.trusted_proxies.empty()
          ? remote
          : client_address(remote, header["X-Forwarded-For"], state.options.trusted_proxies);
  exchange.client = request.remote_address;

  if (decision.route != nullptr && decision.route->upload && !decision.early_response) {
    std::optional<Response> answer =
        co_await serve_upload(stream, buffer, header_parser, state, *decision.route, request,
                              exchange, decision, keep_alive);
    crypto::detail::secure_wipe(request.authorization.data(), request.authorization.size());
    if (!answer) {
      exchange.status = 499;  // nginx's "client closed request", for the log and metrics
      finish_exchange(state, exchange, remote);
      co_return false;
    }
    bool written =
        co_await write_response(stream, state, exchange, std::move(*answer), version, keep_alive);
    finish_exchange(state, exchange, remote);
    if (written && !keep_alive) {
      co_await linger_close(stream, state);
      co_return false;
    }
    co_return written&& keep_alive && !state.stopping.load();
  }

  // Body: read within the route's limit. A body over the limit (declared or streamed) is
  // answered with 413 and the connection closed, its rest unread.
  http::request_parser<http::string_body> parser(std::move(header_parser));
  parser.body_limit(decision.body_limit_bytes);
  if (decision.early_response) {
    keep_alive = keep_alive && !decision.close_after;
  }
  if (!decision.early_response || !decision.close_after) {
    if (decision.expect_continue) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      co_await http::async_write(stream, cont, kNoThrow);
    }
    tcp.expires_after(state.options.body_timeout);
    auto [body_ec, body_n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    exchange.bytes_in += body_n;
    if (body_ec == http::error::body_limit) {
      decision.early_response = too_large_response(decision.body_limit_bytes);
      keep_alive = false;
    } else if (body_ec) {
      if (body_ec == beast::error::timeout || body_ec == http::error::end_of_stream ||
          body_ec == http::error::partial_message) {
        co_return false;
      }
      ParseFailure failure = classify_parse_error(body_ec);
      decision.early_response = error_response(failure.http_status, failure.code, failure.message);
      keep_alive = false;
    }
  }

  Response response;
  if (decision.early_response) {
    response = std::move(*decision.early_response);
  } else {
    request.body = std::move(parser.get().body());
    // Not a conditional expression: GCC 12 destroys a co_await temporary inside ?: twice.
    if (decision.route->options.offload) {
      response = co_await call_on_workers(*state.workers, *decision.route, request);
    } else if (decision.route->options.file_io) {
      const Route& route = *decision.route;
      auto handle = [&route, &request] { return call_handler(route, request); };
      response = co_await run_on_pool(*state.file_workers, std::move(handle));
    } else {
      response = call_handler(*decision.route, request);
    }
    crypto::detail::secure_wipe(request.body.data(), request.body.size());
    crypto::detail::secure_wipe(request.authorization.data(), request.authorization.size());
  }
  bool written =
      co_await write_response(stream, state, exchange, std::move(response), version, keep_alive);
  finish_exchange(state, exchange, remote);
  if (written && !keep_alive) {
    co_await linger_close(stream, state);
    co_return false;
  }
  co_return written&& keep_alive && !state.stopping.load();
}

template <typename Stream>
asio::awaitable<void> close_stream(Stream& stream) {
  auto& tcp = beast::get_lowest_layer(stream);
  if constexpr (kIsTls<Stream>) {
    tcp.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kNoThrow);
  }
  boost::system::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  tcp.close();
}

template <typename Stream>
asio::awaitable<void> serve_connection(Stream stream, std::shared_ptr<ServerState> state,
                                       std::shared_ptr<Connection> connection, std::string remote) {
  auto& tcp = beast::get_lowest_layer(stream);
  // The stream lives in this frame (it was moved in): point the shutdown path at it here.
  connection->tcp = &tcp;
  bool ok = true;
  if constexpr (kIsTls<Stream>) {
    tcp.expires_after(state->options.header_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    ok = !ec;
  }
  beast::flat_buffer buffer;
  for (bool first = true; ok && !state->stopping.load(); first = false) {
    connection->busy = false;
    if (!co_await await_request(stream, buffer, *state, first)) {
      break;
    }
    connection->busy = true;
    ok = co_await serve_one(stream, buffer, *state, remote);
    wipe_consumed(buffer);
  }
  connection->tcp = nullptr;
  if (ok) {
    co_await close_stream(stream);
  } else {
    tcp.close();
  }
}

// Registers the connection for shutdown, serves it, and unregisters it on every exit path.
template <typename Stream>
asio::awaitable<void> run_connection(Stream stream, std::shared_ptr<ServerState> state,
                                     std::string remote) {
  auto connection = std::make_shared<Connection>();
  connection->executor = stream.get_executor();
  state->add(connection);
  try {
    co_await serve_connection(std::move(stream), state, connection, std::move(remote));
  } catch (const std::bad_alloc&) {
    spdlog::critical("out of memory serving a connection");
    std::abort();
  } catch (const std::exception& e) {
    spdlog::error("connection ended by an exception: {}", e.what());
  }
  connection->tcp = nullptr;
  state->remove(connection);
}

}  // namespace

void spawn_session(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? "unknown" : endpoint.address().to_string();
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  auto executor = socket.get_executor();
  if (state->tls) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *state->tls);
    asio::co_spawn(executor, run_connection(std::move(stream), state, std::move(remote)),
                   asio::detached);
  } else {
    beast::tcp_stream stream(std::move(socket));
    asio::co_spawn(executor, run_connection(std::move(stream), state, std::move(remote)),
                   asio::detached);
  }
}

}  // namespace caas::api::detail
