#include "format/container/header.h"

#include <algorithm>
#include <bit>

namespace caas::format {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {'C', 'A', 'A', 'S'};
constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kSuiteAes256GcmHkdfSha256 = 1;

// Field offsets of §3.
constexpr std::size_t kVersionOffset = 4;
constexpr std::size_t kSuiteOffset = 5;
constexpr std::size_t kReservedOffset = 6;
constexpr std::size_t kSegmentSizeOffset = 8;
constexpr std::size_t kSaltOffset = 12;
constexpr std::size_t kNoncePrefixOffset = 44;
constexpr std::size_t kLastReservedOffset = 51;

}  // namespace

bool valid_segment_bytes(std::uint32_t segment_bytes) {
  return std::has_single_bit(segment_bytes) && segment_bytes >= kMinSegmentBytes &&
         segment_bytes <= kMaxSegmentBytes;
}

HeaderBytes ContainerHeader::serialize() const {
  HeaderBytes out{};
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  out[kVersionOffset] = kVersion;
  out[kSuiteOffset] = kSuiteAes256GcmHkdfSha256;
  store_be32(MutableByteSpan(out).subspan(kSegmentSizeOffset, 4), segment_bytes);
  std::copy(salt.begin(), salt.end(), out.begin() + kSaltOffset);
  std::copy(nonce_prefix.begin(), nonce_prefix.end(), out.begin() + kNoncePrefixOffset);
  return out;  // both reserved fields stay zero
}

Result<ContainerHeader> ContainerHeader::parse(ByteSpan bytes) {
  if (bytes.size() < kHeaderBytes || !std::equal(kMagic.begin(), kMagic.end(), bytes.begin()) ||
      bytes[kVersionOffset] != kVersion || bytes[kSuiteOffset] != kSuiteAes256GcmHkdfSha256 ||
      bytes[kReservedOffset] != 0 || bytes[kReservedOffset + 1] != 0 ||
      bytes[kLastReservedOffset] != 0) {
    return decryption_failed();
  }
  ContainerHeader header;
  header.segment_bytes = load_be32(bytes.subspan(kSegmentSizeOffset, 4));
  if (!valid_segment_bytes(header.segment_bytes)) {
    return decryption_failed();
  }
  std::copy_n(bytes.begin() + kSaltOffset, kSaltBytes, header.salt.begin());
  std::copy_n(bytes.begin() + kNoncePrefixOffset, kNoncePrefixBytes, header.nonce_prefix.begin());
  return header;
}

Result<SegmentLayout> segment_layout(std::uint64_t container_bytes, std::uint32_t segment_bytes) {
  if (container_bytes < kMinContainerBytes || !valid_segment_bytes(segment_bytes)) {
    return decryption_failed();
  }
  const std::uint64_t payload = container_bytes - kHeaderBytes;  // >= 16
  const std::uint64_t stride = std::uint64_t{segment_bytes} + kTagBytes;
  // Bound first, so that nothing below can overflow whatever size the storage reports:
  // 2^32 * (2^24 + 16) < 2^57.
  if (payload > kMaxSegments * stride) {
    return decryption_failed();
  }
  SegmentLayout layout;
  layout.segments = (payload - 1) / stride + 1;  // max(1, ceil(payload / stride)), §6
  layout.last_segment_bytes = payload - (layout.segments - 1) * stride;  // in [1, stride]
  // §6: a last segment after others holds at least one plaintext byte.
  const std::uint64_t min_last = layout.segments == 1 ? kTagBytes : kTagBytes + 1;
  if (layout.last_segment_bytes < min_last) {
    return decryption_failed();
  }
  layout.plaintext_bytes =
      (layout.segments - 1) * segment_bytes + (layout.last_segment_bytes - kTagBytes);
  return layout;
}

}  // namespace caas::format
