// A streaming ASCII-armor encoder (age spec, "ASCII armor"): the same bytes as
// format::age::armor_encode, produced in pieces so that `caas age encrypt -a` runs in bounded
// memory. Not thread-safe.
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "format/age/stream.h"

namespace caas::cli {

class ArmorWriter {
 public:
  explicit ArmorWriter(format::age::ByteSink sink) : sink_(std::move(sink)) {}

  // Sends the BEGIN line first, then every complete 64-column line. Errors: the sink's.
  Status write(ByteSpan bytes);
  // Sends the last (possibly short, padded) line and the END line. Errors: the sink's.
  Status finish();

 private:
  static constexpr std::size_t kLineBytes = 48;  // 64 base64 columns

  Status begin_once();
  Status emit_line(ByteSpan bytes);

  format::age::ByteSink sink_;
  Bytes pending_;  // fewer than kLineBytes bytes not yet encoded
  bool begun_ = false;
};

}  // namespace caas::cli
