// Attempt limits for authentication endpoints, behind interfaces so that a shared store (Redis)
// can serve a cluster later while one process uses the in-memory versions below.
//
// - RateLimiter: a token bucket per key (an IP, an account, "otp:" + account, ...). It paces
//   requests: `burst` at once, then `refill_per_second`.
// - LockoutTracker: consecutive failures per key, locking the key for a growing interval.
//   It stops guessing: a 6-digit code or a password gets a few tries, then ever fewer per hour.
//
// Time is always passed in (`now`, from an injected caas::Clock), so tests are hermetic. Keys
// are opaque bytes; callers prefix them by purpose so that different limits never share one.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "auth/detail/bounded_map.h"
#include "base/clock.h"
#include "base/status.h"

namespace caas::auth {

struct RatePolicy {
  double burst = 10;             // tokens in a full bucket; >= 1
  double refill_per_second = 1;  // > 0
};

// kInvalidArgument unless burst >= 1 and refill_per_second > 0, both finite. For config
// loaders: the limiters abort on a policy that fails this check (it is API misuse there).
Status check_rate_policy(const RatePolicy& policy);

struct RateDecision {
  bool allowed = true;
  // When refused: the wait until one token is back, rounded up to whole seconds, >= 1 s
  // (for a Retry-After header). Zero when allowed.
  std::chrono::seconds retry_after{0};
};

// Thread-safe in every implementation.
class RateLimiter {
 public:
  RateLimiter() = default;
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;
  virtual ~RateLimiter() = default;
  // Takes one token from `key`'s bucket if it holds one. A key never seen starts full.
  virtual RateDecision take(std::string_view key, const RatePolicy& policy,
                            Clock::TimePoint now) = 0;
};

// Token buckets in this process's memory, in mutex-striped shards, at most `max_keys` buckets.
// A bucket that has refilled completely is dropped first when room is needed (a new bucket
// would start full anyway, so nothing is lost); then the bucket touched longest ago. New keys
// are never refused, since that would let a flood of keys lock everyone out; the cost is that
// such a flood (max_keys distinct keys, themselves paced by a per-IP limit) can evict and so
// reset a depleted bucket. Size max_keys well above the keys active within a refill period.
// If the clock steps back, buckets do not refill until it passes their last update again.
class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(std::size_t max_keys = 100'000);  // max_keys > 0

  RateDecision take(std::string_view key, const RatePolicy& policy, Clock::TimePoint now) override;

  // Buckets held (at most max_keys).
  [[nodiscard]] std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::TimePoint updated;
    Clock::TimePoint full_at;  // when `tokens` reaches burst, if nothing is taken
    [[nodiscard]] Clock::TimePoint expendable_at() const { return full_at; }
  };
  detail::BoundedMap<Bucket> buckets_;
};

struct LockoutPolicy {
  unsigned free_failures = 5;           // failures allowed before the first lock
  std::chrono::seconds first_lock{60};  // the first lock
  std::chrono::seconds max_lock{3600};  // locks double up to this
};

// Thread-safe in every implementation. Use: refuse without checking the credential while
// locked_for(key) has a value; otherwise check it, then record_success or record_failure.
class LockoutTracker {
 public:
  LockoutTracker() = default;
  LockoutTracker(const LockoutTracker&) = delete;
  LockoutTracker& operator=(const LockoutTracker&) = delete;
  LockoutTracker(LockoutTracker&&) = delete;
  LockoutTracker& operator=(LockoutTracker&&) = delete;
  virtual ~LockoutTracker() = default;
  // Time left while `key` is locked (rounded up, >= 1 s), else nullopt.
  virtual std::optional<std::chrono::seconds> locked_for(std::string_view key,
                                                         Clock::TimePoint now) = 0;
  // Counts a failure. Returns the lock now in force if this failure locked the key, else
  // nullopt. The failure that brings the count to free_failures locks for first_lock; every
  // later one, whether the lock has expired or not, locks again from `now` for twice the
  // previous lock, capped at max_lock. Counting failures made while locked means a client that
  // ignores the lock only lengthens it.
  virtual std::optional<std::chrono::seconds> record_failure(std::string_view key,
                                                             const LockoutPolicy& policy,
                                                             Clock::TimePoint now) = 0;
  // Forgets `key`'s failures and lock.
  virtual void record_success(std::string_view key) = 0;
};

// Failure counts in this process's memory, in mutex-striped shards, at most `max_keys`
// entries. Failures are never forgotten with time, only by success: an attacker gets
// free_failures guesses per key, then about one per max_lock. When room is needed the entry
// touched longest ago is evicted, which resets it; as with MemoryRateLimiter, refusing new keys
// would be worse. Note that anyone can lock a key by failing on it: key by account and client
// (e.g. account + IP) where that denial of service matters.
class MemoryLockoutTracker final : public LockoutTracker {
 public:
  explicit MemoryLockoutTracker(std::size_t max_keys = 100'000);  // max_keys > 0

  std::optional<std::chrono::seconds> locked_for(std::string_view key,
                                                 Clock::TimePoint now) override;
  std::optional<std::chrono::seconds> record_failure(std::string_view key,
                                                     const LockoutPolicy& policy,
                                                     Clock::TimePoint now) override;
  void record_success(std::string_view key) override;

  // Entries held (at most max_keys).
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    unsigned failures = 0;
    std::chrono::seconds last_lock{0};
    Clock::TimePoint locked_until;
    // Failures are only forgotten on success, so an entry is never expendable.
    [[nodiscard]] Clock::TimePoint expendable_at() const { return Clock::TimePoint::max(); }
  };
  detail::BoundedMap<Entry> entries_;
};

}  // namespace caas::auth
