// What the listener and the connection coroutines share. Beast/Asio types: include only from
// src/api/detail and src/api/server.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "api/detail/worker_pool.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/server.h"

namespace caas::api::detail {

// One open connection as the shutdown path sees it. Touched only on the connection's own
// executor (one thread per io_context), so the flags need no lock.
struct Connection {
  boost::asio::any_io_executor executor;
  boost::beast::tcp_stream* tcp = nullptr;  // valid while registered
  bool busy = false;  // between the first byte of a request and the end of its response
};

struct ServerState {
  ServerOptions options;
  const Router* router = nullptr;
  Metrics* metrics = nullptr;
  WorkerPool* workers = nullptr;       // owned by the server, stopped after the I/O threads
  WorkerPool* file_workers = nullptr;  // likewise; RouteOptions::file_io and streamed bodies
  std::optional<boost::asio::ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};
  std::function<void()> on_all_closed;  // set by the server; called when stopping and idle

  std::mutex mutex;  // guards connections
  std::unordered_set<std::shared_ptr<Connection>> connections;

  void add(const std::shared_ptr<Connection>& connection);
  void remove(const std::shared_ptr<Connection>& connection);
  // Closes every connection that is between requests (posted to each one's executor).
  void close_idle();
};

// Serves one accepted connection until it closes. Spawn on the socket's io_context.
void spawn_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace caas::api::detail
