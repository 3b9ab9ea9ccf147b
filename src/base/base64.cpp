#include "base/base64.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "base/detail/constant_time.h"

namespace caas {
namespace {

using detail::ct_at_least;
using detail::ct_in_range;

// base cannot use crypto's secure_wipe (crypto depends on base); a volatile store loop does the
// same job for these small buffers.
void detail_wipe(std::uint8_t* data, std::size_t size) {
  volatile std::uint8_t* p = data;
  for (std::size_t i = 0; i < size; ++i) {
    p[i] = 0;
  }
}

// 6-bit value → character of the RFC 4648 §4 alphabet (Table 1): A-Z, a-z, 0-9, '+', '/'.
// Starts from 'A' + v and adds the jump between consecutive runs of the alphabet.
char encode_sextet(unsigned v) {
  unsigned c = 'A' + v;
  c += ct_at_least(v, 26) * ('a' - 'A' - 26U);  // 26 → 'a'
  c -= ct_at_least(v, 52) * ('a' + 26U - '0');  // 52 → '0'
  c -= ct_at_least(v, 62) * ('0' + 10U - '+');  // 62 → '+'
  c += ct_at_least(v, 63) * ('/' - '+' - 1U);   // 63 → '/'
  return static_cast<char>(c);
}

// Character → 6-bit value in the low bits, with bit 8 set when the character is outside the
// alphabet ('=' included: padding is stripped before this is called), so one OR over all
// characters says whether any was invalid.
unsigned decode_sextet(char ch) {
  unsigned x = static_cast<unsigned char>(ch);
  unsigned upper = ct_in_range(x, 'A', 'Z');
  unsigned lower = ct_in_range(x, 'a', 'z');
  unsigned digit = ct_in_range(x, '0', '9');
  unsigned plus = ct_in_range(x, '+', '+');
  unsigned slash = ct_in_range(x, '/', '/');
  unsigned value = upper * (x - 'A') + lower * (x - 'a' + 26U) + digit * (x - '0' + 52U) +
                   plus * 62U + slash * 63U;
  unsigned valid = upper | lower | digit | plus | slash;
  return (value & 0x3FU) | ((valid ^ 1U) << 8);
}

// Maps `n` characters to sextets; returns non-zero when any is outside the alphabet. Written over
// unsigned bytes with no early exit, so that GCC vectorizes it (a signed char load does not).
unsigned map_chars(const unsigned char* in, std::size_t n, std::uint8_t* sextets) {
  unsigned invalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned x = in[i];
    unsigned upper = ct_in_range(x, 'A', 'Z');
    unsigned lower = ct_in_range(x, 'a', 'z');
    unsigned digit = ct_in_range(x, '0', '9');
    unsigned plus = ct_in_range(x, '+', '+');
    unsigned slash = ct_in_range(x, '/', '/');
    unsigned value = upper * (x - 'A') + lower * (x - 'a' + 26U) + digit * (x - '0' + 52U) +
                     plus * 62U + slash * 63U;
    invalid |= (upper | lower | digit | plus | slash) ^ 1U;
    sextets[i] = static_cast<std::uint8_t>(value & 0x3FU);
  }
  return invalid;
}

// Work happens in chunks of kChunkChars characters, in two passes per chunk: one maps between
// characters and sextets, one packs or unpacks the bits. The mapping pass has no dependence
// between elements, so the compiler vectorizes it (this file is built with -O3); that makes the
// constant-time codec several times faster than one character at a time. The sextet buffer
// holds secret bits and is wiped after use.
constexpr std::size_t kChunkChars = 256;  // a multiple of 4

std::string encode(ByteSpan bytes, bool pad) {
  const std::size_t full = bytes.size() / 3;
  const std::size_t rest = bytes.size() - full * 3;
  const std::size_t tail_chars = rest == 0 ? 0 : (pad ? 4 : rest + 1);
  std::string out(full * 4 + tail_chars, '=');
  std::array<std::uint8_t, kChunkChars> sextets{};
  for (std::size_t group = 0; group < full;) {
    const std::size_t groups = std::min(full - group, kChunkChars / 4);
    for (std::size_t g = 0; g < groups; ++g) {
      const std::uint8_t* in = &bytes[(group + g) * 3];
      unsigned bits = (unsigned{in[0]} << 16) | (unsigned{in[1]} << 8) | in[2];
      sextets[g * 4] = static_cast<std::uint8_t>(bits >> 18);
      sextets[g * 4 + 1] = static_cast<std::uint8_t>((bits >> 12) & 0x3FU);
      sextets[g * 4 + 2] = static_cast<std::uint8_t>((bits >> 6) & 0x3FU);
      sextets[g * 4 + 3] = static_cast<std::uint8_t>(bits & 0x3FU);
    }
    char* dst = out.data() + group * 4;
    for (std::size_t i = 0; i < groups * 4; ++i) {
      dst[i] = encode_sextet(sextets[i]);
    }
    group += groups;
  }
  detail_wipe(sextets.data(), sextets.size());
  // A final 1 or 2 bytes become 2 or 3 characters whose unused low bits are zero (§4).
  if (rest > 0) {
    unsigned bits = unsigned{bytes[full * 3]} << 16;
    if (rest == 2) {
      bits |= unsigned{bytes[full * 3 + 1]} << 8;
    }
    char* dst = out.data() + full * 4;
    dst[0] = encode_sextet(bits >> 18);
    dst[1] = encode_sextet((bits >> 12) & 0x3FU);
    if (rest == 2) {
      dst[2] = encode_sextet((bits >> 6) & 0x3FU);
    }
  }
  return out;
}

// Decodes `body` (padding already removed; body.size() % 4 != 1) into `out` of exactly
// body.size() * 3 / 4 bytes. Invalid characters and non-zero unused bits are accumulated as
// flags and checked once at the end, so the time does not depend on where they occur.
Status decode_body(std::string_view body, MutableByteSpan out) {
  unsigned invalid = 0;
  std::array<std::uint8_t, kChunkChars> sextets{};
  const std::size_t whole = body.size() / 4 * 4;
  std::size_t o = 0;
  for (std::size_t in = 0; in < whole;) {
    const std::size_t chars = std::min(whole - in, kChunkChars);
    invalid |= map_chars(reinterpret_cast<const unsigned char*>(body.data()) + in,  // NOLINT
                         chars, sextets.data())
               << 8;
    for (std::size_t i = 0; i < chars; i += 4, o += 3) {
      unsigned group = (unsigned{sextets[i]} << 18) | (unsigned{sextets[i + 1]} << 12) |
                       (unsigned{sextets[i + 2]} << 6) | sextets[i + 3];
      out[o] = static_cast<std::uint8_t>(group >> 16);
      out[o + 1] = static_cast<std::uint8_t>(group >> 8);
      out[o + 2] = static_cast<std::uint8_t>(group);
    }
    in += chars;
  }
  detail_wipe(sextets.data(), sextets.size());
  unsigned nonzero_unused = 0;
  std::size_t rest = body.size() - whole;  // 0, 2 or 3 characters
  if (rest > 0) {
    unsigned group = 0;
    for (std::size_t k = 0; k < rest; ++k) {
      unsigned v = decode_sextet(body[whole + k]);
      invalid |= v;
      group = (group << 6) | (v & 0x3FU);
    }
    // 2 characters hold 12 bits (1 byte + 4 unused), 3 hold 18 (2 bytes + 2 unused). RFC 4648
    // §3.5 lets decoders reject non-zero unused bits; we do, so that the encoding is unique.
    unsigned unused_bits = rest == 2 ? 4U : 2U;
    nonzero_unused = group & ((1U << unused_bits) - 1U);
    group >>= unused_bits;
    if (rest == 3) {
      out[o++] = static_cast<std::uint8_t>(group >> 8);
    }
    out[o] = static_cast<std::uint8_t>(group);
  }
  if ((invalid & 0x100U) != 0) {
    return invalid_argument("base64: invalid character");
  }
  if (nonzero_unused != 0) {
    return invalid_argument("base64: non-canonical encoding (unused bits set)");
  }
  return ok_status();
}

// Bytes held by an unpadded text of `length` characters; length % 4 == 1 is impossible.
Result<std::size_t> unpadded_size(std::size_t length) {
  if (length % 4 == 1) {
    return invalid_argument("base64: impossible length");
  }
  return length / 4 * 3 + (length % 4) * 3 / 4;
}

// The characters before the '=' padding of a padded text. Looking at the last two characters
// reveals only the padding length, which the decoded size reveals anyway.
Result<std::string_view> strip_padding(std::string_view text) {
  if (text.size() % 4 != 0) {
    return invalid_argument("base64: length is not a multiple of 4");
  }
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = text[text.size() - 2] == '=' ? 2 : 1;
  }
  // Any further '=' stays in the body and fails there as an invalid character.
  return text.substr(0, text.size() - pad);
}

