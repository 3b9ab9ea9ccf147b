#include "storage/fs_blob_store.h"

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/detail/fs_blob_io.h"
#include "storage/detail/fs_layout.h"
#include "storage/detail/posix_file.h"

namespace caas::storage {
namespace {

using detail::errno_status;
using detail::FsLayout;
using detail::UniqueFd;

bool is_shard_name(std::string_view name) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

// Creates `root` (0700), and its parents when missing. Returns whether `root` was created.
Result<bool> make_root(const std::filesystem::path& root) {
  std::string what = "create storage root " + root.string();
  if (::mkdir(root.c_str(), 0700) == 0) {
    return true;
  }
  if (errno == EEXIST) {
    return false;
  }
  if (errno != ENOENT) {
    return errno_status(what, errno);
  }
  std::error_code ec;
  std::filesystem::create_directories(root.parent_path(), ec);
  if (ec) {
    return error(ErrorCode::kIo, what + ": " + ec.message());
  }
  if (::mkdir(root.c_str(), 0700) != 0) {
    return errno_status(what, errno);
  }
  return true;
}

// Opens <root>/tmp, creating it if needed, and deletes every *.part file in it. Returns the
// folder and how many files were deleted.
Result<std::pair<UniqueFd, std::size_t>> open_temp_dir(int root_fd, const std::string& root) {
  std::string what = "open storage root " + root + ": temp folder";
  if (::mkdirat(root_fd, detail::kTempDirName, 0700) == 0) {
    CAAS_TRY(detail::fsync_fd(root_fd, what));
  } else if (errno != EEXIST) {
    return errno_status(what, errno);
  }
  UniqueFd tmp(::openat(root_fd, detail::kTempDirName, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!tmp.valid()) {
    return errno_status(what, errno);
  }
  std::size_t removed = 0;
  Status unlink_status;
  CAAS_TRY(detail::list_dir_at(
      tmp.get(), ".",
      [&](std::string_view name) {
        if (!name.ends_with(detail::kTempSuffix)) {
          return true;  // not ours: leave it
        }
        if (::unlinkat(tmp.get(), std::string(name).c_str(), 0) == 0) {
          ++removed;
        } else if (errno != ENOENT) {
          unlink_status = errno_status(what + ": remove leftover upload", errno);
          return false;
        }
        return true;
      },
      what));
  CAAS_TRY(unlink_status);
  return std::pair{std::move(tmp), removed};
}

// Visits the blobs in leaf folder `dir` ("ab/cd"). Sets `stopped` when `visit` asks to stop.
Status list_leaf(int root_fd, const std::string& dir, const BlobStore::ListVisitor& visit,
                 bool& stopped) {
  std::string what = "list blobs in " + dir;
  Status stat_status;
  Status status = detail::list_dir_at(
      root_fd, dir.c_str(),
      [&](std::string_view name) {
        // Only well-formed ids in the right shard count; anything else is not a blob of ours.
        if (!validate_blob_id(name).ok() || FsLayout::leaf_dir(name) != dir) {
          return true;
        }
        struct stat info {};
        if (::fstatat(root_fd, FsLayout::blob_path(name).c_str(), &info, AT_SYMLINK_NOFOLLOW) !=
            0) {
          if (errno == ENOENT) {
            return true;  // removed while listing
          }
          stat_status = errno_status(what, errno);
          return false;
        }
        if (S_ISREG(info.st_mode) && !visit(name, static_cast<std::uint64_t>(info.st_size))) {
          stopped = true;
          return false;
        }
        return true;
      },
      what);
  CAAS_TRY(stat_status);
  return status.code() == ErrorCode::kNotFound ? ok_status() : status;
}

// Visits the shard names ("ab") found in folder `dir` of the root until `visit` returns false.
Status list_shards(int root_fd, const std::string& dir,
                   const std::function<bool(std::string_view)>& visit) {
  Status status = detail::list_dir_at(
      root_fd, dir.c_str(),
      [&](std::string_view name) { return !is_shard_name(name) || visit(name); },
      "list blobs in " + dir);
  return status.code() == ErrorCode::kNotFound ? ok_status() : status;
}

}  // namespace

FsBlobStore::FsBlobStore(std::unique_ptr<detail::FsLayout> layout, std::size_t removed_temp_files)
    : layout_(std::move(layout)), removed_temp_files_(removed_temp_files) {}

FsBlobStore::~FsBlobStore() = default;

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open_root(const std::filesystem::path& root) {
  std::string shown = root.string();
  CAAS_ASSIGN_OR_RETURN(bool created, make_root(root));
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) {
    if (errno == ENOTDIR) {
      return invalid_argument("storage root " + shown + " is not a folder");
    }
    return errno_status("open storage root " + shown, errno);
  }
  if (created) {
    std::filesystem::path parent = root.parent_path().empty() ? "." : root.parent_path();
    CAAS_TRY(detail::fsync_dir_at(AT_FDCWD, parent.c_str(), "create storage root " + shown));
  }
  // Released when the descriptor closes, so a crashed process never leaves the root locked.
  if (::flock(root_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return error(ErrorCode::kFailedPrecondition,
                   "storage root " + shown + " is in use by another store");
    }
    return errno_status("lock storage root " + shown, errno);
  }
  CAAS_ASSIGN_OR_RETURN(auto temp, open_temp_dir(root_fd.get(), shown));
  auto layout = std::make_unique<FsLayout>(std::move(root_fd), std::move(temp.first));
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(layout), temp.second));
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::create(std::string_view id) {
  CAAS_TRY(validate_blob_id(id));
  CAAS_ASSIGN_OR_RETURN(auto writer, detail::FsBlobWriter::create(*layout_, id));
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::open(std::string_view id) {
  CAAS_TRY(validate_blob_id(id));
  std::string what = "open blob " + std::string(id);
  UniqueFd fd(::openat(layout_->root_fd(), FsLayout::blob_path(id).c_str(),
                       O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return errno_status(what, errno, /*enoent_is_not_found=*/true);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return errno_status(what, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return error(ErrorCode::kIo, what + ": not a regular file");
  }
  return std::unique_ptr<BlobReader>(std::make_unique<detail::FsBlobReader>(
      std::move(fd), static_cast<std::uint64_t>(info.st_size), std::string(id)));
}

Status FsBlobStore::remove(std::string_view id) {
  CAAS_TRY(validate_blob_id(id));
  std::string what = "remove blob " + std::string(id);
  if (::unlinkat(layout_->root_fd(), FsLayout::blob_path(id).c_str(), 0) != 0) {
    return errno_status(what, errno, /*enoent_is_not_found=*/true);
  }
  return detail::fsync_dir_at(layout_->root_fd(), FsLayout::leaf_dir(id).c_str(),
                              what + ": fsync folder");
}

Status FsBlobStore::list(const ListVisitor& visit) {
  int root_fd = layout_->root_fd();
  bool stopped = false;
  Status top_status;
  Status leaf_status;
  CAAS_TRY(list_shards(root_fd, ".", [&](std::string_view top) {
    std::string top_dir(top);
    top_status = list_shards(root_fd, top_dir, [&](std::string_view leaf) {
      leaf_status = list_leaf(root_fd, top_dir + "/" + std::string(leaf), visit, stopped);
      return leaf_status.ok() && !stopped;
    });
    return top_status.ok() && leaf_status.ok() && !stopped;
  }));
  CAAS_TRY(top_status);
  return leaf_status;
}

}  // namespace caas::storage
