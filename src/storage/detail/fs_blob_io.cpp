#include "storage/detail/fs_blob_io.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/check.h"

namespace caas::storage::detail {
namespace {

// "<id>.<16 hex digits>.part". The random part only avoids collisions between uploads of the
// same id; O_EXCL is what guarantees no two writers share a file.
Result<std::string> temp_name_for(std::string_view id) {
  std::array<std::uint8_t, 8> random{};
  if (::getrandom(random.data(), random.size(), 0) != static_cast<ssize_t>(random.size())) {
    return errno_status("create blob " + std::string(id) + ": getrandom", errno);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(id);
  name += '.';
  for (std::uint8_t b : random) {
    name += kHex[b >> 4];
    name += kHex[b & 15];
  }
  name += kTempSuffix;
  return name;
}

}  // namespace

Result<std::unique_ptr<FsBlobWriter>> FsBlobWriter::create(FsLayout& layout, std::string_view id) {
  std::string what = "create blob " + std::string(id) + ": open temp file";
  for (int attempt = 0;; ++attempt) {
    CAAS_ASSIGN_OR_RETURN(std::string name, temp_name_for(id));
    UniqueFd fd(
        ::openat(layout.tmp_fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.valid()) {
      return std::unique_ptr<FsBlobWriter>(
          new FsBlobWriter(layout, std::string(id), std::move(name), std::move(fd)));
    }
    if (errno != EEXIST || attempt == 3) {
      return errno_status(what, errno);
    }
  }
}

Status FsBlobWriter::write(ByteSpan data) {
  CAAS_TRY(failed_);
  CAAS_CHECK(state_ == State::kOpen);  // write after commit or abort is API misuse
  if (!buffer_) {
    buffer_.reset(static_cast<std::uint8_t*>(std::aligned_alloc(kDirectAlignment, kBufferBytes)));
    CAAS_CHECK(buffer_ != nullptr);
  }
  while (!data.empty()) {
    const std::size_t take = std::min(data.size(), kBufferBytes - used_);
    std::memcpy(buffer_.get() + used_, data.data(), take);
    used_ += take;
    data = data.subspan(take);
    if (used_ == kBufferBytes) {
      if (Status status = write_buffer(); !status.ok()) {
        return fail(std::move(status));
      }
    }
  }
  return ok_status();
}

bool FsBlobWriter::set_direct(bool on) {
  const int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) != 0) {
    return false;
  }
  direct_ = on;
  return true;
}

Status FsBlobWriter::write_buffer() {
  if (!direct_tried_) {
    direct_tried_ = true;
    set_direct(true);  // EINVAL where unsupported (tmpfs): stay buffered
  }
  if (direct_) {
    // One pwrite at an explicit offset, so that a refusal can be retried at the same place.
    const ssize_t written =
        ::pwrite(fd_.get(), buffer_.get(), used_, static_cast<off_t>(size_written_));
    if (written == static_cast<ssize_t>(used_)) {
      size_written_ += used_;
      used_ = 0;
      return ok_status();
    }
    if (written >= 0 || errno != EINVAL || !set_direct(false)) {
      return written < 0 ? errno_status("write blob " + id_, errno)
                         : error(ErrorCode::kIo, "write blob " + id_ + ": short direct write");
    }
    // The file system accepts O_DIRECT but refuses the write: go on through the page cache.
  }
  return flush();
}

Status FsBlobWriter::flush() {
  if (used_ == 0) {
    return ok_status();
  }
  if (direct_ && !set_direct(false)) {
    return errno_status("write blob " + id_ + ": clear O_DIRECT", errno);
  }
  ByteSpan data(buffer_.get(), used_);
  while (!data.empty()) {
    const ssize_t written =
        ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_written_));
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_status("write blob " + id_, errno);
    }
    size_written_ += static_cast<std::uint64_t>(written);
    data = data.subspan(static_cast<std::size_t>(written));
  }
  used_ = 0;
  return ok_status();
}

