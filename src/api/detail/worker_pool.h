// WorkerPool: a set of threads for handler work that must not run on an I/O thread. The server
// has two. The CPU pool runs handlers marked `offload` (RouteOptions) — Argon2id password
// hashing, mail delivery — so that an I/O thread never blocks and /v1/sys/health stays fast
// while logins are hashed. The threads run at a lower scheduling priority (nice +kWorkerNice):
// on a small machine the kernel then prefers the I/O threads whenever both want a core.
//
// The queue is bounded: past `max_pending` waiting jobs, try_reserve() refuses, and the caller
// answers 503 instead of letting latency and memory grow without limit (each Argon2id job holds
// tens of MiB while it runs).
//
// The file I/O pool (RouteOptions::file_io, and the chunks of streamed bodies) runs at normal
// priority with more threads than cores, because its jobs mostly sleep in pread, pwrite and
// fsync, and concurrent fsyncs let the file system batch its journal commits. Each connection
// has at most one job on it at a time, so the connection limit bounds its queue.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace caas::api::detail {

class WorkerPool {
 public:
  static constexpr int kWorkerNice = 10;

  // `nice`: the threads' priority offset (kWorkerNice for CPU work, 0 for I/O waits).
  WorkerPool(unsigned threads, std::size_t max_pending, int nice = kWorkerNice);
  ~WorkerPool();  // finishes the running jobs, drops the queued ones, joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] boost::asio::io_context::executor_type executor() {
    return context_.get_executor();
  }

  // Counts one more job in flight, or returns false when the queue is full.
  [[nodiscard]] bool try_reserve();
  void release() { pending_.fetch_sub(1, std::memory_order_relaxed); }

  void stop();

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace caas::api::detail
