// Result<T>: a T or the Status explaining why there is none. Shaped like absl::StatusOr
// (std::expected needs C++23). Accessing the value of a failed Result is API misuse and aborts.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "base/check.h"
#include "base/status.h"

namespace caas {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "use Status directly");

 public:
  // Implicit on purpose, so that a function returning Result<T> can `return value;` or
  // `return status;` (absl::StatusOr does the same).
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    CAAS_CHECK(!status_.ok());  // an OK Result must hold a value
  }

  [[nodiscard]] bool ok() const { return value_.has_value(); }
  [[nodiscard]] const Status& status() const& { return status_; }
  [[nodiscard]] Status status() && { return std::move(status_); }

  T& value() & {
    CAAS_CHECK(ok());
    return *value_;
  }
  const T& value() const& {
    CAAS_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    CAAS_CHECK(ok());
    return std::move(*value_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace caas

// Evaluates an expression yielding Result<T>; on failure returns its Status from the enclosing
// function, otherwise moves the value into `lhs` (which may be a declaration: `auto key`).
#define CAAS_ASSIGN_OR_RETURN(lhs, expr) \
  CAAS_DETAIL_ASSIGN_OR_RETURN(CAAS_DETAIL_CONCAT(caas_result_, __LINE__), lhs, expr)

#define CAAS_DETAIL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) [[unlikely]] {                      \
    return std::move(tmp).status();                  \
  }                                                  \
  lhs = std::move(tmp).value()
