// FsBlobStore: the embedded BlobStore, one file per blob under a root folder on a local file
// system. The layout (storage/detail/fs_layout.h):
//
//   <root>/ab/cd/<id>              committed blobs, two levels of 256 shards by the id's prefix
//   <root>/tmp/<id>.<random>.part  uploads in progress
//
// A put writes the temp file (O_CREAT | O_EXCL, mode 0600), and commit() fsyncs it, renames it
// into place with RENAME_NOREPLACE (link + unlink where unsupported) so an existing blob is never
// replaced, and fsyncs the leaf folder. Shard folders (0700) are created on first use and their
// parents fsync'ed. remove() unlinks and fsyncs the folder. A crash therefore leaves, for every
// commit() that returned, the whole blob, plus perhaps temp files, which open() deletes. (A
// small blob whose commit() had not returned may be found renamed with partial contents: no
// caller has recorded it, and caasd's start-up sweep of unnamed blobs removes it.)
//
// One store per root: open() takes an exclusive flock on the root (held until the store is
// destroyed), because deleting "leftover" temp files would destroy a live upload of another
// process. Thread-safe. Writers and readers must not outlive the store.
//
// Blobs larger than the writer's 1 MiB buffer are written with O_DIRECT and fsync'ed on their
// own; smaller ones are renamed unflushed and made durable by one syncfs shared by every commit
// of the moment (detail/fs_blob_io.h, detail/sync_batcher.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "storage/blob_store.h"

namespace caas::storage {

namespace detail {
class FsLayout;
}  // namespace detail

class FsBlobStore final : public BlobStore {
 public:
  // Opens the store at `root` (named open_root, not open, so it cannot be confused with the
  // BlobStore::open of a blob id), creating it (mode 0700, parents as needed) and its tmp folder if
  // absent, and deletes the temp files of uploads a previous run left unfinished. Errors:
  // kInvalidArgument if `root` exists but is not a folder, kFailedPrecondition if another store
  // has it open, kResourceExhausted, kIo.
  static Result<std::unique_ptr<FsBlobStore>> open_root(const std::filesystem::path& root);

  ~FsBlobStore() override;
  FsBlobStore(const FsBlobStore&) = delete;
  FsBlobStore& operator=(const FsBlobStore&) = delete;
  FsBlobStore(FsBlobStore&&) = delete;
  FsBlobStore& operator=(FsBlobStore&&) = delete;

  Result<std::unique_ptr<BlobWriter>> create(std::string_view id) override;
  Result<std::unique_ptr<BlobReader>> open(std::string_view id) override;
  Status remove(std::string_view id) override;
  Status list(const ListVisitor& visit) override;

  // How many leftover temp files open_root() deleted, for the startup log.
  [[nodiscard]] std::size_t removed_temp_files() const { return removed_temp_files_; }

 private:
  FsBlobStore(std::unique_ptr<detail::FsLayout> layout, std::size_t removed_temp_files);

  std::unique_ptr<detail::FsLayout> layout_;
  std::size_t removed_temp_files_;
};

}  // namespace caas::storage
