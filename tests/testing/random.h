// Reproducible pseudo-random test data (a seeded std::mt19937): for round-trip tests that want
// the same inputs on every run. Not for anything secret; crypto/random.h is the CSPRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "base/bytes.h"

namespace caas::testing {

inline Bytes random_bytes(std::mt19937& rng, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(size);
  for (std::uint8_t& b : out) {
    b = static_cast<std::uint8_t>(byte(rng));
  }
  return out;
}

}  // namespace caas::testing
