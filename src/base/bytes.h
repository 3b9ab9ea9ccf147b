// Byte buffers and views shared by every module. Non-secret data only: secrets go in
// crypto::SecretBytes, which wipes itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caas {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

// Views the characters of a string as bytes (no copy).
inline ByteSpan as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};  // NOLINT
}

// Views bytes as characters (no copy).
inline std::string_view as_chars(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT
}

inline Bytes to_bytes(std::string_view text) {
  ByteSpan view = as_bytes(text);
  return Bytes(view.begin(), view.end());
}

inline Bytes concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  std::size_t total = 0;
  for (ByteSpan part : parts) {
    total += part.size();
  }
  out.reserve(total);
  for (ByteSpan part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Big-endian integer stores/loads for wire formats (containers, nonces, OTP counters).
inline void store_be32(MutableByteSpan out, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) {
    out[i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }
}
inline void store_be64(MutableByteSpan out, std::uint64_t value) {
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(value >> (56 - 8 * i));
  }
}
inline std::uint32_t load_be32(ByteSpan in) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | in[i];
  }
  return value;
}
inline std::uint64_t load_be64(ByteSpan in) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    value = (value << 8) | in[i];
  }
  return value;
}

}  // namespace caas
