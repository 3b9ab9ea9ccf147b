// Fuzzes bech32 (base/bech32.h) for its properties, not just for crashes:
// - decoding is canonical: whenever the decoder accepts a string, encoding the result in the
//   string's case gives it back exactly, at the 5-bit and at the byte level;
// - the byte-level decoders agree with the 5-bit one and with each other;
// - any hrp and 5-bit values within the limits round-trip, and the byte-level decoder accepts
//   them exactly when a plain reference conversion (BIP-173 convertbits) does. Random strings
//   almost never carry a valid checksum, so this is what exercises the padding rules;
// - any hrp and bytes within the limits round-trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bech32.h"
#include "base/check.h"

namespace {

constexpr std::size_t kMaxDataBytes = 2000;  // keeps every encoding under kBech32MaxChars

bool has_upper(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void check_decode(std::string_view text) {
  bool upper = has_upper(text);
  caas::Result<caas::detail::Bech32Groups> groups = caas::detail::bech32_decode_groups(text);
  caas::Result<caas::Bech32Decoded> decoded = caas::bech32_decode(text);
  if (groups.ok()) {
    CAAS_CHECK(caas::detail::bech32_encode_groups(groups->hrp, groups->values, upper) == text);
  }
  if (!decoded.ok()) {
    return;
  }
  CAAS_CHECK(groups.ok() && groups->hrp == decoded->hrp);
  std::string encoded = upper ? caas::bech32_encode_upper(decoded->hrp, decoded->data)
                              : caas::bech32_encode(decoded->hrp, decoded->data);
  CAAS_CHECK(encoded == text);
  caas::Bytes into(decoded->data.size(), 0xAA);
  caas::Result<std::string> hrp = caas::bech32_decode_into(text, into);
  CAAS_CHECK(hrp.ok() && *hrp == decoded->hrp && into == decoded->data);
}

// Takes a valid lower-case hrp of 1 to 16 characters from the front of `input`.
std::string take_hrp(caas::ByteSpan& input) {
  if (input.empty()) {
    return "age";
  }
  std::size_t length = std::min<std::size_t>(1 + input[0] % 16, input.size());
  std::string hrp;
  for (std::size_t i = 0; i < length; ++i) {
    char c = static_cast<char>(33 + input[i] % 94);
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    hrp.push_back(c);
  }
  input = input.subspan(length);
  return hrp;
}

// BIP-173 convertbits(data, 5, 8, pad=false), written plainly as the reference.
std::optional<caas::Bytes> reference_bytes(const caas::Bytes& values) {
  caas::Bytes out;
  unsigned acc = 0;
  unsigned bits = 0;
  for (std::uint8_t v : values) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
    acc &= (1U << bits) - 1U;
  }
  if (bits >= 5 || acc != 0) {
    return std::nullopt;
  }
  return out;
}

void check_group_round_trip(caas::ByteSpan input) {
  std::string hrp = take_hrp(input);
  bool upper = !input.empty() && (input[0] & 1U) != 0;
  caas::Bytes values;
  for (std::uint8_t b : input.first(std::min<std::size_t>(input.size(), kMaxDataBytes))) {
    values.push_back(static_cast<std::uint8_t>(b % 32));
  }
  std::string text = caas::detail::bech32_encode_groups(hrp, values, upper);
  caas::Result<caas::detail::Bech32Groups> groups = caas::detail::bech32_decode_groups(text);
  CAAS_CHECK(groups.ok() && groups->hrp == hrp && groups->values == values);
  std::optional<caas::Bytes> expected = reference_bytes(values);
  caas::Result<caas::Bech32Decoded> decoded = caas::bech32_decode(text);
  CAAS_CHECK(decoded.ok() == expected.has_value());
  if (decoded.ok()) {
    CAAS_CHECK(decoded->hrp == hrp && decoded->data == *expected);
  }
  check_decode(text);
}

void check_byte_round_trip(caas::ByteSpan input) {
  std::string hrp = take_hrp(input);
  input = input.first(std::min<std::size_t>(input.size(), kMaxDataBytes));
  caas::Bytes bytes(input.begin(), input.end());
  for (bool upper : {false, true}) {
    std::string text =
        upper ? caas::bech32_encode_upper(hrp, input) : caas::bech32_encode(hrp, input);
    caas::Result<caas::Bech32Decoded> back = caas::bech32_decode(text);
    CAAS_CHECK(back.ok() && back->hrp == hrp && back->data == bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  check_decode(caas::as_chars(input));
  check_group_round_trip(input);
  check_byte_round_trip(input);
  return 0;
}
