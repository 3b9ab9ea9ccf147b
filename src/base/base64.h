// Base64 with the standard alphabet (RFC 4648 §4), in two strict forms: padded (JSON bodies,
// shares) and unpadded (age's header stanzas, Go's base64.RawStdEncoding). Both run in time
// independent of the byte and character values, because base64 carries keys and unseal shares.
//
// Decoding is canonical: every byte string has exactly one accepted text, so decode then encode
// gives back the input. That rules out whitespace, line breaks, the URL-safe alphabet, padding
// in the wrong form, and non-zero unused bits in the last character (RFC 4648 §3.5).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace caas {

// Padded base64 of `bytes`: 4 * ceil(n / 3) characters, '=' filling the last group.
std::string base64_encode(ByteSpan bytes);

// Base64 of `bytes` without '=' padding: ceil(4 * n / 3) characters.
std::string base64_encode_unpadded(ByteSpan bytes);

// Decodes padded base64. Errors (kInvalidArgument; messages never quote the input): a length
// that is not a multiple of 4, a character outside the alphabet (including whitespace and a '='
// anywhere but the last one or two places), non-zero unused bits in the last data character.
Result<Bytes> base64_decode(std::string_view text);

// Decodes unpadded base64. Errors as base64_decode; in addition any '=' is rejected, and so is a
// length of 1 mod 4, which no byte string encodes to.
Result<Bytes> base64_decode_unpadded(std::string_view text);

// The number of bytes `text` decodes to, from its length and padding alone (the characters are
// not checked). kInvalidArgument for a length no byte string encodes to.
Result<std::size_t> base64_decoded_size(std::string_view text);
Result<std::size_t> base64_unpadded_decoded_size(std::string_view text);

// Decode into `out`, which must be exactly the decoded size (a fixed-size key, or a buffer sized
// by *_decoded_size), so that secrets can go straight into wiped memory. Same errors as above,
// plus kInvalidArgument when the sizes differ. On any error `out` is zeroed.
Status base64_decode_into(std::string_view text, MutableByteSpan out);
Status base64_decode_unpadded_into(std::string_view text, MutableByteSpan out);

}  // namespace caas
