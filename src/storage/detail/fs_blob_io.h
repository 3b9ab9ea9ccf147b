// The fs backend's writer and reader. Internal to caas::storage; FsBlobStore hands them out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/status.h"
#include "storage/blob_store.h"
#include "storage/detail/fs_layout.h"
#include "storage/detail/posix_file.h"

namespace caas::storage::detail {

// Writes <root>/tmp/<id>.<random>.part through a bounded buffer; commit() fsyncs it, renames it
// to <root>/ab/cd/<id> without replacing anything, and fsyncs that folder. Not thread-safe.
class FsBlobWriter final : public BlobWriter {
 public:
  // Writes are gathered up to this size, then go to the file in one write(2); larger writes go
  // straight through.
  static constexpr std::size_t kBufferBytes = std::size_t{256} * 1024;

  // Creates the temp file (O_CREAT | O_EXCL, 0600). `id` must be valid; `layout` must outlive
  // the writer.
  static Result<std::unique_ptr<FsBlobWriter>> create(FsLayout& layout, std::string_view id);

  ~FsBlobWriter() override { abort(); }
  FsBlobWriter(const FsBlobWriter&) = delete;
  FsBlobWriter& operator=(const FsBlobWriter&) = delete;
  FsBlobWriter(FsBlobWriter&&) = delete;
  FsBlobWriter& operator=(FsBlobWriter&&) = delete;

  Status write(ByteSpan data) override;
  Result<BlobInfo> commit() override;
  void abort() override;

 private:
  enum class State { kOpen, kCommitted, kAborted };

  FsBlobWriter(FsLayout& layout, std::string id, std::string temp_name, UniqueFd fd)
      : layout_(layout), id_(std::move(id)), temp_name_(std::move(temp_name)), fd_(std::move(fd)) {}

  Status flush();
  Status move_into_place();    // the rename, refusing to replace an existing blob
  Status fail(Status status);  // aborts, remembers and returns `status`

  FsLayout& layout_;
  std::string id_;
  std::string temp_name_;  // relative to layout_.tmp_fd()
  UniqueFd fd_;
  Bytes buffer_;
  std::uint64_t size_ = 0;
  Status failed_;
  State state_ = State::kOpen;
};

// Reads a committed blob with pread(2); thread-safe.
class FsBlobReader final : public BlobReader {
 public:
  FsBlobReader(UniqueFd fd, std::uint64_t size, std::string id)
      : fd_(std::move(fd)), size_(size), id_(std::move(id)) {}

  Result<std::size_t> read_at(std::uint64_t offset, MutableByteSpan out) override;
  [[nodiscard]] std::uint64_t size() const override { return size_; }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
  std::string id_;
};

}  // namespace caas::storage::detail
