// AgeBodyCheck: checks, as it streams in, that an upload body is an age v1 file (client mode),
// which the server stores but cannot open. Structure only (age spec, "Header" and "Payload"):
// the body starts with a header that ends within kMaxClientHeaderBytes and that Header::parse
// accepts, then a payload whose length age's STREAM can produce. Not thread-safe; one per upload.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::files::detail {

// Whether an age payload (a 16-byte nonce, then chunks of 64 KiB of plaintext plus a 16-byte
// tag, the last one shorter unless the payload is whole chunks, empty only when the whole
// plaintext is) can be `bytes` long.
bool valid_age_payload_length(std::uint64_t bytes);

class AgeBodyCheck {
 public:
  // Takes the next bytes of the body and returns those to store now, in body order: nothing
  // while the header is incomplete (the bytes wait here), then the header with what followed
  // it, then each call's bytes as they are. The span is valid until the next call.
  // Errors: kInvalidArgument "invalid_age: …" as soon as the body cannot be an age file (the
  // message never quotes it); every later call fails.
  Result<ByteSpan> push(ByteSpan bytes);

  // The body ended. Errors: "invalid_age: …" when the header never ended or the payload length
  // is not one an age payload has.
  [[nodiscard]] Status finish() const;

  // The header's length once it ended, else 0.
  [[nodiscard]] std::size_t header_bytes() const { return header_bytes_; }

 private:
  Status find_header();

  Bytes pending_;                 // the body until its header ends (ciphertext: no wiping)
  std::size_t scan_from_ = 0;     // start of the last incomplete line in pending_
  std::size_t header_bytes_ = 0;  // 0 until the header ended
  std::uint64_t total_ = 0;
  bool failed_ = false;
};

}  // namespace caas::files::detail
