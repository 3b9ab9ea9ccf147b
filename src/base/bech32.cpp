#include "base/bech32.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "base/check.h"
#include "base/detail/constant_time.h"

namespace caas {
namespace {

// BIP-173 "Bech32": value v is written as kCharset[v].
constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr unsigned kValues = 32;
// Generators of the BCH code over GF(32) (BIP-173 "Checksum", bech32_polymod).
constexpr std::array<std::uint32_t, 5> kGenerator = {0x3b6a57b2U, 0x26508e6dU, 0x1ea119faU,
                                                     0x3d4233ddU, 0x2a1462b3U};
// The polymod of a valid string: 1 for bech32 (BIP-173); bech32m (BIP-350) would use 0x2bc830a3.
constexpr std::uint32_t kChecksumConstant = 1;

using detail::ct_in_range;
using detail::ct_is_equal;

// 5-bit value → character. The alphabet is not a run of ASCII, so instead of indexing a table
// by a secret value (cache timing) this reads all 32 entries and keeps the matching one.
char encode_value(unsigned v, bool upper) {
  unsigned c = 0;
  for (unsigned i = 0; i < kValues; ++i) {
    c |= ct_is_equal(v, i) * static_cast<unsigned char>(kCharset[i]);
  }
  c -= static_cast<unsigned>(upper) * ct_in_range(c, 'a', 'z') * ('a' - 'A');
  return static_cast<char>(c);
}

// Character of either case → 5-bit value, with bit 8 set when it is not in the alphabet; reads
// all 32 entries, like encode_value.
unsigned decode_value(char ch) {
  unsigned x = static_cast<unsigned char>(ch);
  x += ct_in_range(x, 'A', 'Z') * ('a' - 'A');
  unsigned value = 0;
  unsigned found = 0;
  for (unsigned i = 0; i < kValues; ++i) {
    unsigned match = ct_is_equal(x, static_cast<unsigned char>(kCharset[i]));
    value |= match * i;
    found |= match;
  }
  return value | ((found ^ 1U) << 8);
}

// The BIP-173 checksum state (bech32_polymod), started with the expanded hrp. feed() is
// branch-free in the value, since data values are secret for identities.
class Checksum {
 public:
  explicit Checksum(std::string_view lower_hrp) {
    // bech32_hrp_expand: high bits of each character, a zero, then the low bits.
    for (char c : lower_hrp) {
      feed(static_cast<unsigned char>(c) >> 5);
    }
    feed(0);
    for (char c : lower_hrp) {
      feed(static_cast<unsigned char>(c) & 31U);
    }
  }

  void feed(unsigned value) {
    std::uint32_t top = chk_ >> 25;
    chk_ = ((chk_ & 0x1ffffffU) << 5) ^ value;
    for (unsigned i = 0; i < kGenerator.size(); ++i) {
      chk_ ^= kGenerator[i] & (0U - ((top >> i) & 1U));
    }
  }

  [[nodiscard]] bool verifies() const { return chk_ == kChecksumConstant; }

  // The 6 checksum values after all data values were fed (bech32_create_checksum).
  std::array<unsigned, kBech32ChecksumChars> finish() {
    for (std::size_t i = 0; i < kBech32ChecksumChars; ++i) {
      feed(0);
    }
    std::uint32_t mod = chk_ ^ kChecksumConstant;
    std::array<unsigned, kBech32ChecksumChars> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = (mod >> (5 * (kBech32ChecksumChars - 1 - i))) & 31U;
    }
    return out;
  }

