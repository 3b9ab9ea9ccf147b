#include "format/container/decryptor.h"

#include <algorithm>

namespace caas::format {

ContainerDecryptor::ContainerDecryptor(const crypto::SecretArray<32>& dek, const Binding& binding,
                                       ByteSink sink)
    : dek_(dek.clone()), binding_(binding), sink_(std::move(sink)) {
  buffer_.reserve(kHeaderBytes);
}

Status ContainerDecryptor::fail(Status status) {
  failure_ = status;
  plaintext_.clear();
  return status;
}

Status ContainerDecryptor::start(ByteSpan header_bytes) {
  CAAS_ASSIGN_OR_RETURN(ContainerHeader header, ContainerHeader::parse(header_bytes));
  CAAS_ASSIGN_OR_RETURN(detail::SegmentCipher cipher,
                        detail::SegmentCipher::create(dek_, header, binding_));
  cipher_.emplace(std::move(cipher));
  dek_ = crypto::SecretArray<32>();  // keyed; the DEK itself is no longer needed
  stride_ = std::size_t{header.segment_bytes} + kTagBytes;
  buffer_.clear();
  buffer_.reserve(stride_);
  plaintext_.resize(header.segment_bytes);
  return ok_status();
}

Status ContainerDecryptor::open(ByteSpan segment, bool last) {
  // FORMAT.md §6: at most 2^32 segments; a final segment after others holds >= 1 byte.
  const std::size_t min_bytes = (last && next_index_ > 0) ? kTagBytes + 1 : kTagBytes;
  if (next_index_ >= kMaxSegments || segment.size() < min_bytes) {
    return decryption_failed();
  }
  MutableByteSpan out = plaintext_.expose_mutable().first(segment.size() - kTagBytes);
  CAAS_TRY(cipher_->open(next_index_, last, segment, out));
  ++next_index_;
  released_ += out.size();
  return sink_(out);
}

Status ContainerDecryptor::open_buffer(bool last) {
  Status status = open(buffer_, last);
  buffer_.clear();
  return status;
}

Status ContainerDecryptor::write(ByteSpan container_bytes) {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return error(ErrorCode::kFailedPrecondition, "container: write after finish");
  }
  while (!container_bytes.empty()) {
    if (!cipher_) {
      std::size_t take = std::min(container_bytes.size(), kHeaderBytes - buffer_.size());
      ByteSpan chunk = container_bytes.first(take);
      buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
      container_bytes = container_bytes.subspan(take);
      if (buffer_.size() == kHeaderBytes) {
        if (Status status = start(buffer_); !status.ok()) {
          return fail(status);
        }
      }
      continue;
    }
    // A full segment is opened as non-final only once a byte after it has arrived.
    if (buffer_.size() == stride_) {
      if (Status status = open_buffer(false); !status.ok()) {
        return fail(status);
      }
    }
    // Fast path: a whole segment with more bytes after it is opened straight from the caller's
    // bytes, without a copy into the buffer.
    if (buffer_.empty() && container_bytes.size() > stride_) {
      if (Status status = open(container_bytes.first(stride_), false); !status.ok()) {
        return fail(status);
      }
      container_bytes = container_bytes.subspan(stride_);
      continue;
    }
    std::size_t take = std::min(container_bytes.size(), stride_ - buffer_.size());
    ByteSpan chunk = container_bytes.first(take);
    buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
    container_bytes = container_bytes.subspan(take);
  }
  return ok_status();
}

Status ContainerDecryptor::finish() {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return error(ErrorCode::kFailedPrecondition, "container: finish called twice");
  }
  finished_ = true;
  if (!cipher_) {
    return fail(decryption_failed());  // shorter than a header
  }
  if (Status status = open_buffer(true); !status.ok()) {
    return fail(status);
  }
  plaintext_bytes_ = released_;
  plaintext_.clear();
  return ok_status();
}

}  // namespace caas::format
