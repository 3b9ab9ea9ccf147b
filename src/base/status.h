// Status: the outcome of an operation that can fail in an expected way (bad input, failed
// authentication, not found, I/O). Shaped like absl::Status. Our code does not throw; it returns
// a Status or a Result<T> (base/result.h) and propagates with CAAS_TRY.
//
// Messages are lowercase, context first ("open blob 3f2a…: no such file"), and never carry key
// bytes, plaintext or tokens. Status is a value type and thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace caas {

// One closed set of codes for the whole code base; src/api maps them to HTTP in one table.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed or out of range
  kDecryptionFailed,    // any AEAD/MAC/signature failure: one code whatever the step
  kNotFound,
  kAlreadyExists,
  kUnauthenticated,
  kPermissionDenied,
  kFailedPrecondition,  // valid request in the wrong state (e.g. sealed, not initialized)
  kResourceExhausted,   // limits, quotas, disk full
  kOutOfRange,
  kUnavailable,         // a dependency is down; retrying may help
  kDataLoss,            // stored data is corrupt
  kIo,
  kUnimplemented,
  kInternal,            // a library failed in a way we did not expect
};

// The name of a code as it appears in logs and test output ("decryption_failed").
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  // A default Status is OK.
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] bool ok() const { return code_ == ErrorCode::kOk; }
  [[nodiscard]] ErrorCode code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }

  // Returns this status with "context: " put in front of the message; OK stays OK.
  [[nodiscard]] Status with_context(std::string_view context) const;

  // "decryption_failed: decryption failed" — for logs and test failures.
  [[nodiscard]] std::string to_string() const;

  // Explicitly discards a status whose failure the caller has decided not to handle.
  void ignore_error() const {}

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
inline Status error(ErrorCode code, std::string message) {
  return Status(code, std::move(message));
}
inline Status invalid_argument(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}
// The one answer for every failed decryption or verification, whatever went wrong inside.
inline Status decryption_failed() {
  return Status(ErrorCode::kDecryptionFailed, "decryption failed");
}

std::ostream& operator<<(std::ostream& os, const Status& status);

}  // namespace caas

#define CAAS_DETAIL_CONCAT_INNER(a, b) a##b
#define CAAS_DETAIL_CONCAT(a, b) CAAS_DETAIL_CONCAT_INNER(a, b)

// Evaluates an expression yielding a Status and returns it from the enclosing function if it
// is not OK.
#define CAAS_TRY(expr)                                                \
  do {                                                                \
    ::caas::Status caas_try_status_ = (expr);                         \
    if (!caas_try_status_.ok()) [[unlikely]] {                        \
      return caas_try_status_;                                        \
    }                                                                 \
  } while (false)
