// ContainerDecryptor: push-style decryption of a whole container arriving as a stream whose
// length is not known in advance (docs/FORMAT.md §7, last paragraph). Feed container bytes in
// chunks of any size; verified plaintext goes to the sink one segment at a time, never before
// that segment's tag has verified. The plaintext size is known only after finish() has
// authenticated the final segment. Memory: one segment of ciphertext and one of plaintext.
//
// Not thread-safe; movable. Every integrity failure is the one decryption_failed(); after any
// error, later calls return it again.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/secret.h"
#include "format/container/binding.h"
#include "format/container/detail/segment_cipher.h"
#include "format/container/writer.h"

namespace caas::format {

class ContainerDecryptor {
 public:
  ContainerDecryptor(const crypto::SecretArray<32>& dek, const Binding& binding, ByteSink sink);

  // Consumes container bytes, releasing each segment that is verified and known not to be last.
  Status write(ByteSpan container_bytes);
  // Authenticates the final segment and releases it. Errors: kDecryptionFailed for a truncated,
  // extended or forged container, the sink's error.
  Status finish();

  // The plaintext size, once finish() has succeeded; empty before.
  [[nodiscard]] std::optional<std::uint64_t> plaintext_bytes() const { return plaintext_bytes_; }

 private:
  Status start(ByteSpan header_bytes);
  Status open(ByteSpan segment, bool last);
  Status open_buffer(bool last);
  Status fail(Status status);

  crypto::SecretArray<32> dek_;  // until the header arrives; zeroed once the cipher is keyed
  Binding binding_;
  ByteSink sink_;
  std::optional<detail::SegmentCipher> cipher_;  // set once the header is parsed
  std::size_t stride_ = 0;                       // segment_bytes + tag
  Bytes buffer_;                                 // header, then one segment of ciphertext
  crypto::SecretBytes plaintext_;
  std::uint64_t next_index_ = 0;
  std::uint64_t released_ = 0;
  std::optional<std::uint64_t> plaintext_bytes_;
  std::optional<Status> failure_;
  bool finished_ = false;
};

}  // namespace caas::format