Result<BlobInfo> FsBlobWriter::commit() {
  CAAS_TRY(failed_);
  CAAS_CHECK(state_ == State::kOpen);  // commit twice or after abort is API misuse
  if (!direct_tried_) {
    return commit_batched();
  }
  std::string what = "commit blob " + id_;
  // Data first, then the name: after a crash the final name either is absent or points at
  // complete contents (the rename is ordered after the fsync).
  Status status = flush();
  if (status.ok()) {
    status = fsync_fd(fd_.get(), what + ": fsync");
  }
  if (status.ok()) {
    fd_.reset();
    status = layout_.ensure_shards(id_);
  }
  if (status.ok()) {
    status = move_into_place();
  }
  if (!status.ok()) {
    return fail(std::move(status));
  }
  state_ = State::kCommitted;
  status =
      fsync_dir_at(layout_.root_fd(), FsLayout::leaf_dir(id_).c_str(), what + ": fsync folder");
  if (!status.ok()) {
    // The caller will treat the blob as absent, so don't leave it behind under its id.
    ::unlinkat(layout_.root_fd(), FsLayout::blob_path(id_).c_str(), 0);
    return status;
  }
  return BlobInfo{id_, size_written_};  // the buffer is flushed by now
}

// A blob smaller than one buffer: written and renamed without a flush of its own, then made
// durable with everything else committed at the same moment by one syncfs (sync_batcher.h).
Result<BlobInfo> FsBlobWriter::commit_batched() {
  Status status = flush();
  if (status.ok()) {
    fd_.reset();
    status = layout_.create_shards(id_);  // the syncfs below makes the folders durable too
  }
  if (status.ok()) {
    status = move_into_place();
  }
  if (!status.ok()) {
    return fail(std::move(status));
  }
  state_ = State::kCommitted;
  status = layout_.syncs().sync().with_context("commit blob " + id_);
  if (!status.ok()) {
    ::unlinkat(layout_.root_fd(), FsLayout::blob_path(id_).c_str(), 0);
    return status;
  }
  return BlobInfo{id_, size_written_};  // the buffer is flushed by now
}

Status FsBlobWriter::move_into_place() {
  std::string final_path = FsLayout::blob_path(id_);
  std::string what = "commit blob " + id_ + ": rename";
  if (::renameat2(layout_.tmp_fd(), temp_name_.c_str(), layout_.root_fd(), final_path.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return ok_status();
  }
  if (errno == EEXIST) {
    return error(ErrorCode::kAlreadyExists, "commit blob " + id_ + ": already exists");
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return errno_status(what, errno);
  }
  // The file system has no RENAME_NOREPLACE: link(2) never replaces either. The temp name left
  // behind by a crash between link and unlink is removed at the next start.
  if (::linkat(layout_.tmp_fd(), temp_name_.c_str(), layout_.root_fd(), final_path.c_str(), 0) !=
      0) {
    if (errno == EEXIST) {
      return error(ErrorCode::kAlreadyExists, "commit blob " + id_ + ": already exists");
    }
    return errno_status(what, errno);
  }
  ::unlinkat(layout_.tmp_fd(), temp_name_.c_str(), 0);
  return ok_status();
}

void FsBlobWriter::abort() {
  if (state_ != State::kOpen) {
    return;
  }
  state_ = State::kAborted;
  fd_.reset();
  buffer_.reset();
  // Best effort: a temp file that cannot be removed now is removed at the next start.
  ::unlinkat(layout_.tmp_fd(), temp_name_.c_str(), 0);
}

Status FsBlobWriter::fail(Status status) {
  abort();
  failed_ = status;
  return status;
}

Result<std::size_t> FsBlobReader::read_at(std::uint64_t offset, MutableByteSpan out) {
  if (offset >= size_) {
    return std::size_t{0};
  }
  // Blobs are immutable, so the size read at open bounds every read.
  std::uint64_t available = size_ - offset;
  std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), available));
  return pread_full(fd_.get(), offset, out.first(wanted), "read blob " + id_);
}

}  // namespace caas::storage::detail
