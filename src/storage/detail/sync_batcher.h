// SyncBatcher: durability for many small blobs at the price of one file-system flush.
//
// Making one small blob durable costs two flushes (fsync of the file, then of its folder), about
// 1 ms each on the disks we measured: ~500 blobs/s from one writer, ~750/s from 16 (the journal
// merges little). A batch instead writes its blobs, renames them into place, and calls
// syncfs(2) once, which makes the data and the renames of all of them durable together: the
// group commit of a database log, for files. Only the 201 waits for it, so a crash before the
// flush can leave a renamed blob with partial data, but no row names it (the row is written
// after commit() returns), and the start-up sweep removes it.
//
// sync() returns once a syncfs that started after the call has completed. Callers that arrive
// while one runs wait for the next, which one of them runs for all. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "base/status.h"

namespace caas::storage::detail {

class SyncBatcher {
 public:
  // `fd`: any descriptor on the file system to flush (the store's root).
  explicit SyncBatcher(int fd) : fd_(fd) {}

  // Errors: kIo (the flush reported a write-back error; what it covered may not be durable).
  Status sync();

  // Flushes run so far (tests check that concurrent callers share them).
  [[nodiscard]] std::uint64_t flushes() const;

 private:
  int fd_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t started_ = 0;    // generations of syncfs begun
  std::uint64_t completed_ = 0;  // the latest generation finished
  bool running_ = false;
  std::uint64_t failed_ = 0;  // the latest generation whose flush failed (0: none)
  Status failure_;
};

}  // namespace caas::storage::detail
