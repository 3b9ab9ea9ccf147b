// The per-container cipher of docs/FORMAT.md §4–§5: derives the payload key and seals or opens
// one segment with its STREAM nonce and the container's associated data. Shared by the writer
// and both readers. Not thread-safe (it holds a keyed AES-GCM context); movable.
#pragma once

#include <array>
#include <cstdint>

#include "base/result.h"
#include "crypto/aes_gcm.h"
#include "format/container/binding.h"
#include "format/container/header.h"

namespace caas::format::detail {

class SegmentCipher {
 public:
  static Result<SegmentCipher> create(const crypto::SecretArray<32>& dek,
                                      const ContainerHeader& header, const Binding& binding);

  // Seals `plaintext` as segment `index` into `out` (plaintext.size() + 16 bytes).
  Status seal(std::uint64_t index, bool last, ByteSpan plaintext, MutableByteSpan out);
  // Opens segment `index` into `out` (segment.size() - 16 bytes); `out` is zeroed on failure.
  // Errors: kDecryptionFailed.
  Status open(std::uint64_t index, bool last, ByteSpan segment, MutableByteSpan out);

 private:
  static constexpr std::size_t kAadBytes = kHeaderBytes + kBindingBytes;

  SegmentCipher(crypto::Aes256Gcm aead, const ContainerHeader& header, const Binding& binding);
  [[nodiscard]] std::array<std::uint8_t, 12> nonce(std::uint64_t index, bool last) const;

  crypto::Aes256Gcm aead_;
  std::array<std::uint8_t, kNoncePrefixBytes> nonce_prefix_;
  std::array<std::uint8_t, kAadBytes> aad_{};
};

}  // namespace caas::format::detail
