#include "cli/io.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caas::cli {
namespace {

bool is_std_stream(const std::string& path) { return path.empty() || path == "-"; }

Status io_error(const std::string& what, int err) {
  return error(ErrorCode::kIo, what + ": " + std::strerror(err));
}

}  // namespace

Result<Input> Input::open(const std::string& path) {
  if (is_std_stream(path)) {
    return Input(STDIN_FILENO, false);
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return io_error("failed to open input file \"" + path + "\"", errno);
  }
  return Input(fd, true);
}

Input::~Input() {
  if (owned_) {
    ::close(fd_);
  }
}

Result<std::size_t> Input::read(MutableByteSpan out) {
  for (;;) {
    ssize_t got = ::read(fd_, out.data(), out.size());
    if (got >= 0) {
      return static_cast<std::size_t>(got);
    }
    if (errno != EINTR) {
      return io_error("failed to read input", errno);
    }
  }
}

Result<std::size_t> Input::read_full(MutableByteSpan out) {
  std::size_t total = 0;
  while (total < out.size()) {
    CAAS_ASSIGN_OR_RETURN(std::size_t got, read(out.subspan(total)));
    if (got == 0) {
      break;
    }
    total += got;
  }
  return total;
}

Output::Output(std::string path, bool exclusive, unsigned mode)
    : path_(std::move(path)), exclusive_(exclusive), mode_(mode) {}

Output::Output(Output&& other) noexcept
    : path_(std::move(other.path_)),
      exclusive_(other.exclusive_),
      mode_(other.mode_),
      fd_(std::exchange(other.fd_, -1)),
      closed_(std::exchange(other.closed_, true)) {}

Output::~Output() {
  if (!closed_) {
    abandon();
  }
}

bool Output::is_terminal() const { return is_stdout() && ::isatty(STDOUT_FILENO) == 1; }

Status Output::open_once() {
  if (fd_ >= 0) {
    return ok_status();
  }
  if (is_stdout()) {
    fd_ = STDOUT_FILENO;
    return ok_status();
  }
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive_ ? O_EXCL : O_TRUNC);
  fd_ = ::open(path_.c_str(), flags, static_cast<mode_t>(mode_));
  if (fd_ < 0) {
    return io_error("failed to open output file \"" + path_ + "\"", errno);
  }
  return ok_status();
}

Status Output::write(ByteSpan bytes) {
  CAAS_TRY(open_once());
  while (!bytes.empty()) {
    ssize_t put = ::write(fd_, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) {
        continue;
      }
      return io_error("failed to write output", errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
  return ok_status();
}

Status Output::close() {
  CAAS_TRY(open_once());
  closed_ = true;
  if (is_stdout()) {
    return ok_status();
  }
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(path_.c_str());
    return io_error("failed to close output file \"" + path_ + "\"", err);
  }
  return ok_status();
}

void Output::abandon() {
  closed_ = true;
  if (fd_ < 0 || is_stdout()) {
    return;
  }
  ::close(std::exchange(fd_, -1));
  ::unlink(path_.c_str());
}

Result<crypto::SecretBytes> read_small_file(const std::string& path, std::size_t max_bytes) {
  CAAS_ASSIGN_OR_RETURN(Input input, Input::open(path));
  crypto::SecretBytes content(max_bytes + 1);
  CAAS_ASSIGN_OR_RETURN(std::size_t got, input.read_full(content.expose_mutable()));
  if (got > max_bytes) {
    return error(ErrorCode::kResourceExhausted, "file \"" + path + "\" is too large");
  }
  content.resize(got);
  return content;
}

}  // namespace caas::cli
