#include "format/age/armor.h"

#include <optional>
#include <string_view>

#include "base/base64.h"

namespace caas::format::age {
namespace {

constexpr std::string_view kBeginLine = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr std::string_view kEndLine = "-----END AGE ENCRYPTED FILE-----";
constexpr std::size_t kArmorColumns = 64;

Status bad_armor(std::string_view what) {
  return invalid_argument("age armor: " + std::string(what));
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Lines ending in LF or CRLF; the last line may have no EOL.
class ArmorLines {
 public:
  explicit ArmorLines(std::string_view text) : text_(text) {}
  std::optional<std::string_view> next() {
    if (pos_ >= text_.size()) {
      return std::nullopt;
    }
    std::size_t end = text_.find('\n', pos_);
    std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    std::string_view line = text_.substr(pos_, stop - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    return line;
  }
  [[nodiscard]] std::string_view rest() const { return text_.substr(pos_); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Data lines up to the END line: all 64 columns but the last, which is 1..64.
Result<std::string> read_data_lines(ArmorLines& lines) {
  std::string base64;
  bool short_seen = false;
  while (true) {
    std::optional<std::string_view> line = lines.next();
    if (!line) {
      return bad_armor("no end line");
    }
    if (*line == kEndLine) {
      return base64;
    }
    if (short_seen || line->empty() || line->size() > kArmorColumns) {
      return bad_armor("bad line length");
    }
    short_seen = line->size() < kArmorColumns;
    base64.append(*line);
  }
}

}  // namespace

std::string armor_encode(ByteSpan age_file) {
  std::string base64 = base64_encode(age_file);
  std::string out;
  out.reserve(base64.size() + base64.size() / kArmorColumns + 80);
  out.append(kBeginLine).append("\n");
  for (std::size_t pos = 0; pos < base64.size(); pos += kArmorColumns) {
    out.append(std::string_view(base64).substr(pos, kArmorColumns)).append("\n");
  }
  out.append(kEndLine).append("\n");
  return out;
}

Result<Bytes> armor_decode(ByteSpan bytes) {
  std::string_view text = as_chars(bytes);
  std::size_t leading = 0;
  while (leading < text.size() && is_space(text[leading])) {
    ++leading;
  }
  if (leading > kArmorMaxWhitespace) {
    return bad_armor("too much leading whitespace");
  }
  ArmorLines lines(text.substr(leading));
  if (lines.next() != kBeginLine) {
    return bad_armor("no begin line");
  }
  CAAS_ASSIGN_OR_RETURN(std::string base64, read_data_lines(lines));
  std::string_view rest = lines.rest();
  if (rest.size() > kArmorMaxWhitespace) {
    return bad_armor("data after the end line");
  }
  for (char c : rest) {
    if (!is_space(c)) {
      return bad_armor("data after the end line");
    }
  }
  // Strict and canonical: padding only at the end, zero unused bits (spec: enforce canonical).
  Result<Bytes> decoded = base64_decode(base64);
  if (!decoded.ok()) {
    return bad_armor("not canonical base64");
  }
  return decoded;
}

}  // namespace caas::format::age
