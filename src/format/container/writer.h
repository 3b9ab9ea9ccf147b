// ContainerWriter: push-style encryption of one plaintext into a CAAS container v1
// (docs/FORMAT.md §8). Feed plaintext in chunks of any size with write(); finish() seals the
// final segment. Ciphertext goes to the sink as it is produced: the header first, then one whole
// segment per call. Memory: one segment of plaintext and one of ciphertext, whatever the file size.
//
// Not thread-safe; movable. After any error (including one returned by the sink) the writer is
// failed and every later call returns that error: the caller must discard what the sink received.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/result.h"
#include "crypto/secret.h"
#include "format/container/binding.h"
#include "format/container/detail/segment_cipher.h"
#include "format/container/header.h"

namespace caas::format {

// Receives container bytes (writer) or verified plaintext (readers). A non-OK status stops the
// operation and is returned to its caller.
using ByteSink = std::function<Status(ByteSpan)>;

// A sink that appends everything to `out` (small blobs, tests). `out` must outlive the sink.
inline ByteSink append_to(Bytes& out) {
  return [&out](ByteSpan bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return ok_status();
  };
}

// Chosen with bench/container (docs/FORMAT.md §9).
inline constexpr std::uint32_t kDefaultSegmentBytes = 64 * 1024;

class ContainerWriter {
 public:
  struct Options {
    std::uint32_t segment_bytes = kDefaultSegmentBytes;
  };

  // Errors: kInvalidArgument for a segment size that is not a power of two in [64, 16 MiB].
  static Result<ContainerWriter> create(const crypto::SecretArray<32>& dek, const Binding& binding,
                                        ByteSink sink, Options options);

  // Encrypts `plaintext`, emitting every segment it completes. Errors: the sink's,
  // kOutOfRange past 2^32 segments, kFailedPrecondition after finish() or a failure.
  Status write(ByteSpan plaintext);

  // Seals the final segment (possibly the empty plaintext's). Errors as for write().
  Status finish();

  // Plaintext bytes accepted so far.
  [[nodiscard]] std::uint64_t plaintext_bytes() const { return plaintext_bytes_; }

  // Fixed salt and nonce prefix, for known-answer vectors only: reusing them across containers
  // under one DEK would reuse nonces.
  static Result<ContainerWriter> create_for_test(const crypto::SecretArray<32>& dek,
                                                 const Binding& binding, ByteSink sink,
                                                 Options options, const ContainerHeader& header);

  // Pretends `segments` full segments were already written, to test the 2^32 bound without
  // writing 2^32 segments. Only on a fresh writer.
  void skip_segments_for_test(std::uint64_t segments);

 private:
  ContainerWriter(detail::SegmentCipher cipher, const ContainerHeader& header, ByteSink sink);
  static Result<ContainerWriter> create_with_header(const crypto::SecretArray<32>& dek,
                                                    const Binding& binding, ByteSink sink,
                                                    const ContainerHeader& header);
  Status emit_header();
  Status seal(ByteSpan plaintext, bool last);
  Status seal_buffer(bool last);
  Status fail(Status status);

  detail::SegmentCipher cipher_;
  ContainerHeader header_;
  ByteSink sink_;
  crypto::SecretBytes buffer_;  // plaintext of the segment being filled
  Bytes sealed_;                // ciphertext of one segment
  std::uint64_t next_index_ = 0;
  std::uint64_t plaintext_bytes_ = 0;
  bool header_written_ = false;
  bool finished_ = false;
  std::optional<Status> failure_;
};

}  // namespace caas::format