// Decodes the padded or unpadded form into `out` of exactly the decoded size; zeroes `out` on
// any error, so a caller never sees part of a secret.
Status decode_into(std::string_view text, bool padded, MutableByteSpan out) {
  Status status = [&]() -> Status {
    std::string_view body = text;
    if (padded) {
      CAAS_ASSIGN_OR_RETURN(body, strip_padding(text));
    }
    CAAS_ASSIGN_OR_RETURN(std::size_t size, unpadded_size(body.size()));
    if (size != out.size()) {
      return invalid_argument("base64: decoded size does not match");
    }
    return decode_body(body, out);
  }();
  if (!status.ok()) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
  }
  return status;
}

}  // namespace

std::string base64_encode(ByteSpan bytes) { return encode(bytes, /*pad=*/true); }

std::string base64_encode_unpadded(ByteSpan bytes) { return encode(bytes, /*pad=*/false); }

Result<std::size_t> base64_decoded_size(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::string_view body, strip_padding(text));
  return unpadded_size(body.size());
}

Result<std::size_t> base64_unpadded_decoded_size(std::string_view text) {
  return unpadded_size(text.size());
}

Status base64_decode_into(std::string_view text, MutableByteSpan out) {
  return decode_into(text, /*padded=*/true, out);
}

Status base64_decode_unpadded_into(std::string_view text, MutableByteSpan out) {
  // '=' is not in the alphabet, so padding fails as an invalid character.
  return decode_into(text, /*padded=*/false, out);
}

Result<Bytes> base64_decode(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::string_view body, strip_padding(text));
  CAAS_ASSIGN_OR_RETURN(std::size_t size, unpadded_size(body.size()));
  Bytes out(size);
  CAAS_TRY(decode_body(body, out));
  return out;
}

Result<Bytes> base64_decode_unpadded(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::size_t size, unpadded_size(text.size()));
  Bytes out(size);
  CAAS_TRY(decode_body(text, out));
  return out;
}

}  // namespace caas
