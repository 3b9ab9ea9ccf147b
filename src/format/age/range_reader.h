// RangeReader: random-access decryption of an age v1 file (age spec, "Payload"), the age
// counterpart of format::ContainerReader. open() reads the header, unwraps the file key and
// checks the header MAC once, then authenticates the final chunk, so the plaintext size it
// reports is verified (age's DecryptReaderAt does the same, and so detects a truncated file).
// read() then decrypts any range [begin, end) by reading and authenticating only the chunks that
// cover it: chunk i is at payload_start + i * (64 KiB + 16) with nonce counter i. Plaintext
// reaches the sink one verified chunk slice at a time.
//
// Memory: one chunk of ciphertext and one of plaintext, whatever the file size. The last chunk
// opened stays decrypted, so small sequential reads read each chunk once.
//
// The reader borrows its source, which must outlive it; it borrows the identities only during
// open(). Not thread-safe; movable.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/chacha20_poly1305.h"
#include "crypto/secret.h"
#include "format/age/recipient.h"
#include "format/age/stream.h"
#include "format/container/reader.h"

namespace caas::format::age {

class RangeReader {
 public:
  // `source` holds the whole age file (binary, not armored). Errors, in the classes of
  // Decryptor: kInvalidArgument for a malformed header or a file cut before the payload;
  // kNotFound when no identity matches; kDecryptionFailed for a wrong header MAC, or a payload
  // that is truncated, forged or whose final chunk is malformed; the source's errors.
  static Result<RangeReader> open(RandomAccessSource& source,
                                  std::span<const Identity* const> identities);

  // The plaintext size, derived from the file size and verified by the final chunk's tag.
  [[nodiscard]] std::uint64_t plaintext_bytes() const { return layout_.plaintext_bytes; }

  // Sends plaintext [begin, end) to the sink; an empty range reads nothing. Errors: kOutOfRange
  // unless begin <= end <= plaintext_bytes(); kDecryptionFailed if a covering chunk fails (the
  // sink may already have received earlier, verified chunks); the source's and sink's errors.
  Status read(std::uint64_t begin, std::uint64_t end, const ByteSink& sink);

  // File bytes read from the source so far (for Range cost measurements).
  [[nodiscard]] std::uint64_t source_bytes_read() const { return source_bytes_read_; }

 private:
  // Where the chunks are, from the file size alone (verified only by the final chunk's tag).
  struct Layout {
    std::uint64_t payload_start = 0;  // offset of chunk 0, just past the payload nonce
    std::uint64_t chunks = 0;
    std::uint64_t last_sealed_bytes = 0;  // the final chunk, tag included
    std::uint64_t plaintext_bytes = 0;
  };
  static Result<Layout> layout_for(std::uint64_t payload_start, std::uint64_t file_bytes);

  RangeReader(RandomAccessSource& source, crypto::ChaCha20Poly1305 aead, const Layout& layout);
  // Reads and opens chunk `index` into plaintext_ unless it is already there; returns its
  // plaintext length.
  Result<std::size_t> open_chunk(std::uint64_t index);

  RandomAccessSource* source_;
  crypto::ChaCha20Poly1305 aead_;
  Layout layout_;
  Bytes ciphertext_;
  crypto::SecretBytes plaintext_;
  std::optional<std::uint64_t> opened_chunk_;  // the chunk whose plaintext is in plaintext_
  std::uint64_t source_bytes_read_ = 0;
};

}  // namespace caas::format::age
