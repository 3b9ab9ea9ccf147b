// The streamed bodies of a session (api/http_types.h, BodySink and BodySource): an upload's body
// read from the socket in chunks and fed to its sink, and a download's body pulled from its
// source and written to the socket. Both keep two chunks: while the pool works on one, the
// socket moves the other. Included by session.cpp only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "api/detail/http_parse.h"
#include "api/detail/pool_job.h"
#include "api/detail/server_state.h"
#include "api/errors.h"
#include "crypto/secret.h"

namespace caas::api::detail {

// 1 MiB: large enough that per-chunk costs (a pool hand-off, a write call) vanish at GB/s,
// small enough that 2 chunks per connection stay far below the memory aim.
inline constexpr std::size_t kStreamChunkBytes = 1 << 20;

// A chunk buffer. It holds plaintext (on the way into an upload, out of a download), so it is
// wiped when the last holder — the coroutine or a pool job — lets go.
inline std::shared_ptr<Bytes> chunk_buffer(std::size_t size) {
  return {new Bytes(size), [](Bytes* bytes) {
            crypto::detail::secure_wipe(bytes->data(), bytes->size());
            delete bytes;
          }};
}

// Reads the body of an accepted upload into `sink`, chunk by chunk, and returns the answer;
// nullopt when the client left or stalled (nothing to answer: close). On every path that does
// not end in finish(), the sink is aborted or failed, so the upload leaves no trace.
// `keep_alive` is cleared whenever the body was not read to its end.
template <typename Stream>
boost::asio::awaitable<std::optional<Response>> receive_upload(
    Stream& stream, boost::beast::flat_buffer& buffer, HeaderParser& header_parser,
    ServerState& state, const std::shared_ptr<BodySink>& accepted, std::size_t body_limit,
    std::uint64_t& bytes_in, bool& keep_alive) {
  // GCC 12 may destroy a temporary in a co_await expression twice, which for a shared_ptr is a
  // double release (seen as heap corruption under load). So: the sink arrives by reference, and
  // every lambda handed to the pool below is a named local, never a temporary.
  std::shared_ptr<BodySink> sink = accepted;
  namespace http = boost::beast::http;
  constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  WorkerPool& pool = *state.file_workers;
  const auto home = co_await boost::asio::this_coro::executor;
  auto& tcp = boost::beast::get_lowest_layer(stream);

  std::optional<std::uint64_t> declared = declared_length(header_parser);
  const std::size_t chunk_bytes =
      declared
          ? static_cast<std::size_t>(std::clamp<std::uint64_t>(*declared, 1, kStreamChunkBytes))
          : kStreamChunkBytes;
  http::request_parser<http::buffer_body> parser(std::move(header_parser));
  parser.body_limit(body_limit);
  auto filling = chunk_buffer(chunk_bytes);
  auto spare = chunk_buffer(chunk_bytes);
  std::shared_ptr<PoolJob<Status>> writing;

  for (;;) {
    parser.get().body().data = filling->data();
    parser.get().body().size = filling->size();
    tcp.expires_after(state.options.body_timeout);  // per chunk: a long upload may take hours
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    bytes_in += n;
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    const std::size_t filled = filling->size() - parser.get().body().size;
    Status written = ok_status();
    if (writing) {
      written = co_await writing->wait();
      writing.reset();
    }
    if (ec) {
      keep_alive = false;
      auto abort_sink = [sink] {
        sink->abort();
        return true;
      };
      co_await run_on_pool(pool, std::move(abort_sink));
      if (ec == http::error::body_limit) {
        co_return too_large_response(body_limit);
      }
      if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
          ec == boost::beast::error::timeout || ec == boost::asio::error::eof ||
          ec == boost::asio::error::connection_reset ||
          ec == boost::asio::error::operation_aborted) {
        co_return std::nullopt;
      }
      ParseFailure failure = classify_parse_error(ec);
      co_return error_response(failure.http_status, failure.code, failure.message);
    }
    if (!written.ok()) {
      keep_alive = keep_alive && parser.is_done();
      auto fail_sink = [sink, written] { return sink->fail(written); };
      Response answer = co_await run_on_pool(pool, std::move(fail_sink));
      co_return answer;
    }
    if (parser.is_done()) {
      // The last chunk (for a small file, the whole body), the previous write being done:
      // write it and commit in one trip to the pool.
      auto write_and_finish = [sink, chunk = filling, filled] {
        Status status = sink->write(ByteSpan(chunk->data(), filled));
        return status.ok() ? sink->finish() : sink->fail(status);
      };
      Response answer = co_await run_on_pool(pool, std::move(write_and_finish));
      co_return answer;
    }
    if (filled > 0) {
      auto write_chunk = [sink, chunk = filling, filled] {
        return sink->write(ByteSpan(chunk->data(), filled));
      };
      writing = PoolJob<Status>::start(pool, home, std::move(write_chunk));
      std::swap(filling, spare);
    }
  }
}

