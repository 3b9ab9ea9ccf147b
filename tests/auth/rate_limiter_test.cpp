#include "auth/rate_limiter.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace caas::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Clock::TimePoint kT0 = Clock::TimePoint(seconds(1'700'000'000));

TEST(RatePolicyTest, ChecksBurstAndRate) {
  EXPECT_TRUE(check_rate_policy({}).ok());
  EXPECT_FALSE(check_rate_policy({.burst = 0.5}).ok());
  EXPECT_FALSE(check_rate_policy({.refill_per_second = 0}).ok());
  EXPECT_FALSE(check_rate_policy({.refill_per_second = -1}).ok());
}

TEST(MemoryRateLimiterTest, AllowsBurstThenRefusesWithRetryAfter) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 3, .refill_per_second = 0.25};  // one token per 4 s
  for (int i = 0; i < 3; ++i) {
    RateDecision decision = limiter.take("ip:1", policy, kT0);
    EXPECT_TRUE(decision.allowed) << i;
    EXPECT_EQ(decision.retry_after, seconds(0));
  }
  RateDecision refused = limiter.take("ip:1", policy, kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(4));
  // 1.5 s later a token is 2.5 s away, which rounds up to 3.
  refused = limiter.take("ip:1", policy, kT0 + milliseconds(1500));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(3));
}

TEST(MemoryRateLimiterTest, RetryAfterIsAtLeastOneSecond) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 1, .refill_per_second = 100};
  EXPECT_TRUE(limiter.take("k", policy, kT0).allowed);
  RateDecision refused = limiter.take("k", policy, kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(1));
}

TEST(MemoryRateLimiterTest, RefillsOverTime) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 2, .refill_per_second = 1};
  EXPECT_TRUE(limiter.take("k", policy, kT0).allowed);
  EXPECT_TRUE(limiter.take("k", policy, kT0).allowed);
  EXPECT_FALSE(limiter.take("k", policy, kT0).allowed);
  EXPECT_FALSE(limiter.take("k", policy, kT0 + milliseconds(999)).allowed);
  EXPECT_TRUE(limiter.take("k", policy, kT0 + seconds(1)).allowed);
  EXPECT_FALSE(limiter.take("k", policy, kT0 + seconds(1)).allowed);
  // A long pause refills up to the burst, not beyond.
  Clock::TimePoint later = kT0 + seconds(1000);
  EXPECT_TRUE(limiter.take("k", policy, later).allowed);
  EXPECT_TRUE(limiter.take("k", policy, later).allowed);
  EXPECT_FALSE(limiter.take("k", policy, later).allowed);
}

TEST(MemoryRateLimiterTest, ClockSteppingBackDoesNotRefill) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 1, .refill_per_second = 1};
  EXPECT_TRUE(limiter.take("k", policy, kT0 + seconds(10)).allowed);
  EXPECT_FALSE(limiter.take("k", policy, kT0).allowed);
  EXPECT_FALSE(limiter.take("k", policy, kT0 + seconds(10)).allowed);
  EXPECT_TRUE(limiter.take("k", policy, kT0 + seconds(11)).allowed);
}

TEST(MemoryRateLimiterTest, KeysAreIndependent) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 1, .refill_per_second = 0.1};
  EXPECT_TRUE(limiter.take("a", policy, kT0).allowed);
  EXPECT_FALSE(limiter.take("a", policy, kT0).allowed);
  EXPECT_TRUE(limiter.take("b", policy, kT0).allowed);
  EXPECT_FALSE(limiter.take("b", policy, kT0).allowed);
}

TEST(MemoryRateLimiterTest, HoldsAtMostMaxKeys) {
  constexpr std::size_t kMaxKeys = 1000;
  MemoryRateLimiter limiter(kMaxKeys);
  RatePolicy policy{.burst = 5, .refill_per_second = 0.001};
  for (std::size_t i = 0; i < 10 * kMaxKeys; ++i) {
    EXPECT_TRUE(limiter.take("key:" + std::to_string(i), policy, kT0).allowed);
    ASSERT_LE(limiter.size(), kMaxKeys);
  }
  EXPECT_GT(limiter.size(), kMaxKeys / 2);
}

