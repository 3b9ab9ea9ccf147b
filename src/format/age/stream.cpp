#include "format/age/stream.h"

#include <algorithm>

#include "crypto/random.h"
#include "format/age/detail/payload_crypto.h"

namespace caas::format::age {
namespace {

using detail::chunk_nonce;
using detail::ChunkNonce;
using detail::payload_aead;

Status already_finished() {
  return error(ErrorCode::kFailedPrecondition, "age payload: already finished");
}

}  // namespace

PayloadEncryptor PayloadEncryptor::create(const FileKey& file_key, ByteSink sink) {
  PayloadNonce nonce{};
  crypto::random_fill(nonce);  // spec: a new nonce from a CSPRNG for each file
  return {payload_aead(file_key, nonce), nonce, std::move(sink)};
}

PayloadEncryptor PayloadEncryptor::create_with_nonce_for_test(const FileKey& file_key,
                                                              const PayloadNonce& nonce,
                                                              ByteSink sink) {
  return {payload_aead(file_key, nonce), nonce, std::move(sink)};
}

PayloadEncryptor::PayloadEncryptor(crypto::ChaCha20Poly1305 aead, const PayloadNonce& nonce,
                                   ByteSink sink)
    : aead_(std::move(aead)), nonce_(nonce), sink_(std::move(sink)) {
  buffer_.reserve(kChunkBytes);
  sealed_.resize(kSealedChunkBytes);
}

Status PayloadEncryptor::fail(Status status) {
  failure_ = status;
  buffer_.clear();
  return status;
}

Status PayloadEncryptor::seal_buffer(bool last) {
  if (!nonce_written_) {
    nonce_written_ = true;
    CAAS_TRY(sink_(nonce_));
  }
  ChunkNonce nonce = chunk_nonce(counter_, last);
  MutableByteSpan out = std::span(sealed_).first(buffer_.size() + kChunkTagBytes);
  CAAS_TRY(aead_.seal_into(crypto::Nonce(nonce), buffer_.expose(), crypto::Aad::none(), out));
  ++counter_;
  buffer_.clear();
  return sink_(out);
}

Status PayloadEncryptor::write(ByteSpan plaintext) {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return already_finished();
  }
  while (!plaintext.empty()) {
    if (buffer_.size() == kChunkBytes) {
      // More plaintext follows, so the full buffered chunk is not the last.
      Status sealed = seal_buffer(/*last=*/false);
      if (!sealed.ok()) {
        return fail(sealed);
      }
    }
    std::size_t n = std::min(kChunkBytes - buffer_.size(), plaintext.size());
    buffer_.append(plaintext.first(n));
    plaintext = plaintext.subspan(n);
  }
  return ok_status();
}

Status PayloadEncryptor::finish() {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return already_finished();
  }
  finished_ = true;
  // The final chunk is empty only when the whole payload is (spec, "Payload").
  Status sealed = seal_buffer(/*last=*/true);
  return sealed.ok() ? sealed : fail(sealed);
}

PayloadDecryptor PayloadDecryptor::create(const FileKey& file_key, const PayloadNonce& nonce,
                                          ByteSink sink) {
  return {payload_aead(file_key, nonce), std::move(sink)};
}

PayloadDecryptor::PayloadDecryptor(crypto::ChaCha20Poly1305 aead, ByteSink sink)
    : aead_(std::move(aead)), sink_(std::move(sink)) {
  buffer_.reserve(kSealedChunkBytes);
  plaintext_.resize(kChunkBytes);
}

Status PayloadDecryptor::fail(Status status) {
  failure_ = status;
  buffer_.clear();
  plaintext_.clear();
  return status;
}

Status PayloadDecryptor::open_chunk(ByteSpan sealed, bool last) {
  if (sealed.size() < kChunkTagBytes) {
    return decryption_failed();
  }
  ChunkNonce nonce = chunk_nonce(counter_, last);
  MutableByteSpan out = plaintext_.expose_mutable().first(sealed.size() - kChunkTagBytes);
  CAAS_TRY(aead_.open_into(crypto::Nonce(nonce), sealed, crypto::Aad::none(), out));
  ++counter_;
  saw_final_ = last;
  return sink_(out);  // released only now, after the tag verified
}

Status PayloadDecryptor::open_full_chunk() {
  // A full chunk is normally not the last; if it fails as such it may be a full final chunk
  // (age's stream.go does the same, so both release the same plaintext before an error).
  ChunkNonce nonce = chunk_nonce(counter_, /*last=*/false);
  MutableByteSpan out = plaintext_.expose_mutable().first(kChunkBytes);
  if (aead_.open_into(crypto::Nonce(nonce), buffer_, crypto::Aad::none(), out).ok()) {
    ++counter_;
    buffer_.clear();
    return sink_(out);
  }
  Status opened = open_chunk(buffer_, /*last=*/true);
  buffer_.clear();
  return opened;
}

Status PayloadDecryptor::write(ByteSpan ciphertext) {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return already_finished();
  }
  while (!ciphertext.empty()) {
    if (saw_final_) {
      return fail(decryption_failed());  // data after the final chunk
    }
    std::size_t n = std::min(kSealedChunkBytes - buffer_.size(), ciphertext.size());
    buffer_.insert(buffer_.end(), ciphertext.begin(),
                   ciphertext.begin() + static_cast<std::ptrdiff_t>(n));
    ciphertext = ciphertext.subspan(n);
    if (buffer_.size() == kSealedChunkBytes) {
      Status opened = open_full_chunk();
      if (!opened.ok()) {
        return fail(opened);
      }
    }
  }
  return ok_status();
}

Status PayloadDecryptor::finish() {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return already_finished();
  }
  finished_ = true;
  if (saw_final_) {
    return ok_status();
  }
  // No final chunk yet: the rest must be one. It may be empty only as the first chunk.
  if (buffer_.empty() || (counter_ > 0 && buffer_.size() == kChunkTagBytes)) {
    return fail(decryption_failed());
  }
  Status opened = open_chunk(buffer_, /*last=*/true);
  buffer_.clear();
  return opened.ok() ? opened : fail(opened);
}

}  // namespace caas::format::age
