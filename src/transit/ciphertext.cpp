#include "transit/ciphertext.h"

#include "base/base64.h"
#include "base/check.h"

namespace caas::transit {
namespace {

// Parses the decimal version strictly; 0 (never a valid version) for anything malformed.
std::uint32_t parse_version(std::string_view digits) {
  // 2147483647 has 10 digits; a leading zero is refused, so is an empty string.
  if (digits.empty() || digits.size() > 10 || digits.front() == '0') {
    return 0;
  }
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return 0;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value <= kMaxKeyVersion ? static_cast<std::uint32_t>(value) : 0;
}

}  // namespace

std::string format_versioned(std::uint32_t version, ByteSpan blob) {
  CAAS_CHECK(version >= 1 && version <= kMaxKeyVersion);
  CAAS_CHECK(!blob.empty() && blob.size() <= kMaxVersionedBlobBytes);
  std::string text(kVersionedPrefix);
  text += std::to_string(version);
  text += ':';
  text += base64_encode(blob);
  return text;
}

Result<Versioned> parse_versioned(std::string_view text) {
  if (text.size() > kMaxVersionedTextBytes) {
    return invalid_argument("transit: versioned text too long");
  }
  if (!text.starts_with(kVersionedPrefix)) {
    return invalid_argument("transit: versioned text must start with \"caas:v\"");
  }
  text.remove_prefix(kVersionedPrefix.size());
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return invalid_argument("transit: versioned text has no ':' after the version");
  }
  const std::uint32_t version = parse_version(text.substr(0, colon));
  if (version == 0) {
    return invalid_argument("transit: bad version in versioned text");
  }
  const std::string_view encoded = text.substr(colon + 1);
  if (encoded.empty()) {
    return invalid_argument("transit: versioned text has an empty payload");
  }
  Result<Bytes> blob = base64_decode(encoded);
  if (!blob.ok()) {
    return invalid_argument("transit: versioned text payload is not valid base64");
  }
  if (blob->size() > kMaxVersionedBlobBytes) {
    return invalid_argument("transit: versioned text payload too long");
  }
  return Versioned{version, std::move(blob).value()};
}

}  // namespace caas::transit
