// ContainerReader: random-access decryption of a stored container (docs/FORMAT.md §7). open()
// reads the header and authenticates the final segment, so the plaintext size it reports is
// verified; read() then decrypts any range [begin, end) by reading and authenticating only the
// segments that cover it. Plaintext reaches the sink one verified segment slice at a time.
// Memory: one segment of ciphertext and one of plaintext, whatever the container size.
//
// The reader borrows its source, which must outlive it. Not thread-safe; movable.
#pragma once

#include <cstdint>

#include "crypto/secret.h"
#include "format/container/binding.h"
#include "format/container/detail/segment_cipher.h"
#include "format/container/writer.h"

namespace caas::format {

// Random access to stored bytes (a blob in a file or an object store).
class RandomAccessSource {
 public:
  RandomAccessSource() = default;
  RandomAccessSource(const RandomAccessSource&) = delete;
  RandomAccessSource& operator=(const RandomAccessSource&) = delete;
  virtual ~RandomAccessSource() = default;

  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // Fills `out` with the bytes at [offset, offset + out.size()). Errors: kIo and the like.
  virtual Status read_at(std::uint64_t offset, MutableByteSpan out) = 0;
};

// A source over bytes in memory (tests, small blobs).
class MemorySource final : public RandomAccessSource {
 public:
  explicit MemorySource(ByteSpan bytes) : bytes_(bytes) {}
  [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
  Status read_at(std::uint64_t offset, MutableByteSpan out) override;

 private:
  ByteSpan bytes_;
};

class ContainerReader {
 public:
  // Errors: kDecryptionFailed for any malformed, truncated or forged container or a wrong
  // key/binding; the source's errors.
  static Result<ContainerReader> open(RandomAccessSource& source,
                                      const crypto::SecretArray<32>& dek, const Binding& binding);

  // The verified plaintext size.
  [[nodiscard]] std::uint64_t plaintext_bytes() const { return layout_.plaintext_bytes; }

  // Sends plaintext [begin, end) to the sink. Errors: kOutOfRange unless
  // begin <= end <= plaintext_bytes(); kDecryptionFailed if a covering segment fails (the sink
  // may already have received earlier, verified segments); the source's and sink's errors.
  Status read(std::uint64_t begin, std::uint64_t end, const ByteSink& sink);

  // Container bytes read from the source so far (for Range cost measurements).
  [[nodiscard]] std::uint64_t source_bytes_read() const { return source_bytes_read_; }

 private:
  ContainerReader(RandomAccessSource& source, detail::SegmentCipher cipher,
                  const ContainerHeader& header, const SegmentLayout& layout);
  // Reads and opens segment `index` into plaintext_; returns its plaintext length.
  Result<std::size_t> open_segment(std::uint64_t index);

  RandomAccessSource* source_;
  detail::SegmentCipher cipher_;
  ContainerHeader header_;
  SegmentLayout layout_;
  Bytes ciphertext_;
  crypto::SecretBytes plaintext_;
  std::uint64_t source_bytes_read_ = 0;
};

}  // namespace caas::format
