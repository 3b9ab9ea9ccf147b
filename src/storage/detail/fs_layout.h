// FsLayout: the folders of an FsBlobStore root and the names inside them.
//
//   <root>/ab/cd/<id>             committed blob `id` (ab, cd = the first four hex digits of id)
//   <root>/tmp/<id>.<random>.part an upload in progress
//
// Two levels of 256 shards keep folders small (a million blobs → ~15 per leaf folder) and are
// created on first use. Owns the root and tmp descriptors; thread-safe. Internal to
// caas::storage.
#pragma once

#include <bitset>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/detail/posix_file.h"
#include "storage/detail/sync_batcher.h"

namespace caas::storage::detail {

inline constexpr const char* kTempDirName = "tmp";
inline constexpr std::string_view kTempSuffix = ".part";

class FsLayout {
 public:
  FsLayout(UniqueFd root, UniqueFd tmp)
      : root_(std::move(root)), tmp_(std::move(tmp)), syncs_(root_.get()) {}

  [[nodiscard]] int root_fd() const { return root_.get(); }
  [[nodiscard]] int tmp_fd() const { return tmp_.get(); }

  // "ab/cd/<id>" and "ab/cd", relative to the root. `id` must be valid.
  static std::string blob_path(std::string_view id);
  static std::string leaf_dir(std::string_view id);

  // Creates the shard folders of `id` (0700) if needed and makes their entries durable. A folder
  // found already there is fsync'ed once per process too: an earlier run may have crashed
  // between its mkdir and its fsync.
  Status ensure_shards(std::string_view id);
  // Creates them if needed, without making anything durable: for commits that end in a
  // syncfs, which covers the new folders too. No lock, no flush.
  Status create_shards(std::string_view id);

  // Batched file-system flushes for small blobs (storage/detail/sync_batcher.h).
  SyncBatcher& syncs() { return syncs_; }

 private:
  UniqueFd root_;
  UniqueFd tmp_;
  SyncBatcher syncs_;
  std::mutex mutex_;
  std::bitset<256> durable_top_;                                                // guarded by mutex_
  std::vector<bool> durable_leaf_ = std::vector<bool>(std::size_t{256} * 256);  // guarded by mutex_
};

}  // namespace caas::storage::detail
