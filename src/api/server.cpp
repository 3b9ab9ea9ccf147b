#include "api/server.h"

#include <limits>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "api/detail/server_state.h"

namespace caas::api {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace detail {

void ServerState::add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex);
  connections.insert(connection);
}

void ServerState::remove(const std::shared_ptr<Connection>& connection) {
  bool last = false;
  {
    std::lock_guard lock(mutex);
    connections.erase(connection);
    last = connections.empty();
  }
  open_connections.fetch_sub(1);
  metrics->connection_closed();
  if (last && stopping.load() && on_all_closed) {
    on_all_closed();
  }
}

void ServerState::close_idle() {
  std::lock_guard lock(mutex);
  for (const auto& connection : connections) {
    // Runs on the connection's own thread, so `busy` and `tcp` are read without a race: the
    // coroutine is suspended either waiting for a request (idle: close it) or in the middle
    // of one (busy: it ends by itself after its response, seeing `stopping`).
    asio::post(connection->executor, [connection] {
      if (!connection->busy && connection->tcp != nullptr) {
        connection->tcp->cancel();
      }
    });
  }
}

}  // namespace detail

class HttpServer::Impl {
 public:
  Impl(const ServerOptions& options, const Router& router, Metrics& metrics);
  Status open();
  void run();
  void stop();
  std::uint16_t port = 0;
  std::shared_ptr<detail::ServerState> state;

 private:
  asio::awaitable<void> accept_loop();
  void begin_shutdown();
  void stop_contexts();

  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer deadline_;
  std::size_t next_context_ = 0;
  // Declared after the contexts, so destroyed before them: no worker outlives a connection
  // coroutine whose request it reads.
  detail::WorkerPool workers_;
  detail::WorkerPool file_workers_;
};

HttpServer::Impl::Impl(const ServerOptions& options, const Router& router, Metrics& metrics)
    : state(std::make_shared<detail::ServerState>()),
      contexts_([&] {
        unsigned threads = options.threads != 0 ? options.threads
                                                : std::max(1U, std::thread::hardware_concurrency());
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        for (unsigned i = 0; i < threads; ++i) {
          contexts.push_back(std::make_unique<asio::io_context>(1));
        }
        return contexts;
      }()),
      acceptor_(*contexts_[0]),
      signals_(*contexts_[0]),
      deadline_(*contexts_[0]),
      workers_(options.worker_threads != 0 ? options.worker_threads
                                           : std::max(1U, std::thread::hardware_concurrency()),
               options.worker_queue_limit),
      file_workers_(options.file_io_threads, std::numeric_limits<std::size_t>::max(), 0) {
  state->options = options;
  state->router = &router;
  state->metrics = &metrics;
  state->workers = &workers_;
  state->file_workers = &file_workers_;
  for (auto& context : contexts_) {
    guards_.push_back(asio::make_work_guard(*context));
  }
}

Status HttpServer::Impl::open() {
  const ServerOptions& options = state->options;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return invalid_argument("tls: cert_file and key_file must be set together");
    }
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls.use_certificate_chain_file(options.tls_cert_file, ec);
    if (!ec) {
      tls.use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
    }
    if (ec) {
      return invalid_argument("tls: cannot load certificate or key: " + ec.message());
    }
    state->tls.emplace(std::move(tls));
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return invalid_argument("listen: bad address " + options.host);
  }
  tcp::endpoint endpoint(address, options.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return error(ErrorCode::kIo, "listen on " + options.host + ":" + std::to_string(options.port) +
                                     ": " + ec.message());
  }
  port = acceptor_.local_endpoint().port();
  return ok_status();
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    asio::io_context& context = *contexts_[next_context_++ % contexts_.size()];
    auto [ec, socket] = co_await acceptor_.async_accept(context, kNoThrow);
    if (ec == asio::error::operation_aborted || state->stopping.load()) {
      co_return;
    }
    if (ec) {
      // Out of descriptors (EMFILE) and the like: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    if (state->open_connections.load() >= state->options.max_connections) {
      state->metrics->connection_rejected();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    state->open_connections.fetch_add(1);
    state->metrics->connection_opened();
    detail::spawn_session(std::move(socket), state);
  }
}

void HttpServer::Impl::stop_contexts() {
  for (auto& context : contexts_) {
    context->stop();
  }
}

void HttpServer::Impl::begin_shutdown() {
  if (state->stopping.exchange(true)) {
    return;
  }
  spdlog::info("shutting down: no new connections, finishing requests in flight");
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  signals_.cancel(ignored);
  state->close_idle();
  for (auto& guard : guards_) {
    guard.reset();
  }
  // In-flight requests get until the deadline; then every context stops, whatever is left.
  deadline_.expires_after(state->options.shutdown_timeout);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      spdlog::warn("shutdown deadline reached with connections still open");
      stop_contexts();
    }
  });
  if (state->open_connections.load() == 0) {
    deadline_.cancel();
  }
}

void HttpServer::Impl::run() {
  state->on_all_closed = [this] { asio::post(*contexts_[0], [this] { deadline_.cancel(); }); };
  if (state->options.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](boost::system::error_code ec, int /*signal*/) {
      if (!ec) {
        begin_shutdown();
      }
    });
  }
  asio::co_spawn(*contexts_[0], accept_loop(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  // Context 0 runs out of work once shutdown is complete (its deadline timer is cancelled when
  // the last connection closes) or the deadline has stopped every context.
  contexts_[0]->run();
  for (auto& thread : threads) {
    thread.join();
  }
  workers_.stop();
  file_workers_.stop();
}

void HttpServer::Impl::stop() {
  asio::post(*contexts_[0], [this] { begin_shutdown(); });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::create(const ServerOptions& options,
                                                       const Router& router, Metrics& metrics) {
  auto impl = std::make_unique<Impl>(options, router, metrics);
  CAAS_TRY(impl->open());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));  // NOLINT
}

std::uint16_t HttpServer::port() const { return impl_->port; }
bool HttpServer::tls() const { return impl_->state->tls.has_value(); }
void HttpServer::run() { impl_->run(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace caas::api