TEST(MemoryRateLimiterTest, EvictionResetsTheOldestBucket) {
  MemoryRateLimiter limiter(1);  // one shard of one bucket
  RatePolicy slow{.burst = 1, .refill_per_second = 0.01};
  EXPECT_TRUE(limiter.take("old", slow, kT0).allowed);
  EXPECT_TRUE(limiter.take("new", slow, kT0).allowed);  // evicts "old" rather than refuse
  EXPECT_EQ(limiter.size(), 1U);
  EXPECT_FALSE(limiter.take("new", slow, kT0).allowed);
  EXPECT_TRUE(limiter.take("old", slow, kT0).allowed);  // the documented cost
}

struct TestEntry {
  Clock::TimePoint expendable;
  [[nodiscard]] Clock::TimePoint expendable_at() const { return expendable; }
};

bool holds(detail::BoundedMap<TestEntry>& map, std::string_view key) {
  return map.with_existing(key, [](const TestEntry* entry) { return entry != nullptr; });
}

void insert(detail::BoundedMap<TestEntry>& map, std::string_view key, Clock::TimePoint now,
            Clock::TimePoint expendable) {
  map.with_entry(
      key, now, [&] { return TestEntry{expendable}; }, [](TestEntry&) { return 0; });
}

TEST(BoundedMapTest, DropsExpendableEntriesBeforeTheOldest) {
  detail::BoundedMap<TestEntry> map(3, 1);
  insert(map, "a", kT0, kT0 + seconds(100));
  insert(map, "b", kT0, kT0 + seconds(5));
  insert(map, "c", kT0, kT0 + seconds(5));
  insert(map, "d", kT0 + seconds(10), Clock::TimePoint::max());  // b and c are expendable
  EXPECT_EQ(map.size(), 2U);
  EXPECT_TRUE(holds(map, "a"));
  EXPECT_FALSE(holds(map, "b"));
  EXPECT_TRUE(holds(map, "d"));
}

TEST(BoundedMapTest, EvictsTheEntryTouchedLongestAgo) {
  detail::BoundedMap<TestEntry> map(2, 1);
  Clock::TimePoint never = Clock::TimePoint::max();
  insert(map, "a", kT0, never);
  insert(map, "b", kT0, never);
  insert(map, "a", kT0, never);  // touches a: b is now the oldest
  insert(map, "c", kT0, never);
  EXPECT_TRUE(holds(map, "a"));
  EXPECT_FALSE(holds(map, "b"));
  EXPECT_TRUE(holds(map, "c"));
}

TEST(MemoryRateLimiterTest, ConcurrentTakesOnOneKeyAllowExactlyTheBurst) {
  MemoryRateLimiter limiter;
  RatePolicy policy{.burst = 100, .refill_per_second = 1};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.take("shared", policy, kT0).allowed) {
          allowed.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(allowed.load(), 100);
}

constexpr LockoutPolicy kLockout{
    .free_failures = 5, .first_lock = seconds(60), .max_lock = seconds(3600)};

TEST(MemoryLockoutTrackerTest, LocksAfterFreeFailures) {
  MemoryLockoutTracker tracker;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(tracker.record_failure("acct", kLockout, kT0), std::nullopt) << i;
    EXPECT_EQ(tracker.locked_for("acct", kT0), std::nullopt);
  }
  EXPECT_EQ(tracker.record_failure("acct", kLockout, kT0), seconds(60));
  EXPECT_EQ(tracker.locked_for("acct", kT0), seconds(60));
  EXPECT_EQ(tracker.locked_for("other", kT0), std::nullopt);
}

