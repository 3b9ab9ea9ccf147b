#include "api/detail/worker_pool.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace caas::api::detail {

WorkerPool::WorkerPool(unsigned threads, std::size_t max_pending, int nice)
    : guard_(boost::asio::make_work_guard(context_)), max_pending_(max_pending) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice] {
      // Linux applies setpriority(PRIO_PROCESS, tid) to one thread only.
      const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
      if (nice != 0 && ::setpriority(PRIO_PROCESS, tid, nice) != 0) {
        spdlog::debug("worker pool: could not lower the thread priority");
      }
      context_.run();
    });
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_reserve() {
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_pending_) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void WorkerPool::stop() {
  guard_.reset();
  context_.stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

}  // namespace caas::api::detail
