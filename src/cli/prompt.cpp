#include "cli/prompt.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace caas::cli {
namespace {

// Reads one line from `fd`, a byte at a time so that nothing after the newline is consumed
// (the next question's answer may already be in the pipe).
Result<crypto::SecretBytes> read_line(int fd, std::string_view question) {
  crypto::SecretBytes line;
  line.reserve(256);
  for (;;) {
    char c = 0;
    ssize_t got = ::read(fd, &c, 1);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return error(ErrorCode::kIo, std::string("cannot read the answer: ") + std::strerror(errno));
    }
    if (got == 0) {
      if (line.empty()) {
        return error(ErrorCode::kFailedPrecondition,
                     "no answer for \"" + std::string(question) + "\" (standard input ended)");
      }
      break;
    }
    if (c == '\n') {
      break;
    }
    if (line.size() >= kMaxAnswerBytes) {
      return error(ErrorCode::kInvalidArgument, "the answer is too long");
    }
    std::uint8_t byte = static_cast<std::uint8_t>(c);
    line.append(ByteSpan(&byte, 1));
  }
  if (!line.empty() && line.expose().back() == '\r') {
    line.resize(line.size() - 1);
  }
  return line;
}

void say(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t put = ::write(fd, text.data(), text.size());
    if (put <= 0) {
      return;
    }
    text.remove_prefix(static_cast<std::size_t>(put));
  }
}

Result<crypto::SecretBytes> ask(std::string_view question, bool secret) {
  if (!stdin_is_terminal()) {
    say(STDERR_FILENO, std::string(question) + " ");
    Result<crypto::SecretBytes> answer = read_line(STDIN_FILENO, question);
    say(STDERR_FILENO, "\n");
    return answer;
  }
  termios saved{};
  bool restore = false;
  if (secret && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  say(STDERR_FILENO, std::string(question) + " ");
  Result<crypto::SecretBytes> answer = read_line(STDIN_FILENO, question);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    say(STDERR_FILENO, "\n");  // the newline the user typed was not echoed
  }
  return answer;
}

}  // namespace

Result<crypto::SecretBytes> ask_secret(std::string_view question) { return ask(question, true); }

Result<std::string> ask_line(std::string_view question) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes answer, ask(question, false));
  return std::string(as_chars(answer.expose()));
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }
bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

}  // namespace caas::cli
