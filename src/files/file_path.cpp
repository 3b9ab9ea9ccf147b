#include "files/file_path.h"

#include <cstdint>
#include <string>

#include <unistr.h>

namespace caas::files {
namespace {

bool is_utf8(std::string_view text) {
  return u8_check(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) == nullptr;
}

// C0 controls and DEL as bytes; C1 controls (U+0080–U+009F) are encoded 0xC2 0x80–0x9F.
bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) {
      return true;
    }
    if (byte == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        return true;
      }
    }
  }
  return false;
}

Status bad(std::string_view why) { return invalid_argument("invalid_path: " + std::string(why)); }

Status check_bytes(std::string_view text) {
  if (text.size() > kMaxPathBytes) {
    return bad("a path has at most 1024 bytes");
  }
  if (!is_utf8(text)) {
    return bad("a path must be UTF-8");
  }
  if (has_control(text)) {
    return bad("a path may not contain control characters");
  }
  return ok_status();
}

}  // namespace

Status validate_file_path(std::string_view path) {
  if (path.empty()) {
    return bad("a path has at least 1 byte");
  }
  if (Status bytes = check_bytes(path); !bytes.ok()) {
    return bytes;
  }
  std::string_view previous;
  std::string_view last;
  std::size_t segments = 0;
  for (std::string_view rest = path;;) {
    const std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) {
      return bad("a path may not have empty segments (leading, trailing or double '/')");
    }
    if (segment == "." || segment == "..") {
      return bad("a path may not have '.' or '..' segments");
    }
    previous = last;
    last = segment;
    ++segments;
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  // The grants routes need a path of their own before "/grants" (api/router.h), so "grants"
  // alone and "grants/x" are files.
  if ((segments >= 2 && last == "grants") || (segments >= 3 && previous == "grants")) {
    return bad("a path may not end in /grants or /grants/<name>: those address a file's grants");
  }
  return ok_status();
}

Status validate_path_prefix(std::string_view prefix) {
  if (prefix.empty()) {
    return ok_status();
  }
  return check_bytes(prefix);
}

}  // namespace caas::files
