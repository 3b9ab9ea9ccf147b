#include "cli/passphrase.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace caas::cli {
namespace {

// Bounds a typed passphrase; longer input is an error rather than a silent cut.
constexpr std::size_t kMaxPassphraseBytes = 4096;

std::optional<crypto::SecretBytes> passphrase_from_env() {
  const char* value = std::getenv(kPassphraseEnv);
  if (value == nullptr) {
    return std::nullopt;
  }
  return crypto::SecretBytes::copy_of(as_bytes(std::string_view(value)));
}

// The terminal with echo off for as long as this object lives.
class Terminal {
 public:
  Terminal() : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) {
    if (fd_ >= 0 && ::tcgetattr(fd_, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      restore_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  Terminal(Terminal&&) = delete;
  Terminal& operator=(Terminal&&) = delete;
  ~Terminal() {
    if (restore_) {
      ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  [[nodiscard]] bool ok() const { return fd_ >= 0; }

  void say(std::string_view text) const {
    [[maybe_unused]] ssize_t put = ::write(fd_, text.data(), text.size());
  }

  // One line without its newline. Errors: kIo, kInvalidArgument when too long.
  Result<crypto::SecretBytes> read_line() const {
    crypto::SecretBytes line;
    line.reserve(kMaxPassphraseBytes);
    for (;;) {
      std::uint8_t byte = 0;
      ssize_t got = ::read(fd_, &byte, 1);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        return error(ErrorCode::kIo, std::string("read passphrase: ") + std::strerror(errno));
      }
      if (got == 0 || byte == '\n') {
        break;
      }
      if (line.size() == kMaxPassphraseBytes) {
        return invalid_argument("passphrase is too long");
      }
      line.append(ByteSpan(&byte, 1));
    }
    if (!line.empty() && line.expose().back() == '\r') {
      line.resize(line.size() - 1);
    }
    say("\n");
    return line;
  }

 private:
  int fd_;
  termios saved_{};
  bool restore_ = false;
};

Result<crypto::SecretBytes> ask(const Terminal& tty, std::string_view prompt) {
  tty.say(prompt);
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes typed, tty.read_line());
  if (typed.empty()) {
    return invalid_argument("empty passphrase");
  }
  return typed;
}

Status no_terminal() {
  return error(ErrorCode::kFailedPrecondition,
               std::string("passphrase needed, but there is no terminal; set ") + kPassphraseEnv);
}

}  // namespace

Result<crypto::SecretBytes> passphrase_for_encryption() {
  if (auto from_env = passphrase_from_env()) {
    if (from_env->empty()) {
      return invalid_argument(std::string("empty passphrase in ") + kPassphraseEnv);
    }
    return std::move(*from_env);
  }
  Terminal tty;
  if (!tty.ok()) {
    return no_terminal();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes first, ask(tty, "Enter passphrase: "));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes second, ask(tty, "Confirm passphrase: "));
  if (!(first == second)) {
    return invalid_argument("passphrases didn't match");
  }
  return first;
}

Result<crypto::SecretBytes> passphrase_for_decryption() {
  if (auto from_env = passphrase_from_env()) {
    return std::move(*from_env);
  }
  Terminal tty;
  if (!tty.ok()) {
    return no_terminal();
  }
  return ask(tty, "Enter passphrase: ");
}

}  // namespace caas::cli
