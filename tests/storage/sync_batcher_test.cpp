#include "storage/detail/sync_batcher.h"

#include <atomic>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "testing/temp_dir.h"

namespace caas::storage::detail {
namespace {

TEST(SyncBatcherTest, ConcurrentCallersShareFlushes) {
  testing::TempDir dir;
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  SyncBatcher batcher(fd);
  constexpr int kThreads = 16;
  constexpr int kCalls = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        failures += batcher.sync().ok() ? 0 : 1;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  // Every call got a flush that started after it, yet far fewer flushes ran than calls.
  EXPECT_GE(batcher.flushes(), static_cast<std::uint64_t>(kCalls));
  EXPECT_LT(batcher.flushes(), static_cast<std::uint64_t>(kThreads * kCalls));
  ::close(fd);
}

TEST(SyncBatcherTest, ASyncCallAlwaysRunsAFlushOfItsOwnWhenAlone) {
  testing::TempDir dir;
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  SyncBatcher batcher(fd);
  ASSERT_TRUE(batcher.sync().ok());
  ASSERT_TRUE(batcher.sync().ok());
  EXPECT_EQ(batcher.flushes(), 2U);
  ::close(fd);
}

TEST(SyncBatcherTest, AFailedFlushIsReported) {
  SyncBatcher batcher(-1);  // EBADF: the flush fails
  Status status = batcher.sync();
  EXPECT_EQ(status.code(), ErrorCode::kIo) << status;
  EXPECT_FALSE(batcher.sync().ok());
}

}  // namespace
}  // namespace caas::storage::detail
