// The exit codes of `caas` (README, "Exit codes"): scripts branch on them, so they are a
// contract. Usage errors are CLI11's parse errors.
#pragma once

#include "base/status.h"

namespace caas::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // anything not below
inline constexpr int kExitUsage = 2;        // bad flags or arguments
inline constexpr int kExitAuth = 3;         // not logged in, wrong password or code, forbidden
inline constexpr int kExitNotFound = 4;     // no such file, user, key
inline constexpr int kExitConflict = 5;     // already exists
inline constexpr int kExitUnavailable = 6;  // server unreachable, sealed, overloaded, rate-limited
inline constexpr int kExitIntegrity = 7;    // a download, decryption or signature does not verify

inline int exit_code_for(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk:
      return kExitOk;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return kExitAuth;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kAlreadyExists:
      return kExitConflict;
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    case ErrorCode::kDecryptionFailed:
    case ErrorCode::kDataLoss:
      return kExitIntegrity;
    default:
      return kExitFailure;
  }
}

}  // namespace caas::cli
