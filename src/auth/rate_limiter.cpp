#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.h"

namespace caas::auth {
namespace {

using std::chrono::seconds;
using Duration = Clock::TimePoint::duration;

// Longer waits are clamped here, so that a tiny refill rate cannot overflow a duration.
constexpr double kMaxWaitSeconds = 1e9;  // ~31 years

double clamp_wait(double wait_seconds) { return std::min(wait_seconds, kMaxWaitSeconds); }

Duration to_duration(double wait_seconds) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(clamp_wait(wait_seconds)));
}

// Rounded up: a client told to come back after N seconds must find a token then.
seconds whole_seconds_up(double wait_seconds) {
  auto whole = static_cast<seconds::rep>(std::ceil(clamp_wait(wait_seconds)));
  return seconds(std::max<seconds::rep>(whole, 1));
}

seconds whole_seconds_up(Duration wait) {
  return std::max(std::chrono::ceil<seconds>(wait), seconds(1));
}

}  // namespace

Status check_rate_policy(const RatePolicy& policy) {
  if (!std::isfinite(policy.burst) || policy.burst < 1) {
    return invalid_argument("rate policy: burst must be a finite number >= 1");
  }
  if (!std::isfinite(policy.refill_per_second) || policy.refill_per_second <= 0) {
    return invalid_argument("rate policy: refill_per_second must be a finite number > 0");
  }
  return ok_status();
}

MemoryRateLimiter::MemoryRateLimiter(std::size_t max_keys) : buckets_(max_keys) {}

RateDecision MemoryRateLimiter::take(std::string_view key, const RatePolicy& policy,
                                     Clock::TimePoint now) {
  CAAS_CHECK(check_rate_policy(policy).ok());
  auto make = [&] { return Bucket{policy.burst, now, now}; };
  return buckets_.with_entry(key, now, make, [&](Bucket& bucket) {
    // Refill for the time since the last update. If the clock stepped back, wait for it to
    // pass `updated` again rather than refill the same interval twice.
    if (now > bucket.updated) {
      double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
      bucket.tokens = std::min(policy.burst, bucket.tokens + elapsed * policy.refill_per_second);
      bucket.updated = now;
    }
    RateDecision decision;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
    } else {
      decision.allowed = false;
      decision.retry_after = whole_seconds_up((1 - bucket.tokens) / policy.refill_per_second);
    }
    bucket.full_at =
        bucket.updated + to_duration((policy.burst - bucket.tokens) / policy.refill_per_second);
    return decision;
  });
}

namespace {

// first_lock for the first lock, then twice the previous one; never above max_lock.
seconds next_lock(seconds previous, const LockoutPolicy& policy) {
  seconds cap = policy.max_lock;
  if (previous <= seconds(0)) {
    return std::min(policy.first_lock, cap);
  }
  return previous >= cap - previous ? cap : 2 * previous;  // no overflow near the cap
}

}  // namespace

MemoryLockoutTracker::MemoryLockoutTracker(std::size_t max_keys) : entries_(max_keys) {}

std::optional<seconds> MemoryLockoutTracker::locked_for(std::string_view key,
                                                        Clock::TimePoint now) {
  return entries_.with_existing(key, [&](const Entry* entry) -> std::optional<seconds> {
    if (entry == nullptr || entry->locked_until <= now) {
      return std::nullopt;
    }
    return whole_seconds_up(entry->locked_until - now);
  });
}

std::optional<seconds> MemoryLockoutTracker::record_failure(std::string_view key,
                                                            const LockoutPolicy& policy,
                                                            Clock::TimePoint now) {
  auto make = [] { return Entry{}; };
  return entries_.with_entry(key, now, make, [&](Entry& entry) -> std::optional<seconds> {
    if (entry.failures < std::numeric_limits<unsigned>::max()) {
      ++entry.failures;
    }
    if (entry.failures < policy.free_failures) {
      return std::nullopt;
    }
    entry.last_lock = next_lock(entry.last_lock, policy);
    // Never shorten a lock in force (only possible if the clock stepped back).
    entry.locked_until = std::max(entry.locked_until, now + entry.last_lock);
    return whole_seconds_up(entry.locked_until - now);
  });
}

void MemoryLockoutTracker::record_success(std::string_view key) { entries_.erase(key); }

}  // namespace caas::auth