 private:
  std::uint32_t chk_ = 1;
};

// hrp rules shared by encoding (as preconditions) and decoding (BIP-173 "Bech32").
bool hrp_chars_valid(std::string_view hrp) {
  return std::all_of(hrp.begin(), hrp.end(), [](char c) { return c >= 33 && c <= 126; });
}

// Branch-free, so that it may see secret characters.
bool has_both_cases(std::string_view text) {
  unsigned lower = 0;
  unsigned upper = 0;
  for (char c : text) {
    lower |= ct_in_range(static_cast<unsigned char>(c), 'a', 'z');
    upper |= ct_in_range(static_cast<unsigned char>(c), 'A', 'Z');
  }
  return (lower & upper) != 0;
}

std::string with_case(std::string_view text, bool upper) {
  std::string out(text);
  for (char& c : out) {
    unsigned x = static_cast<unsigned char>(c);
    x += (upper ? 0U : ct_in_range(x, 'A', 'Z')) * ('a' - 'A');
    x -= (upper ? ct_in_range(x, 'a', 'z') : 0U) * ('a' - 'A');
    c = static_cast<char>(x);
  }
  return out;
}

// Writes "hrp" "1" values checksum, one value at a time, so that bytes can be converted on the
// fly without a second copy of a secret.
class Encoder {
 public:
  Encoder(std::string_view hrp, std::size_t values, bool upper)
      : lower_hrp_(with_case(hrp, /*upper=*/false)), checksum_(lower_hrp_), upper_(upper) {
    CAAS_CHECK(!hrp.empty() && hrp.size() <= kBech32MaxHrpChars && hrp_chars_valid(hrp));
    CAAS_CHECK(!has_both_cases(hrp));
    std::size_t total = hrp.size() + 1 + values + kBech32ChecksumChars;
    CAAS_CHECK(values <= kBech32MaxChars && total <= kBech32MaxChars);
    out_ = with_case(lower_hrp_, upper);
    out_.reserve(total);
    out_.push_back('1');
  }

  void put(unsigned value) {
    checksum_.feed(value);
    out_.push_back(encode_value(value, upper_));
  }

  std::string finish() && {
    for (unsigned value : checksum_.finish()) {
      out_.push_back(encode_value(value, upper_));
    }
    return std::move(out_);
  }

 private:
  std::string lower_hrp_;
  Checksum checksum_;
  bool upper_;
  std::string out_;
};

std::string encode_bytes(std::string_view hrp, ByteSpan data, bool upper) {
  Encoder encoder(hrp, (data.size() * 8 + 4) / 5, upper);
  // 8-bit to 5-bit groups, the last one padded with zero bits (BIP-173 convertbits, pad=true).
  unsigned acc = 0;
  unsigned bits = 0;
  for (std::uint8_t byte : data) {
    acc = ((acc << 8) | byte) & 0x1FFFU;  // at most 4 + 8 bits are pending
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      encoder.put((acc >> bits) & 31U);
    }
  }
  if (bits > 0) {
    encoder.put((acc << (5 - bits)) & 31U);
  }
  return std::move(encoder).finish();
}

// A string split and checked up to, not including, its data characters.
struct Parts {
  std::string hrp;        // lower-cased
  std::string_view data;  // after the separator, checksum included
};

Result<Parts> split(std::string_view text) {
  if (text.size() > kBech32MaxChars) {
    return invalid_argument("bech32: too long");
  }
  // BIP-173: decoders must reject strings with both cases.
  if (has_both_cases(text)) {
    return invalid_argument("bech32: mixed case");
  }
  // The separator is the last '1'; the hrp may contain '1' but the alphabet does not. (rfind
  // compares data characters with '1', which for a valid string tells nothing.)
  std::size_t separator = text.rfind('1');
  if (separator == std::string_view::npos) {
    return invalid_argument("bech32: no separator");
  }
  std::string_view hrp = text.substr(0, separator);
  if (hrp.empty() || hrp.size() > kBech32MaxHrpChars) {
    return invalid_argument("bech32: human-readable part must have 1 to 83 characters");
  }
  if (!hrp_chars_valid(hrp)) {
    return invalid_argument("bech32: invalid character in human-readable part");
  }
  std::string_view data = text.substr(separator + 1);
  if (data.size() < kBech32ChecksumChars) {
    return invalid_argument("bech32: data part too short");
  }
  return Parts{with_case(hrp, /*upper=*/false), data};
}

