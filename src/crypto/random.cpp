#include "crypto/random.h"

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

}  // namespace caas::crypto
