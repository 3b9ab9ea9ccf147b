// Base32 with the RFC 4648 §6 alphabet (A-Z, 2-7), for TOTP secrets: otpauth:// URIs carry
// them unpadded and upper-case (Google Authenticator's Key Uri Format), and people type them
// into apps in either case. Encoding and decoding run in time independent of the byte and
// character values, because the secrets are keys.
//
// What the decoder accepts, and why:
// - Upper- or lower-case letters, also mixed ("JBSWY3dp" = "JBSWY3DP"): the alphabet has one
//   letter per value whatever its case (RFC 4648 §6 is upper-case; authenticators accept both).
// - The text either unpadded, or padded exactly as §6 pads it: the whole text a multiple of 8
//   characters and the last group filled with the one right number of '=' (6, 4, 3 or 1).
//   Partial or excess padding is rejected.
// - Nothing else: no whitespace, hyphens or other separators (a caller that lets users type
//   "JBSW Y3DP" removes the spaces itself), no '0', '1', '8', '9'.
// - Lengths of 1, 3 or 6 characters mod 8 are rejected: no byte string encodes to them.
// - Non-zero unused bits in the last character are rejected (§3.5), so each byte string has one
//   accepted text up to case and padding: decode then encode gives back the input upper-cased.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace caas {

// Upper-case base32 of `bytes`; with `pad` the last group is filled up to 8 characters with
// '=' (§6), without it (the otpauth:// form) the text ends at the last data character.
std::string base32_encode(ByteSpan bytes, bool pad);

// Decodes base32 as described above. Errors (kInvalidArgument; messages never quote the
// input): an impossible length, wrong padding, a character outside the alphabet, non-zero
// unused bits.
Result<Bytes> base32_decode(std::string_view text);

// The number of bytes `text` decodes to, from its length and padding alone (the characters
// are not checked). kInvalidArgument for an impossible length or wrong padding.
Result<std::size_t> base32_decoded_size(std::string_view text);

// Decodes into `out`, which must be exactly the decoded size (see base32_decoded_size), so that
// a secret can go straight into wiped memory. Same errors as base32_decode, plus
// kInvalidArgument when the sizes differ. On any error `out` is zeroed.
Status base32_decode_into(std::string_view text, MutableByteSpan out);

}  // namespace caas
