#include "storage/detail/fs_layout.h"

#include <cerrno>

#include <sys/stat.h>

namespace caas::storage::detail {
namespace {

unsigned hex_value(char c) {
  return c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(c - 'a' + 10);
}

// mkdirat that treats "already there" as success.
Status make_dir(int dir_fd, const std::string& path, std::string_view what) {
  if (::mkdirat(dir_fd, path.c_str(), 0700) != 0 && errno != EEXIST) {
    return errno_status(what, errno);
  }
  return ok_status();
}

}  // namespace

std::string FsLayout::blob_path(std::string_view id) {
  std::string path = leaf_dir(id);
  path += '/';
  path += id;
  return path;
}

std::string FsLayout::leaf_dir(std::string_view id) {
  std::string path(id.substr(0, 2));
  path += '/';
  path += id.substr(2, 2);
  return path;
}

Status FsLayout::create_shards(std::string_view id) {
  std::string what = "commit blob " + std::string(id) + ": create shard folder";
  CAAS_TRY(make_dir(root_fd(), std::string(id.substr(0, 2)), what));
  return make_dir(root_fd(), leaf_dir(id), what);
}

Status FsLayout::ensure_shards(std::string_view id) {
  unsigned top = hex_value(id[0]) * 16 + hex_value(id[1]);
  unsigned leaf = top * 256 + hex_value(id[2]) * 16 + hex_value(id[3]);
  std::string what = "commit blob " + std::string(id) + ": create shard folder";
  // One lock for all shards: it is taken for real work only the first time each of the 65 792
  // folders is seen by this process, so contention does not matter.
  std::lock_guard lock(mutex_);
  if (!durable_top_[top]) {
    CAAS_TRY(make_dir(root_fd(), std::string(id.substr(0, 2)), what));
    CAAS_TRY(fsync_fd(root_fd(), what));
    durable_top_[top] = true;
  }
  if (!durable_leaf_[leaf]) {
    CAAS_TRY(make_dir(root_fd(), leaf_dir(id), what));
    CAAS_TRY(fsync_dir_at(root_fd(), std::string(id.substr(0, 2)).c_str(), what));
    durable_leaf_[leaf] = true;
  }
  return ok_status();
}

}  // namespace caas::storage::detail