// Writes a response whose body comes from response.stream (or, for HEAD, only its headers).
// Returns false when the connection must be closed without more: the client left, or the
// source failed, in which case fewer bytes than Content-Length were sent on purpose.
template <typename Stream>
boost::asio::awaitable<bool> send_stream(Stream& stream, ServerState& state, Response& response,
                                         const std::string& request_id, unsigned version,
                                         bool keep_alive, std::uint64_t& bytes_out) {
  namespace http = boost::beast::http;
  constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  WorkerPool& pool = *state.file_workers;
  const auto home = co_await boost::asio::this_coro::executor;
  auto& tcp = boost::beast::get_lowest_layer(stream);

  http::response<http::buffer_body> wire{static_cast<http::status>(response.status), version};
  wire.set(http::field::content_type, response.content_type);
  wire.set("X-Request-Id", request_id);
  for (const auto& [name, value] : response.headers) {
    wire.set(name, value);
  }
  wire.content_length(response.stream_bytes);
  wire.keep_alive(keep_alive);
  std::uint64_t remaining = response.head ? 0 : response.stream_bytes;
  wire.body().data = nullptr;
  wire.body().more = remaining > 0;
  http::response_serializer<http::buffer_body> serializer(wire);
  tcp.expires_after(state.options.body_timeout);
  auto [header_ec, header_n] = co_await http::async_write_header(stream, serializer, kNoThrow);
  bytes_out += header_n;
  if (header_ec) {
    co_return false;
  }
  if (remaining == 0) {
    co_return true;
  }

  const std::size_t chunk_bytes =
      static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kStreamChunkBytes));
  std::shared_ptr<BodySource> source = response.stream;
  auto start_read = [&pool, &home, source](const std::shared_ptr<Bytes>& chunk,
                                           std::uint64_t wanted) {
    return PoolJob<Result<std::size_t>>::start(pool, home, [source, chunk, wanted] {
      return source->read(MutableByteSpan(chunk->data(), static_cast<std::size_t>(wanted)));
    });
  };
  auto ready = chunk_buffer(chunk_bytes);
  auto spare = chunk_buffer(chunk_bytes);
  auto reading = start_read(ready, std::min<std::uint64_t>(remaining, chunk_bytes));
  while (remaining > 0) {
    Result<std::size_t> got = co_await reading->wait();
    if (!got.ok() || *got == 0 || *got > remaining) {
      spdlog::error("request_id={} response cut short, {} bytes before its declared end: {}",
                    request_id, remaining,
                    got.ok() ? "the body source ended early" : got.status().to_string());
      co_return false;
    }
    remaining -= *got;
    if (remaining > 0) {
      reading = start_read(spare, std::min<std::uint64_t>(remaining, chunk_bytes));
    }
    wire.body().data = ready->data();
    wire.body().size = *got;
    wire.body().more = remaining > 0;
    tcp.expires_after(state.options.body_timeout);
    auto [ec, n] = co_await http::async_write(stream, serializer, kNoThrow);
    bytes_out += n;
    if (ec && ec != http::error::need_buffer) {
      co_return false;
    }
    std::swap(ready, spare);
  }
  co_return true;
}

}  // namespace caas::api::detail
