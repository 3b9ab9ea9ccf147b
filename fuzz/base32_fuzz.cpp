// Fuzzes base32 (base/base32.h) for its properties, not just for crashes:
// - decoding is canonical up to case and padding (the documented acceptance rules): whenever
//   the decoder accepts a text, encoding the result — padded if the text was — gives back the
//   text upper-cased;
// - base32_decoded_size and base32_decode_into agree with base32_decode;
// - any bytes round-trip, padded or not, upper- or lower-case.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/base32.h"
#include "base/check.h"

namespace {

std::string with_case(std::string_view text, bool upper) {
  std::string out(text);
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

void check_decode(std::string_view text) {
  caas::Result<caas::Bytes> decoded = caas::base32_decode(text);
  caas::Result<std::size_t> size = caas::base32_decoded_size(text);
  if (!decoded.ok()) {
    return;
  }
  bool padded = !text.empty() && text.back() == '=';
  CAAS_CHECK(caas::base32_encode(*decoded, padded) == with_case(text, /*upper=*/true));
  CAAS_CHECK(size.ok() && *size == decoded->size());
  caas::Bytes into(decoded->size(), 0xAA);
  CAAS_CHECK(caas::base32_decode_into(text, into).ok() && into == *decoded);
}

void check_round_trip(caas::ByteSpan input) {
  caas::Bytes bytes(input.begin(), input.end());
  for (bool pad : {false, true}) {
    std::string text = caas::base32_encode(input, pad);
    for (const std::string& variant : {text, with_case(text, /*upper=*/false)}) {
      caas::Result<caas::Bytes> back = caas::base32_decode(variant);
      CAAS_CHECK(back.ok() && *back == bytes);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  check_decode(caas::as_chars(input));
  check_round_trip(input);
  return 0;
}
