// Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11B,
// FIPS-197 §4.2), for Shamir secret sharing (crypto/shamir.h). Addition is XOR.
//
// Constant time: these functions run the same instructions, with no branch and no memory access
// that depends on their operands. That is why there are no log/exp tables here: a table indexed
// by a secret byte leaks that byte through the cache. Pure functions, thread-safe.
#pragma once

#include <cstdint>

namespace caas::crypto::detail {

// The reduction polynomial with its x^8 term, so that XORing it into a 9-bit value clears bit 8.
inline constexpr unsigned kGf256Polynomial = 0x11B;

// a • b. "Russian peasant" multiplication: for each bit of b (low to high) add a when the bit is
// set, then multiply a by x, reducing when it overflows into x^8 (FIPS-197 §4.2.1, xtime). Both
// conditions become all-ones/all-zeros masks instead of branches.
constexpr std::uint8_t gf256_mul(std::uint8_t a, std::uint8_t b) {
  unsigned product = 0;
  unsigned shifted = a;  // a • x^bit, always < 256
  unsigned bits = b;
  for (unsigned bit = 0; bit < 8; ++bit) {
    product ^= shifted & (0U - (bits & 1U));
    shifted = (shifted << 1) ^ (kGf256Polynomial & (0U - (shifted >> 7)));
    bits >>= 1;
  }
  return static_cast<std::uint8_t>(product);
}

// a^-1 for a != 0, computed as a^254 (the multiplicative group has order 255, so
// a^254 • a = a^255 = 1). The exponent is a fixed public constant, so the square-and-multiply
// sequence is the same for every a. gf256_inv(0) is 0.
constexpr std::uint8_t gf256_inv(std::uint8_t a) {
  constexpr unsigned kExponent = 254;
  std::uint8_t result = 1;
  for (int bit = 7; bit >= 0; --bit) {
    result = gf256_mul(result, result);
    if (((kExponent >> bit) & 1U) != 0) {  // branches on the public exponent only
      result = gf256_mul(result, a);
    }
  }
  return result;
}

}  // namespace caas::crypto::detail
