#include "storage/detail/posix_file.h"

#include <cerrno>
#include <string>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace caas::storage::detail {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd_ >= 0) {
    // close(2) may report EINTR or EIO, but retrying is wrong on Linux (the fd is gone either
    // way) and every blob the caller relies on was fsync'ed before, so the result is dropped.
    ::close(fd_);
    fd_ = -1;
  }
}

Status errno_status(std::string_view what, int err, bool enoent_is_not_found) {
  std::string message(what);
  message += ": ";
  if (err == ENOSPC || err == EDQUOT) {
    message += "insufficient storage";
    return error(ErrorCode::kResourceExhausted, std::move(message));
  }
  message += std::generic_category().message(err);
  if (err == ENOENT && enoent_is_not_found) {
    return error(ErrorCode::kNotFound, std::move(message));
  }
  return error(ErrorCode::kIo, std::move(message));
}

Status write_all(int fd, ByteSpan data, std::string_view what) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_status(what, errno);
    }
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return ok_status();
}

Result<std::size_t> pread_full(int fd, std::uint64_t offset, MutableByteSpan out,
                               std::string_view what) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t got =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_status(what, errno);
    }
    if (got == 0) {
      break;  // end of file
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

Status fsync_fd(int fd, std::string_view what) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) {
      return errno_status(what, errno);
    }
  }
  return ok_status();
}

Status fsync_dir_at(int dir_fd, const char* path, std::string_view what) {
  UniqueFd dir(::openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    return errno_status(what, errno);
  }
  return fsync_fd(dir.get(), what);
}

Status list_dir_at(int dir_fd, const char* path, const std::function<bool(std::string_view)>& visit,
                   std::string_view what) {
  UniqueFd fd(::openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno_status(what, errno, /*enoent_is_not_found=*/true);
  }
  DIR* dir = ::fdopendir(fd.get());
  if (dir == nullptr) {
    return errno_status(what, errno);
  }
  (void)fd.release();  // the DIR owns the descriptor now: closedir closes it
  Status status;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) {
        status = errno_status(what, errno);
      }
      break;
    }
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") {
      continue;
    }
    if (!visit(name)) {
      break;
    }
  }
  ::closedir(dir);
  return status;
}

}  // namespace caas::storage::detail
