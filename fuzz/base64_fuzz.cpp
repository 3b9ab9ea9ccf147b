// Fuzzes base64 (base/base64.h) for its properties, not just for crashes:
// - decoding is canonical: whenever a decoder accepts a text, encoding the result gives back
//   exactly that text (the malleability check of age's FuzzMalleability);
// - the padded and unpadded forms, and the decode-into variants, agree with each other;
// - any bytes round-trip through both forms.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/base64.h"
#include "base/check.h"

namespace {

void check_padded(std::string_view text) {
  caas::Result<caas::Bytes> decoded = caas::base64_decode(text);
  caas::Result<std::size_t> size = caas::base64_decoded_size(text);
  if (!decoded.ok()) {
    return;
  }
  CAAS_CHECK(caas::base64_encode(*decoded) == text);
  CAAS_CHECK(size.ok() && *size == decoded->size());
  caas::Bytes into(decoded->size(), 0xAA);
  CAAS_CHECK(caas::base64_decode_into(text, into).ok() && into == *decoded);
  // The same bytes without the padding are the unpadded form.
  std::string_view raw = text.substr(0, text.find('='));
  caas::Result<caas::Bytes> unpadded = caas::base64_decode_unpadded(raw);
  CAAS_CHECK(unpadded.ok() && *unpadded == *decoded);
}

void check_unpadded(std::string_view text) {
  caas::Result<caas::Bytes> decoded = caas::base64_decode_unpadded(text);
  if (!decoded.ok()) {
    return;
  }
  CAAS_CHECK(caas::base64_encode_unpadded(*decoded) == text);
  CAAS_CHECK(caas::base64_unpadded_decoded_size(text).value() == decoded->size());
  caas::Bytes into(decoded->size(), 0xAA);
  CAAS_CHECK(caas::base64_decode_unpadded_into(text, into).ok() && into == *decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caas::ByteSpan input(data, size);
  std::string_view text = caas::as_chars(input);
  check_padded(text);
  check_unpadded(text);

  caas::Bytes bytes(input.begin(), input.end());
  caas::Result<caas::Bytes> back = caas::base64_decode(caas::base64_encode(input));
  CAAS_CHECK(back.ok() && *back == bytes);
  caas::Result<caas::Bytes> raw_back =
      caas::base64_decode_unpadded(caas::base64_encode_unpadded(input));
  CAAS_CHECK(raw_back.ok() && *raw_back == bytes);
  return 0;
}
