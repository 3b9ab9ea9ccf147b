#include "storage/detail/sync_batcher.h"

#include <cerrno>

#include <unistd.h>

#include "storage/detail/posix_file.h"

namespace caas::storage::detail {

Status SyncBatcher::sync() {
  std::unique_lock lock(mutex_);
  // A running flush began before this call, so it may miss this caller's writes: wait for the
  // generation after it.
  const std::uint64_t needed = started_ + 1;
  for (;;) {
    if (completed_ >= needed) {
      // Any failed flush since this call may have lost this caller's writes: report it.
      return failed_ >= needed ? failure_ : ok_status();
    }
    if (!running_) {
      running_ = true;
      const std::uint64_t generation = ++started_;
      lock.unlock();
      Status status = ::syncfs(fd_) == 0 ? ok_status() : errno_status("syncfs", errno);
      lock.lock();
      running_ = false;
      completed_ = generation;
      if (!status.ok()) {
        failed_ = generation;
        failure_ = status;
      }
      done_.notify_all();
      continue;
    }
    done_.wait(lock);
  }
}

std::uint64_t SyncBatcher::flushes() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

}  // namespace caas::storage::detail
