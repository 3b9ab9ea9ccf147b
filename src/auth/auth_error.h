// How src/auth refuses: an API error code from API.md's contract ("login_failed", "otp_failed",
// "user_exists", "rate_limited", ...) with its HTTP status. auth speaks the API's vocabulary on
// purpose: which refusal a caller sees (and that unknown email and wrong password look the same)
// is part of the security design, so it is decided here, next to the logic, not in a mapping
// table elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "base/status.h"

namespace caas::auth {

struct AuthError {
  unsigned http_status = 400;
  std::string code;                // snake_case API code
  std::string message;             // a sentence for the caller; never a secret
  std::int64_t retry_after_s = 0;  // for 429 and 503: the Retry-After header
};

template <typename T>
class AuthResult {
 public:
  AuthResult(T value) : value_(std::move(value)) {}          // NOLINT(implicit)
  AuthResult(AuthError error) : value_(std::move(error)) {}  // NOLINT(implicit)

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(value_); }
  [[nodiscard]] const AuthError& error() const { return std::get<AuthError>(value_); }
  T& operator*() { return std::get<T>(value_); }
  const T& operator*() const { return std::get<T>(value_); }
  T* operator->() { return &std::get<T>(value_); }

 private:
  std::variant<T, AuthError> value_;
};

struct Done {};  // the value of an operation that returns nothing

namespace refuse {

inline AuthError sealed() { return {503, "sealed", "the server is sealed; unseal it first", 0}; }
inline AuthError rate_limited(std::int64_t retry_after_s) {
  return {429, "rate_limited", "too many attempts; try again later", retry_after_s};
}
inline AuthError login_failed() {
  return {401, "login_failed", "the email or password is wrong", 0};
}
inline AuthError otp_failed() {
  return {401, "otp_failed", "the code is wrong, expired or already used", 0};
}
inline AuthError unauthorized() {
  return {401, "unauthorized", "a valid bearer token is required", 0};
}
inline AuthError forbidden(std::string message) {
  return {403, "forbidden", std::move(message), 0};
}
inline AuthError invalid(std::string message) {
  return {400, "invalid_request", std::move(message), 0};
}
// A failure of the store or another dependency; `status` goes to the log, not to the caller.
AuthError internal(const Status& status);

}  // namespace refuse
}  // namespace caas::auth
