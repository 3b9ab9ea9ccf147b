// The age payload (age spec, "Payload"): a 16-byte nonce, then the plaintext in 64 KiB chunks,
// each ChaCha20-Poly1305 under HKDF-SHA-256(file key, salt = nonce, info = "payload") with the
// nonce 11-byte big-endian chunk counter || last-chunk flag (the STREAM construction).
//
// Both classes are push-style: write() bytes in pieces of any size, then finish(). Memory: one
// chunk of ciphertext and one of plaintext, whatever the payload size. Not thread-safe; movable.
// After any error (including the sink's) every later call returns that error.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "crypto/chacha20_poly1305.h"
#include "format/age/header.h"

namespace caas::format::age {

// Receives ciphertext (encryptors) or verified plaintext (decryptors). A non-OK status stops the
// operation and is returned to its caller. Same type as format::ByteSink.
using ByteSink = std::function<Status(ByteSpan)>;

inline constexpr std::size_t kPayloadNonceBytes = 16;
inline constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kChunkTagBytes = 16;
inline constexpr std::size_t kSealedChunkBytes = kChunkBytes + kChunkTagBytes;

using PayloadNonce = std::array<std::uint8_t, kPayloadNonceBytes>;

class PayloadEncryptor {
 public:
  // Sends `nonce` to the sink first, at the first write() or finish(). The nonce must be fresh
  // for every file (spec); create() draws one from the CSPRNG.
  static PayloadEncryptor create(const FileKey& file_key, ByteSink sink);
  static PayloadEncryptor create_with_nonce_for_test(const FileKey& file_key,
                                                     const PayloadNonce& nonce, ByteSink sink);

  // Encrypts `plaintext`, emitting every chunk it completes. A full chunk is held back until
  // more plaintext or finish() shows whether it is the last. Errors: the sink's;
  // kFailedPrecondition after finish() or a failure. (The counter is 64-bit in memory: 2^64
  // chunks, 2^80 bytes, cannot be reached.)
  Status write(ByteSpan plaintext);
  // Seals the final chunk (empty only if the whole payload is). Errors as write().
  Status finish();

 private:
  PayloadEncryptor(crypto::ChaCha20Poly1305 aead, const PayloadNonce& nonce, ByteSink sink);
  Status seal_buffer(bool last);
  Status fail(Status status);

  crypto::ChaCha20Poly1305 aead_;
  PayloadNonce nonce_;
  ByteSink sink_;
  crypto::SecretBytes buffer_;  // plaintext of the chunk being filled
  Bytes sealed_;
  std::uint64_t counter_ = 0;
  bool nonce_written_ = false;
  bool finished_ = false;
  std::optional<Status> failure_;
};

class PayloadDecryptor {
 public:
  // `nonce` is the payload's first 16 bytes, already read by the caller.
  static PayloadDecryptor create(const FileKey& file_key, const PayloadNonce& nonce, ByteSink sink);

  // Buffers ciphertext and opens every chunk it completes; a chunk's plaintext reaches the sink
  // only after its tag verifies. As age does, a full chunk is opened as soon as it is complete:
  // as a non-final chunk, or else as a full final chunk, after which any byte is an error.
  // Errors: kDecryptionFailed (a forged, reordered or truncated chunk, two final chunks, data
  // after the final chunk); the sink's; kFailedPrecondition after finish() or a failure.
  Status write(ByteSpan ciphertext);
  // Opens the buffered rest as the final chunk. Errors: kDecryptionFailed when no final chunk
  // verified (truncation), or the final chunk is empty though earlier chunks exist.
  Status finish();

 private:
  PayloadDecryptor(crypto::ChaCha20Poly1305 aead, ByteSink sink);
  Status open_full_chunk();
  Status open_chunk(ByteSpan sealed, bool last);
  Status fail(Status status);

  crypto::ChaCha20Poly1305 aead_;
  ByteSink sink_;
  Bytes buffer_;  // ciphertext of the chunk being filled
  crypto::SecretBytes plaintext_;
  std::uint64_t counter_ = 0;
  bool saw_final_ = false;
  bool finished_ = false;
  std::optional<Status> failure_;
};

}  // namespace caas::format::age
