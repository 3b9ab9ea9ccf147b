// The 52-byte header of a CAAS container v1 (docs/FORMAT.md §3) and the size arithmetic of §6.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::format {

inline constexpr std::size_t kHeaderBytes = 52;
inline constexpr std::size_t kSaltBytes = 32;
inline constexpr std::size_t kNoncePrefixBytes = 7;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::uint32_t kMinSegmentBytes = 1U << 6;
inline constexpr std::uint32_t kMaxSegmentBytes = 1U << 24;
inline constexpr std::uint64_t kMaxSegments = 1ULL << 32;
// The smallest container: a header and one empty final segment (the empty plaintext).
inline constexpr std::uint64_t kMinContainerBytes = kHeaderBytes + kTagBytes;

using HeaderBytes = std::array<std::uint8_t, kHeaderBytes>;

struct ContainerHeader {
  std::uint32_t segment_bytes = 0;
  std::array<std::uint8_t, kSaltBytes> salt{};
  std::array<std::uint8_t, kNoncePrefixBytes> nonce_prefix{};

  [[nodiscard]] HeaderBytes serialize() const;
  // Checks every field of §3. Errors: kDecryptionFailed for anything out of specification (a
  // reader answers every malformed container the same way, §7).
  static Result<ContainerHeader> parse(ByteSpan bytes);
};

// True when `segment_bytes` is a power of two within [kMinSegmentBytes, kMaxSegmentBytes].
bool valid_segment_bytes(std::uint32_t segment_bytes);

// The segment layout of a container of `container_bytes` (§6).
struct SegmentLayout {
  std::uint64_t segments = 0;            // n
  std::uint64_t last_segment_bytes = 0;  // L, tag included
  std::uint64_t plaintext_bytes = 0;     // (n - 1) * S + L - 16
};

// Errors: kDecryptionFailed when no valid container has that length.
Result<SegmentLayout> segment_layout(std::uint64_t container_bytes, std::uint32_t segment_bytes);

}  // namespace caas::format
