#include "format/container/writer.h"

#include <algorithm>

#include "base/check.h"
#include "crypto/random.h"

namespace caas::format {

Result<ContainerWriter> ContainerWriter::create(const crypto::SecretArray<32>& dek,
                                                const Binding& binding, ByteSink sink,
                                                Options options) {
  ContainerHeader header;
  header.segment_bytes = options.segment_bytes;
  crypto::random_fill(header.salt);  // FORMAT.md §3: fresh, random, per container
  crypto::random_fill(header.nonce_prefix);
  return create_with_header(dek, binding, std::move(sink), header);
}

Result<ContainerWriter> ContainerWriter::create_for_test(const crypto::SecretArray<32>& dek,
                                                         const Binding& binding, ByteSink sink,
                                                         Options options,
                                                         const ContainerHeader& header) {
  ContainerHeader fixed = header;
  fixed.segment_bytes = options.segment_bytes;
  return create_with_header(dek, binding, std::move(sink), fixed);
}

Result<ContainerWriter> ContainerWriter::create_with_header(const crypto::SecretArray<32>& dek,
                                                            const Binding& binding, ByteSink sink,
                                                            const ContainerHeader& header) {
  if (!valid_segment_bytes(header.segment_bytes)) {
    return invalid_argument("container: segment size must be a power of two, 64 B to 16 MiB");
  }
  CAAS_ASSIGN_OR_RETURN(detail::SegmentCipher cipher,
                        detail::SegmentCipher::create(dek, header, binding));
  return ContainerWriter(std::move(cipher), header, std::move(sink));
}

ContainerWriter::ContainerWriter(detail::SegmentCipher cipher, const ContainerHeader& header,
                                 ByteSink sink)
    : cipher_(std::move(cipher)), header_(header), sink_(std::move(sink)) {
  buffer_.reserve(header_.segment_bytes);
  sealed_.resize(header_.segment_bytes + kTagBytes);
}

Status ContainerWriter::fail(Status status) {
  failure_ = status;
  buffer_.clear();
  return status;
}

Status ContainerWriter::emit_header() {
  if (header_written_) {
    return ok_status();
  }
  header_written_ = true;
  HeaderBytes bytes = header_.serialize();
  return sink_(bytes);
}

Status ContainerWriter::seal(ByteSpan plaintext, bool last) {
  if (next_index_ >= kMaxSegments) {
    return error(ErrorCode::kOutOfRange, "container: plaintext exceeds 2^32 segments");
  }
  MutableByteSpan out = MutableByteSpan(sealed_).first(plaintext.size() + kTagBytes);
  CAAS_TRY(cipher_.seal(next_index_, last, plaintext, out));
  ++next_index_;
  return sink_(out);
}

Status ContainerWriter::seal_buffer(bool last) {
  Status status = seal(buffer_.expose(), last);
  buffer_.resize(0);
  return status;
}

Status ContainerWriter::write(ByteSpan plaintext) {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return error(ErrorCode::kFailedPrecondition, "container: write after finish");
  }
  if (Status status = emit_header(); !status.ok()) {
    return fail(status);
  }
  const std::size_t segment = header_.segment_bytes;
  // FORMAT.md §6: refuse input beyond 2^32 segments before consuming any of it, so that an
  // upload can be failed at once. plaintext_bytes_ never exceeds the bound.
  const std::uint64_t max_plaintext = kMaxSegments * segment;
  if (plaintext.size() > max_plaintext - plaintext_bytes_) {
    return fail(error(ErrorCode::kOutOfRange, "container: plaintext exceeds 2^32 segments"));
  }
  while (!plaintext.empty()) {
    // FORMAT.md §8: seal a full buffer only once more plaintext arrives, so that the final
    // segment is never empty (except for the empty plaintext).
    if (buffer_.size() == segment) {
      if (Status status = seal_buffer(false); !status.ok()) {
        return fail(status);
      }
    }
    // Fast path: whole segments that are known not to be last are sealed straight from the
    // caller's bytes, without a copy into the buffer.
    if (buffer_.empty() && plaintext.size() > segment) {
      if (Status status = seal(plaintext.first(segment), false); !status.ok()) {
        return fail(status);
      }
      plaintext = plaintext.subspan(segment);
      plaintext_bytes_ += segment;
      continue;
    }
    std::size_t take = std::min(plaintext.size(), segment - buffer_.size());
    buffer_.append(plaintext.first(take));
    plaintext = plaintext.subspan(take);
    plaintext_bytes_ += take;
  }
  return ok_status();
}

void ContainerWriter::skip_segments_for_test(std::uint64_t segments) {
  CAAS_CHECK(buffer_.empty() && next_index_ == 0 && segments < kMaxSegments);
  next_index_ = segments;
  plaintext_bytes_ = segments * header_.segment_bytes;
}

Status ContainerWriter::finish() {
  if (failure_) {
    return *failure_;
  }
  if (finished_) {
    return error(ErrorCode::kFailedPrecondition, "container: finish called twice");
  }
  if (Status status = emit_header(); !status.ok()) {
    return fail(status);
  }
  finished_ = true;
  if (Status status = seal_buffer(true); !status.ok()) {
    return fail(status);
  }
  return ok_status();
}

}  // namespace caas::format
