// Lower-case hexadecimal (RFC 4648 §8 "base16"). Encoding and decoding run in time independent
// of the byte values, so hex may carry keys (dev key files, test vectors).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace caas {

// Lower-case hex of `bytes`.
std::string hex_encode(ByteSpan bytes);

// Decodes upper- or lower-case hex. Errors: kInvalidArgument for an odd length or a non-hex
// character (the message names neither the character nor its value).
Result<Bytes> hex_decode(std::string_view text);

// Decodes into `out`, which must have exactly text.size() / 2 bytes (for fixed-size secrets).
// On an invalid character `out` is zeroed.
Status hex_decode_into(std::string_view text, MutableByteSpan out);

}  // namespace caas
