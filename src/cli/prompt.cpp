#include "cli/prompt.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>

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

// The terminal settings to put back if a signal ends the process while echo is off (Ctrl-C at
// the password prompt): otherwise the shell is left without echo.
termios g_saved_terminal{};
volatile std::sig_atomic_t g_echo_off = 0;

extern "C" void restore_terminal_and_reraise(int signal_number) {
  if (g_echo_off != 0) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
    [[maybe_unused]] ssize_t put = ::write(STDERR_FILENO, "\n", 1);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Echo off on the terminal for as long as this lives, restored on return and on SIGINT,
// SIGTERM, SIGHUP and SIGQUIT.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) {
      return;
    }
    for (int signal_number : kSignals) {
      struct sigaction action {};
      action.sa_handler = restore_terminal_and_reraise;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal_number, &action, &previous_[index(signal_number)]);
    }
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_echo_off = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 ? 1 : 0;
    active_ = true;
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  EchoOff(EchoOff&&) = delete;
  EchoOff& operator=(EchoOff&&) = delete;
  ~EchoOff() {
    if (!active_) {
      return;
    }
    if (g_echo_off != 0) {
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
      g_echo_off = 0;
      say_newline();  // the newline the user typed was not echoed
    }
    for (int signal_number : kSignals) {
      ::sigaction(signal_number, &previous_[index(signal_number)], nullptr);
    }
  }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  static std::size_t index(int signal_number) {
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
      if (kSignals[i] == signal_number) {
        return i;
      }
    }
    return 0;
  }
  static void say_newline() { [[maybe_unused]] ssize_t put = ::write(STDERR_FILENO, "\n", 1); }

  struct sigaction previous_[std::size(kSignals)]{};
  bool active_ = false;
};

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
  std::optional<EchoOff> echo_off;
  if (secret) {
    echo_off.emplace();
  }
  say(STDERR_FILENO, std::string(question) + " ");
  return read_line(STDIN_FILENO, question);
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
