#include "base/base32.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "base/detail/constant_time.h"

namespace caas {
namespace {

constexpr std::size_t kGroupChars = 8;  // 8 characters carry 5 bytes (40 bits)
constexpr std::size_t kGroupBytes = 5;

using detail::ct_in_range;

// 5-bit value → character of the RFC 4648 §6 alphabet (Table 3): 0..25 → 'A'..'Z',
// 26..31 → '2'..'7'.
char encode_quintet(unsigned v) {
  unsigned at_least_26 = ((25U - v) >> 31) & 1U;
  return static_cast<char>('A' + v - at_least_26 * ('A' + 26U - '2'));
}

// Character → 5-bit value in the low bits, with bit 8 set when the character is outside the
// alphabet (either case), so one OR over all characters says whether any was invalid.
unsigned decode_quintet(char ch) {
  unsigned x = static_cast<unsigned char>(ch);
  unsigned upper = ct_in_range(x, 'A', 'Z');
  unsigned lower = ct_in_range(x, 'a', 'z');
  unsigned digit = ct_in_range(x, '2', '7');
  unsigned value = upper * (x - 'A') + lower * (x - 'a') + digit * (x - '2' + 26U);
  unsigned valid = upper | lower | digit;
  return (value & 0x1FU) | ((valid ^ 1U) << 8);
}

// For a last group of r data characters (index r): the '=' count that §6 pads it with, or -1
// when no byte string ends that way (1, 3 or 6 characters leave 5 or more unused bits).
constexpr std::array<int, kGroupChars> kPadForRest = {0, -1, 6, -1, 4, 3, -1, 1};

// The data characters of `text`, after checking its length and padding. Scanning the trailing
// '=' reveals only the padding length, which the decoded size reveals anyway.
Result<std::string_view> strip_padding(std::string_view text) {
  std::size_t body = text.size();
  while (body > 0 && text[body - 1] == '=') {
    --body;
  }
  std::size_t pad = text.size() - body;
  int expected = kPadForRest[body % kGroupChars];
  if (expected < 0) {
    return invalid_argument("base32: impossible length");
  }
  if (pad != 0 && (text.size() % kGroupChars != 0 || pad != static_cast<std::size_t>(expected))) {
    return invalid_argument("base32: invalid padding");
  }
  return text.substr(0, body);
}

// Bytes held by `chars` data characters (a length strip_padding accepted).
std::size_t body_bytes(std::size_t chars) {
  return chars / kGroupChars * kGroupBytes + chars % kGroupChars * kGroupBytes / kGroupChars;
}

// Decodes `body` (checked by strip_padding) into `out` of body_bytes(body.size()) bytes.
// Invalid characters and non-zero unused bits are accumulated as flags and checked once at the
// end, so the time does not depend on where they occur.
Status decode_body(std::string_view body, MutableByteSpan out) {
  unsigned invalid = 0;
  std::uint64_t nonzero_unused = 0;
  std::size_t o = 0;
  for (std::size_t in = 0; in < body.size(); in += kGroupChars) {
    std::size_t chars = std::min(kGroupChars, body.size() - in);
    std::uint64_t group = 0;
    for (std::size_t k = 0; k < chars; ++k) {
      unsigned v = decode_quintet(body[in + k]);
      invalid |= v;
      group = (group << 5) | (v & 0x1FU);
    }
    // A short last group has 5 * chars bits: whole bytes, then 1 to 4 unused bits that must be
    // zero (§3.5), so that each byte string has one encoding.
    std::size_t bytes = chars * 5 / 8;
    std::size_t unused_bits = chars * 5 - bytes * 8;
    nonzero_unused |= group & ((std::uint64_t{1} << unused_bits) - 1U);
    group >>= unused_bits;
    for (std::size_t k = 0; k < bytes; ++k) {
      out[o + k] = static_cast<std::uint8_t>(group >> (8 * (bytes - 1 - k)));
    }
    o += bytes;
  }
  if ((invalid & 0x100U) != 0) {
    return invalid_argument("base32: invalid character");
  }
  if (nonzero_unused != 0) {
    return invalid_argument("base32: non-canonical encoding (unused bits set)");
  }
  return ok_status();
}

}  // namespace

std::string base32_encode(ByteSpan bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + kGroupBytes - 1) / kGroupBytes * kGroupChars);
  for (std::size_t in = 0; in < bytes.size(); in += kGroupBytes) {
    std::size_t n = std::min(kGroupBytes, bytes.size() - in);
    std::uint64_t group = 0;
    for (std::size_t k = 0; k < kGroupBytes; ++k) {
      group = (group << 8) | (k < n ? bytes[in + k] : 0U);  // zero-fill a short last group
    }
    // n bytes need ceil(8n / 5) characters; the rest of the group is padding (§6).
    std::size_t chars = (n * 8 + 4) / 5;
    for (std::size_t k = 0; k < chars; ++k) {
      out.push_back(encode_quintet(static_cast<unsigned>(group >> (35 - 5 * k)) & 0x1FU));
    }
    if (pad) {
      out.append(kGroupChars - chars, '=');
    }
  }
  return out;
}

Result<std::size_t> base32_decoded_size(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::string_view body, strip_padding(text));
  return body_bytes(body.size());
}

Status base32_decode_into(std::string_view text, MutableByteSpan out) {
  Status status = [&]() -> Status {
    CAAS_ASSIGN_OR_RETURN(std::string_view body, strip_padding(text));
    if (body_bytes(body.size()) != out.size()) {
      return invalid_argument("base32: decoded size does not match");
    }
    return decode_body(body, out);
  }();
  if (!status.ok()) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
  }
  return status;
}

Result<Bytes> base32_decode(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::string_view body, strip_padding(text));
  Bytes out(body_bytes(body.size()));
  CAAS_TRY(decode_body(body, out));
  return out;
}

}  // namespace caas