// One pass over the data part: maps each character, feeds the checksum and hands the values
// before the checksum to `sink`. Invalid characters are flagged and reported at the end, so
// the time does not depend on where they are.
template <typename Sink>
Status scan_data(const Parts& parts, Sink&& sink) {
  Checksum checksum(parts.hrp);
  std::size_t values = parts.data.size() - kBech32ChecksumChars;
  unsigned invalid = 0;
  for (std::size_t i = 0; i < parts.data.size(); ++i) {
    unsigned v = decode_value(parts.data[i]);
    invalid |= v;
    checksum.feed(v & 31U);
    if (i < values) {
      sink(v & 31U);
    }
  }
  if ((invalid & 0x100U) != 0) {
    return invalid_argument("bech32: invalid character in data part");
  }
  if (!checksum.verifies()) {
    return invalid_argument("bech32: invalid checksum");
  }
  return ok_status();
}

// Whole bytes in the data part; decode_bytes rejects the string if 5 or more bits are left.
std::size_t data_bytes(const Parts& parts) {
  return (parts.data.size() - kBech32ChecksumChars) * 5 / 8;
}

// Decodes the data part of `parts` into `out` of data_bytes(parts) bytes; zeroes `out` on error.
Status decode_bytes(const Parts& parts, MutableByteSpan out) {
  unsigned acc = 0;
  unsigned bits = 0;
  std::size_t o = 0;
  Status status = scan_data(parts, [&](unsigned v) {
    acc = ((acc << 5) | v) & 0xFFFU;  // at most 7 + 5 bits are pending
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<std::uint8_t>(acc >> bits);
    }
  });
  // What is left must be padding of the 8-to-5 conversion: fewer than 5 bits, all zero
  // (BIP-173 convertbits with pad=false). This also makes the encoding unique.
  if (status.ok() && bits >= 5) {
    status = invalid_argument("bech32: invalid padding");
  }
  if (status.ok() && (acc & ((1U << bits) - 1U)) != 0) {
    status = invalid_argument("bech32: non-zero padding bits");
  }
  if (!status.ok()) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
  }
  return status;
}

}  // namespace

std::string bech32_encode(std::string_view hrp, ByteSpan data) {
  return encode_bytes(hrp, data, /*upper=*/false);
}

std::string bech32_encode_upper(std::string_view hrp, ByteSpan data) {
  return encode_bytes(hrp, data, /*upper=*/true);
}

Result<Bech32Decoded> bech32_decode(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(Parts parts, split(text));
  Bytes data(data_bytes(parts));
  CAAS_TRY(decode_bytes(parts, data));
  return Bech32Decoded{std::move(parts.hrp), std::move(data)};
}

Result<std::string> bech32_decode_into(std::string_view text, MutableByteSpan out) {
  Result<std::string> hrp = [&]() -> Result<std::string> {
    CAAS_ASSIGN_OR_RETURN(Parts parts, split(text));
    if (data_bytes(parts) != out.size()) {
      return invalid_argument("bech32: decoded size does not match");
    }
    CAAS_TRY(decode_bytes(parts, out));
    return std::move(parts.hrp);
  }();
  if (!hrp.ok()) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
  }
  return hrp;
}

namespace detail {

Result<Bech32Groups> bech32_decode_groups(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(Parts parts, split(text));
  Bytes values;
  values.reserve(parts.data.size() - kBech32ChecksumChars);
  CAAS_TRY(scan_data(parts, [&](unsigned v) { values.push_back(static_cast<std::uint8_t>(v)); }));
  return Bech32Groups{std::move(parts.hrp), std::move(values)};
}

std::string bech32_encode_groups(std::string_view hrp, ByteSpan values, bool upper) {
  Encoder encoder(hrp, values.size(), upper);
  for (std::uint8_t v : values) {
    CAAS_CHECK(v < kValues);
    encoder.put(v);
  }
  return std::move(encoder).finish();
}

}  // namespace detail
}  // namespace caas
