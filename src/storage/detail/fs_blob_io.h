// The fs backend's writer and reader. Internal to caas::storage; FsBlobStore hands them out.
#pragma once

#include <cstdint>
#include <cstdlib>
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
// to <root>/ab/cd/<id> without replacing anything, and fsyncs that folder. A blob smaller than
// the buffer is renamed first and made durable by a syncfs shared with every other commit of
// the moment (sync_batcher.h). Not thread-safe.
//
// Large blobs bypass the page cache: when the buffer fills for the first time, the file is
// switched to O_DIRECT, and every full buffer (aligned memory, aligned offset) goes straight to
// the device. Through the page cache a large upload is written twice — copied into the cache,
// then flushed by fsync at commit, with the cache's dirty limits throttling in between — and
// evicts what readers had cached; direct writes reach about three times the rate on the disks
// we measured (bench/files). The tail (not a multiple of the alignment) is written with
// O_DIRECT off again, and the fsync at commit covers both. Blobs smaller than one buffer, and
// file systems without O_DIRECT (tmpfs), keep the page cache.
class FsBlobWriter final : public BlobWriter {
 public:
  // Writes are gathered up to this size, then go to the file in one write(2).
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
  // O_DIRECT's alignment of memory, offsets and sizes: 4096 suits every current device.
  static constexpr std::size_t kDirectAlignment = 4096;

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

  Status write_buffer();  // the full buffer, directly when the file system allows
  Status flush();         // what the buffer holds (the tail), through the page cache
  bool set_direct(bool on);
  Result<BlobInfo> commit_batched();  // small blobs: one shared syncfs instead of two fsyncs
  Status move_into_place();           // the rename, refusing to replace an existing blob
  Status fail(Status status);         // aborts, remembers and returns `status`

  FsLayout& layout_;
  std::string id_;
  std::string temp_name_;  // relative to layout_.tmp_fd()
  UniqueFd fd_;
  struct FreeAligned {
    void operator()(std::uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<std::uint8_t[], FreeAligned> buffer_;  // kBufferBytes, allocated on first use
  std::size_t used_ = 0;
  bool direct_ = false;             // O_DIRECT is on
  bool direct_tried_ = false;       // switching it on was attempted (once per file)
  std::uint64_t size_written_ = 0;  // bytes in the file: the next write's offset
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
