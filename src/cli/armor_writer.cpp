#include "cli/armor_writer.h"

#include <string>

#include "base/base64.h"

namespace caas::cli {
namespace {
constexpr std::string_view kBegin = "-----BEGIN AGE ENCRYPTED FILE-----\n";
constexpr std::string_view kEnd = "-----END AGE ENCRYPTED FILE-----\n";
}  // namespace

Status ArmorWriter::begin_once() {
  if (begun_) {
    return ok_status();
  }
  begun_ = true;
  return sink_(as_bytes(kBegin));
}

Status ArmorWriter::emit_line(ByteSpan bytes) {
  std::string line = base64_encode(bytes);
  line.push_back('\n');
  return sink_(as_bytes(line));
}

Status ArmorWriter::write(ByteSpan bytes) {
  CAAS_TRY(begin_once());
  if (!pending_.empty()) {
    std::size_t take = std::min(kLineBytes - pending_.size(), bytes.size());
    pending_.insert(pending_.end(), bytes.begin(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (pending_.size() < kLineBytes) {
      return ok_status();
    }
    CAAS_TRY(emit_line(pending_));
    pending_.clear();
  }
  // Whole lines straight from the input, encoded in one string to keep the sink calls few.
  std::size_t whole = bytes.size() / kLineBytes * kLineBytes;
  std::string lines;
  lines.reserve(whole / kLineBytes * 65);
  for (std::size_t at = 0; at < whole; at += kLineBytes) {
    lines += base64_encode(bytes.subspan(at, kLineBytes));
    lines.push_back('\n');
  }
  if (!lines.empty()) {
    CAAS_TRY(sink_(as_bytes(lines)));
  }
  ByteSpan rest = bytes.subspan(whole);
  pending_.assign(rest.begin(), rest.end());
  return ok_status();
}

Status ArmorWriter::finish() {
  CAAS_TRY(begin_once());
  if (!pending_.empty()) {
    CAAS_TRY(emit_line(pending_));
    pending_.clear();
  }
  return sink_(as_bytes(kEnd));
}

}  // namespace caas::cli
