// HttpServer: HTTP/1.1 (and HTTPS when a certificate is configured) on Boost.Beast with C++20
// coroutines. One io_context per thread; the acceptor hands each connection to the next context
// round-robin, where one coroutine serves it for its whole life (read header, route, read body
// within the route's limit, handle, write, loop while keep-alive).
//
// Limits: header bytes (431), body bytes per route (413), a deadline for the whole header once
// its first byte arrives (a client that trickles bytes is cut off), a body deadline, an idle
// deadline between keep-alive requests, and a cap on open connections (excess ones are closed
// at once). Shutdown (SIGTERM/SIGINT or stop()): stop accepting, close idle connections, let
// in-flight requests finish up to the shutdown deadline, then stop.
//
// This header is Beast-free on purpose (the implementation is in src/api/detail).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "api/router.h"
#include "base/result.h"

namespace caas::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8200;    // 0: a free port chosen by the kernel
  unsigned threads = 0;         // 0: one per core
  unsigned worker_threads = 0;  // for offloaded handlers (RouteOptions::offload); 0: one per core
  std::size_t worker_queue_limit = 256;  // offloaded requests waiting or running; then 503
  // For file routes and streamed bodies (RouteOptions::file_io): more threads than cores, as
  // they mostly wait on the disk, and concurrent fsyncs share the file system's journal commits.
  unsigned file_io_threads = 16;
  std::size_t max_connections = 4096;
  std::size_t header_limit_bytes = 16 * 1024;
  std::size_t json_body_limit_bytes = 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::string tls_cert_file;  // PEM chain; with tls_key_file, HTTPS only
  std::string tls_key_file;
  // Peers whose X-Forwarded-For is believed (api/client_address.h); exact addresses.
  std::vector<std::string> trusted_proxies;
  bool access_log = true;
  bool handle_signals = true;  // SIGTERM/SIGINT start a graceful shutdown
};

class HttpServer {
 public:
  // Binds the listening socket (so port() is known before run()) and loads TLS material.
  // `router` and `metrics` must outlive the server. Errors: kIo (cannot bind),
  // kInvalidArgument (bad address, unreadable certificate or key).
  static Result<std::unique_ptr<HttpServer>> create(const ServerOptions& options,
                                                    const Router& router, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] bool tls() const;

  // Serves until shutdown completes; call once.
  void run();
  // Starts a graceful shutdown; safe from any thread, and more than once.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caas::api
