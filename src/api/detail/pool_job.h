// PoolJob: work handed from a connection's coroutine to a WorkerPool, whose result the coroutine
// awaits — at once (run_on_pool) or later, so that it can read the next chunk of a body from
// the socket while the pool encrypts and writes the previous one.
//
// The job's closure runs on a pool thread; its result is posted back to the connection's own
// executor, where only the coroutine touches it, so no lock is needed. Everything the closure
// uses must be owned by it (shared_ptr), not borrowed from the coroutine frame: at shutdown the
// frame can go before the job ends.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/detail/worker_pool.h"

namespace caas::api::detail {

template <typename T>
class PoolJob {
 public:
  explicit PoolJob(const boost::asio::any_io_executor& home)
      : home_(home), signal_(home, boost::asio::steady_timer::time_point::max()) {}

  // Starts `fn` on `pool`; the result comes back to `home`, the caller's executor.
  template <typename Fn>
  static std::shared_ptr<PoolJob> start(WorkerPool& pool, const boost::asio::any_io_executor& home,
                                        Fn fn) {
    auto job = std::make_shared<PoolJob>(home);
    boost::asio::post(pool.executor(), [job, fn = std::move(fn)]() mutable {
      T result = fn();
      boost::asio::post(job->home_, [job, result = std::move(result)]() mutable {
        job->result_ = std::move(result);
        job->signal_.cancel();
      });
    });
    return job;
  }

  // The result, once the job has finished. Call once, from the home executor.
  boost::asio::awaitable<T> wait() {
    while (!result_) {
      co_await signal_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return std::move(*result_);
  }

 private:
  boost::asio::any_io_executor home_;
  boost::asio::steady_timer signal_;  // never expires; cancelled when the result arrives
  std::optional<T> result_;
};

// Runs `fn` on `pool` and resumes the caller with its result.
template <typename Fn>
auto run_on_pool(WorkerPool& pool, Fn fn) -> boost::asio::awaitable<decltype(fn())> {
  auto home = co_await boost::asio::this_coro::executor;
  auto job = PoolJob<decltype(fn())>::start(pool, home, std::move(fn));
  co_return co_await job->wait();
}

}  // namespace caas::api::detail
