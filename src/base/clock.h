// Clock: where time comes from, injected so that tests of expiry, TOTP steps and lockouts are
// hermetic (a fake clock in tests, SystemClock in production). Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace caas {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;

  // Whole seconds since the Unix epoch (TOTP, tokens, audit).
  [[nodiscard]] std::int64_t unix_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace caas
