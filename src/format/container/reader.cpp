#include "format/container/reader.h"

#include <algorithm>

namespace caas::format {

Status MemorySource::read_at(std::uint64_t offset, MutableByteSpan out) {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    return error(ErrorCode::kOutOfRange, "memory source: read past the end");
  }
  std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
  return ok_status();
}

Result<ContainerReader> ContainerReader::open(RandomAccessSource& source,
                                              const crypto::SecretArray<32>& dek,
                                              const Binding& binding) {
  if (source.size() < kMinContainerBytes) {
    return decryption_failed();
  }
  HeaderBytes header_bytes{};
  CAAS_TRY(source.read_at(0, header_bytes));
  CAAS_ASSIGN_OR_RETURN(ContainerHeader header, ContainerHeader::parse(header_bytes));
  CAAS_ASSIGN_OR_RETURN(SegmentLayout layout, segment_layout(source.size(), header.segment_bytes));
  CAAS_ASSIGN_OR_RETURN(detail::SegmentCipher cipher,
                        detail::SegmentCipher::create(dek, header, binding));
  ContainerReader reader(source, std::move(cipher), header, layout);
  reader.source_bytes_read_ = kHeaderBytes;
  // FORMAT.md §7 step 4: authenticate the final segment before reporting any size.
  CAAS_TRY(reader.open_segment(layout.segments - 1).status());
  reader.plaintext_.clear();
  reader.plaintext_.resize(header.segment_bytes);
  return reader;
}

ContainerReader::ContainerReader(RandomAccessSource& source, detail::SegmentCipher cipher,
                                 const ContainerHeader& header, const SegmentLayout& layout)
    : source_(&source),
      cipher_(std::move(cipher)),
      header_(header),
      layout_(layout),
      ciphertext_(std::size_t{header.segment_bytes} + kTagBytes),
      plaintext_(header.segment_bytes) {}

Result<std::size_t> ContainerReader::open_segment(std::uint64_t index) {
  const bool last = index + 1 == layout_.segments;
  const std::uint64_t stride = std::uint64_t{header_.segment_bytes} + kTagBytes;
  const std::size_t length = last ? static_cast<std::size_t>(layout_.last_segment_bytes)
                                  : static_cast<std::size_t>(stride);
  MutableByteSpan segment = MutableByteSpan(ciphertext_).first(length);
  CAAS_TRY(source_->read_at(kHeaderBytes + index * stride, segment));
  source_bytes_read_ += length;
  MutableByteSpan out = plaintext_.expose_mutable().first(length - kTagBytes);
  CAAS_TRY(cipher_.open(index, last, segment, out));
  return out.size();
}

Status ContainerReader::read(std::uint64_t begin, std::uint64_t end, const ByteSink& sink) {
  if (begin > end || end > layout_.plaintext_bytes) {
    return error(ErrorCode::kOutOfRange, "container: range outside the plaintext");
  }
  const std::uint64_t segment = header_.segment_bytes;
  for (std::uint64_t at = begin; at < end;) {
    const std::uint64_t index = at / segment;
    CAAS_ASSIGN_OR_RETURN(std::size_t length, open_segment(index));
    const std::uint64_t segment_start = index * segment;
    const std::uint64_t from = at - segment_start;
    const std::uint64_t to = std::min<std::uint64_t>(length, end - segment_start);
    ByteSpan verified = plaintext_.expose().subspan(from, to - from);
    CAAS_TRY(sink(verified));
    at = segment_start + to;
  }
  return ok_status();
}

}  // namespace caas::format
