#include "crypto/random.h"

#include <algorithm>
#include <array>
#include <limits>

#include <openssl/rand.h>

#include "base/check.h"

namespace caas::crypto {

void random_fill(MutableByteSpan out) {
  // RAND_bytes takes an int length; fill in chunks so any span size works.
  constexpr std::size_t kMaxChunk = std::numeric_limits<int>::max();
  std::size_t done = 0;
  while (done < out.size()) {
    std::size_t chunk = std::min(out.size() - done, kMaxChunk);
    CAAS_CHECK(RAND_bytes(out.data() + done, static_cast<int>(chunk)) == 1);
    done += chunk;
  }
}

void random_fill_public(MutableByteSpan out) {
  constexpr std::size_t kBufferBytes = 4096;
  if (out.size() > kBufferBytes / 4) {
    random_fill(out);
    return;
  }
  thread_local std::array<std::uint8_t, kBufferBytes> buffer{};
  thread_local std::size_t used = kBufferBytes;
  if (kBufferBytes - used < out.size()) {
    random_fill(buffer);
    used = 0;
  }
  std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(used), out.size(), out.begin());
  // Bytes handed out are cleared, so the buffer never gives the same bytes twice.
  std::fill_n(buffer.begin() + static_cast<std::ptrdiff_t>(used), out.size(), std::uint8_t{0});
  used += out.size();
}

Bytes random_bytes(std::size_t size) {
  Bytes out(size);
  random_fill(out);
  return out;
}

SecretBytes random_secret(std::size_t size) {
  SecretBytes out(size);
  random_fill(out.expose_mutable());
  return out;
}

std::uint32_t random_uniform(std::uint32_t bound) {
  CAAS_CHECK(bound > 0);
  // Reject values in the final partial block of 2^32 so every residue is equally likely.
  const std::uint32_t threshold = (0U - bound) % bound;
  for (;;) {
    std::uint32_t value = 0;
    random_fill({reinterpret_cast<std::uint8_t*>(&value), sizeof(value)});  // NOLINT
    if (value >= threshold) {
      return value % bound;
    }
  }
}

std::string random_uuid() {
  std::array<std::uint8_t, 16> bytes{};
  random_fill(bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4 (RFC 9562 §5.4)
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      text.push_back('-');
    }
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0x0F]);
  }
  return text;
}

}  // namespace caas::crypto
