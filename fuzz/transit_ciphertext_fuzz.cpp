// Fuzzes the transit text form "caas:v<N>:<base64>" (transit/ciphertext.h) for its properties:
// - the form is canonical: whenever parsing succeeds, formatting the result gives back the input;
// - parsing that text again gives the same version and blob;
// - whatever parses respects the documented bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/check.h"
#include "transit/ciphertext.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = caas::as_chars(caas::ByteSpan(data, size));
  caas::Result<caas::transit::Versioned> parsed = caas::transit::parse_versioned(text);
  if (!parsed.ok()) {
    CAAS_CHECK(parsed.status().code() == caas::ErrorCode::kInvalidArgument);
    return 0;
  }
  CAAS_CHECK(parsed->version >= 1 && parsed->version <= caas::transit::kMaxKeyVersion);
  CAAS_CHECK(!parsed->blob.empty() && parsed->blob.size() <= caas::transit::kMaxVersionedBlobBytes);
  const std::string formatted = caas::transit::format_versioned(parsed->version, parsed->blob);
  CAAS_CHECK(formatted == text);
  caas::Result<caas::transit::Versioned> again = caas::transit::parse_versioned(formatted);
  CAAS_CHECK(again.ok() && again->version == parsed->version && again->blob == parsed->blob);
  return 0;
}
