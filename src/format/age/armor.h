// ASCII armor (age spec, "ASCII armor"): strict PEM (RFC 7468 §3, Figure 3) with the label
// "AGE ENCRYPTED FILE", padded base64 in 64-column lines. Whole-buffer functions: armored files
// are for small, 7-bit transports.
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::format::age {

// Our bound on the whitespace tolerated before and after the block (age's armor.go: 1024).
inline constexpr std::size_t kArmorMaxWhitespace = 1024;

// "-----BEGIN AGE ENCRYPTED FILE-----\n", the base64 in lines of 64 columns (the last one
// shorter or full), "-----END AGE ENCRYPTED FILE-----\n". LF line endings.
std::string armor_encode(ByteSpan age_file);

// Decodes an armored file. Accepted, and nothing else: up to kArmorMaxWhitespace bytes of
// ASCII whitespace before the BEGIN line and after the END line; LF or CRLF after each line;
// no EOL after the END line; data lines of exactly 64 columns but the last, which has 1..64;
// canonical padded base64. Errors: kInvalidArgument (the kit's "armor failure") for anything
// else: headers, checksums, empty or whitespace-bearing lines, another label or case, garbage
// around the block.
Result<Bytes> armor_decode(ByteSpan text);

}  // namespace caas::format::age
