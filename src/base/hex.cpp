#include "base/hex.h"

#include <algorithm>
#include <cstdint>

#include "base/detail/constant_time.h"

namespace caas {
namespace {

// Branch-free nibble → ASCII: 0..9 → '0'..'9', 10..15 → 'a'..'f'.
char encode_nibble(unsigned nibble) {
  // (9 - nibble) >> 8 is all ones exactly when nibble > 9.
  unsigned above_nine = ((9U - nibble) >> 8) & 1U;
  return static_cast<char>(nibble + '0' + above_nine * ('a' - '0' - 10));
}

// Branch-free ASCII → nibble. Returns the value in the low 4 bits and sets bit 8 when the
// character is not a hex digit, so one OR over all characters tells whether any was invalid.
unsigned decode_nibble(unsigned char c) {
  // mask(x) is 0xFF..F when x is in [lo, hi], else 0; computed with arithmetic, no branches.
  using detail::ct_in_range;
  unsigned x = c;
  unsigned is_digit = ct_in_range(x, '0', '9');
  unsigned is_lower = ct_in_range(x, 'a', 'f');
  unsigned is_upper = ct_in_range(x, 'A', 'F');
  unsigned value = is_digit * (x - '0') + is_lower * (x - 'a' + 10) + is_upper * (x - 'A' + 10);
  unsigned valid = is_digit | is_lower | is_upper;
  return (value & 0xFU) | ((valid ^ 1U) << 8);
}

}  // namespace

std::string hex_encode(ByteSpan bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = encode_nibble(bytes[i] >> 4U);
    out[2 * i + 1] = encode_nibble(bytes[i] & 0xFU);
  }
  return out;
}

Status hex_decode_into(std::string_view text, MutableByteSpan out) {
  if (text.size() % 2 != 0 || out.size() != text.size() / 2) {
    return invalid_argument("hex: length must be even and match the output");
  }
  unsigned invalid = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned high = decode_nibble(static_cast<unsigned char>(text[2 * i]));
    unsigned low = decode_nibble(static_cast<unsigned char>(text[2 * i + 1]));
    invalid |= (high | low) & 0x100U;
    out[i] = static_cast<std::uint8_t>(((high & 0xFU) << 4) | (low & 0xFU));
  }
  if (invalid != 0) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});  // leave no partial key behind
    return invalid_argument("hex: invalid character");
  }
  return ok_status();
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return invalid_argument("hex: odd length");
  }
  Bytes out(text.size() / 2);
  CAAS_TRY(hex_decode_into(text, out));
  return out;
}

}  // namespace caas