TEST(MemoryLockoutTrackerTest, LocksGrowToTheCap) {
  MemoryLockoutTracker tracker;
  Clock::TimePoint now = kT0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(tracker.record_failure("acct", kLockout, now), std::nullopt);
  }
  std::vector<seconds> expected = {seconds(60),  seconds(120),  seconds(240),  seconds(480),
                                   seconds(960), seconds(1920), seconds(3600), seconds(3600)};
  for (seconds lock : expected) {
    EXPECT_EQ(tracker.record_failure("acct", kLockout, now), lock);
    now += lock;  // each failure comes right as the lock expires
    EXPECT_EQ(tracker.locked_for("acct", now), std::nullopt);
  }
}

TEST(MemoryLockoutTrackerTest, FailuresWhileLockedExtendTheLock) {
  MemoryLockoutTracker tracker;
  for (int i = 0; i < 5; ++i) {
    tracker.record_failure("acct", kLockout, kT0).reset();
  }
  EXPECT_EQ(tracker.locked_for("acct", kT0 + seconds(10)), seconds(50));
  EXPECT_EQ(tracker.record_failure("acct", kLockout, kT0 + seconds(10)), seconds(120));
  EXPECT_EQ(tracker.locked_for("acct", kT0 + seconds(70)), seconds(60));
}

TEST(MemoryLockoutTrackerTest, LockedForCountsDown) {
  MemoryLockoutTracker tracker;
  for (int i = 0; i < 5; ++i) {
    tracker.record_failure("acct", kLockout, kT0).reset();
  }
  EXPECT_EQ(tracker.locked_for("acct", kT0 + seconds(1)), seconds(59));
  EXPECT_EQ(tracker.locked_for("acct", kT0 + milliseconds(59'500)), seconds(1));  // rounded up
  EXPECT_EQ(tracker.locked_for("acct", kT0 + seconds(60)), std::nullopt);
}

TEST(MemoryLockoutTrackerTest, SuccessResetsEverything) {
  MemoryLockoutTracker tracker;
  for (int i = 0; i < 6; ++i) {
    tracker.record_failure("acct", kLockout, kT0).reset();
  }
  tracker.record_success("acct");
  EXPECT_EQ(tracker.locked_for("acct", kT0), std::nullopt);
  EXPECT_EQ(tracker.size(), 0U);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(tracker.record_failure("acct", kLockout, kT0), std::nullopt);
  }
  EXPECT_EQ(tracker.record_failure("acct", kLockout, kT0), seconds(60));
}

TEST(MemoryLockoutTrackerTest, FirstLockAboveCapIsCapped) {
  MemoryLockoutTracker tracker;
  LockoutPolicy policy{.free_failures = 1, .first_lock = seconds(100), .max_lock = seconds(30)};
  EXPECT_EQ(tracker.record_failure("k", policy, kT0), seconds(30));
}

TEST(MemoryLockoutTrackerTest, HoldsAtMostMaxKeys) {
  constexpr std::size_t kMaxKeys = 1000;
  MemoryLockoutTracker tracker(kMaxKeys);
  for (std::size_t i = 0; i < 10 * kMaxKeys; ++i) {
    tracker.record_failure("key:" + std::to_string(i), kLockout, kT0).reset();
    ASSERT_LE(tracker.size(), kMaxKeys);
  }
}

TEST(MemoryLockoutTrackerTest, ConcurrentFailuresAreAllCounted) {
  MemoryLockoutTracker tracker;
  LockoutPolicy policy{.free_failures = 800, .first_lock = seconds(60), .max_lock = seconds(60)};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 99; ++i) {
        tracker.record_failure("shared", policy, kT0).reset();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(tracker.locked_for("shared", kT0), std::nullopt);  // 792 failures
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), std::nullopt);  // 799
  EXPECT_EQ(tracker.record_failure("shared", policy, kT0), seconds(60));   // 800
}

}  // namespace
}  // namespace caas::auth
