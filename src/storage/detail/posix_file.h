// Thin POSIX helpers for the fs backend: an owning file descriptor and errno → Status.
// Internal to caas::storage.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "base/status.h"

namespace caas::storage::detail {

// Owns one file descriptor and closes it on destruction. Move-only; not thread-safe.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset();
  // Gives up ownership without closing and returns the descriptor.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// The Status for a failed system call: "<what>: <strerror>" with kResourceExhausted for ENOSPC
// and EDQUOT ("<what>: insufficient storage"), kNotFound for ENOENT when `enoent_is_not_found`,
// kIo otherwise. `what` names the operation and the blob, never data.
Status errno_status(std::string_view what, int err, bool enoent_is_not_found = false);

// write(2) until all of `data` is written, retrying on EINTR and short writes.
Status write_all(int fd, ByteSpan data, std::string_view what);

// pread(2) until `out` is full or the end of file; returns the bytes read.
Result<std::size_t> pread_full(int fd, std::uint64_t offset, MutableByteSpan out,
                               std::string_view what);

// fsync(2), retrying on EINTR. Works on directories opened O_RDONLY.
Status fsync_fd(int fd, std::string_view what);

// Opens directory `path` relative to `dir_fd` (O_DIRECTORY | O_RDONLY | O_CLOEXEC) and fsyncs it,
// making the entries created or removed in it durable.
Status fsync_dir_at(int dir_fd, const char* path, std::string_view what);

// Calls `visit` with the name of each entry of directory `path` (relative to `dir_fd`) except
// "." and "..", until it returns false. Errors: kNotFound if `path` is absent, kIo.
Status list_dir_at(int dir_fd, const char* path, const std::function<bool(std::string_view)>& visit,
                   std::string_view what);

}  // namespace caas::storage::detail
