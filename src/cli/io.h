// File descriptors for the command line: an Input read in pieces (a file or stdin) and an
// Output opened at its first write (a file or stdout), which can be abandoned: a partially
// written file is removed. Neither is thread-safe; both are movable, not copyable.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::cli {

class Input {
 public:
  // `path` empty or "-" is stdin. Errors: kIo ("failed to open input file \"x\": ...").
  static Result<Input> open(const std::string& path);

  Input(Input&& other) noexcept : fd_(other.fd_), owned_(other.owned_) { other.owned_ = false; }
  Input& operator=(Input&&) = delete;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input();

  // Reads up to out.size() bytes; 0 means end of input. Errors: kIo.
  Result<std::size_t> read(MutableByteSpan out);
  // Reads until `out` is full or the input ends; returns the count. Errors: kIo.
  Result<std::size_t> read_full(MutableByteSpan out);

 private:
  Input(int fd, bool owned) : fd_(fd), owned_(owned) {}
  int fd_;
  bool owned_;
};

class Output {
 public:
  // `path` empty or "-" is stdout. `exclusive` refuses an existing file; `mode` is the new
  // file's permission bits (before the umask).
  Output(std::string path, bool exclusive, unsigned mode);
  Output(Output&& other) noexcept;
  Output& operator=(Output&&) = delete;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  // Abandons the output unless close() succeeded.
  ~Output();

  [[nodiscard]] bool is_stdout() const { return path_.empty() || path_ == "-"; }
  // True when the output is stdout and stdout is a terminal.
  [[nodiscard]] bool is_terminal() const;

  // Opens on first use, then writes all of `bytes`. Errors: kIo.
  Status write(ByteSpan bytes);
  // Opens (an empty output is still created), flushes and closes. Errors: kIo.
  Status close();
  // Closes and removes a file this Output created or truncated.
  void abandon();

 private:
  Status open_once();

  std::string path_;
  bool exclusive_;
  unsigned mode_;
  int fd_ = -1;
  bool closed_ = false;
};

// The whole of a small file ("-" is stdin), at most `max_bytes`, in wiped memory (identity
// files hold secret keys). Errors: kIo, kResourceExhausted when larger.
Result<crypto::SecretBytes> read_small_file(const std::string& path, std::size_t max_bytes);

}  // namespace caas::cli
