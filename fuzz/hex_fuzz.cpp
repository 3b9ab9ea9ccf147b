// Fuzzes the hex codec (base/hex.h) for its properties, not just for crashes:
// - decoding is canonical up to case: decode then encode gives back the input lower-cased;
// - hex_decode_into agrees with hex_decode;
// - any bytes round-trip through encode then decode.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/check.h"
#include "base/hex.h"

namespace {

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  std::string_view text = caas::as_chars(input);

  caas::Result<caas::Bytes> decoded = caas::hex_decode(text);
  if (decoded.ok()) {
    CAAS_CHECK(caas::hex_encode(*decoded) == to_lower(text));
  }
  caas::Bytes into(size / 2, 0xAA);
  caas::Status status = caas::hex_decode_into(text, into);
  CAAS_CHECK(status.ok() == decoded.ok());
  if (decoded.ok()) {
    CAAS_CHECK(into == *decoded);
  }

  caas::Result<caas::Bytes> back = caas::hex_decode(caas::hex_encode(input));
  CAAS_CHECK(back.ok() && *back == caas::Bytes(input.begin(), input.end()));
  return 0;
}
