// The text form of every transit output that names a key version: ciphertexts, HMACs and
// signatures, "caas:v<N>:<base64>" (docs/API.md, "Transit"; the shape of Vault's "vault:v1:").
//
// The form is canonical: each (version, blob) pair has exactly one accepted text, so
// parse_versioned(format_versioned(v, b)) gives back (v, b) and format_versioned of a parsed
// text gives back the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::transit {

// Versions run from 1 to 2^31 - 1, so that they fit a signed 32-bit database column.
inline constexpr std::uint32_t kMaxKeyVersion = 0x7FFF'FFFF;
// The largest blob the text form carries: an AEAD ciphertext of the 1 MiB plaintext limit with
// a 24-byte nonce and a 16-byte tag, with room to spare.
inline constexpr std::size_t kMaxVersionedBlobBytes = (std::size_t{1} << 20) + 64;
// The longest accepted text: the prefix with the largest version, ':', and the blob's base64.
inline constexpr std::size_t kMaxVersionedTextBytes =
    16 + 1 + 4 * ((kMaxVersionedBlobBytes + 2) / 3);

inline constexpr std::string_view kVersionedPrefix = "caas:v";

// "caas:v<version>:<padded standard base64 of blob>". API misuse (aborts): version 0 or over
// kMaxKeyVersion, an empty blob, a blob over kMaxVersionedBlobBytes.
std::string format_versioned(std::uint32_t version, ByteSpan blob);

struct Versioned {
  std::uint32_t version = 0;
  Bytes blob;
};

// Parses the text form strictly: the prefix "caas:v", a decimal version from 1 to
// kMaxKeyVersion without sign or leading zeros, ':', then non-empty canonical padded base64
// (base/base64.h) of at most kMaxVersionedBlobBytes. Texts over kMaxVersionedTextBytes are
// refused unread. Errors: kInvalidArgument (the API layer answers decryption_failed for a
// ciphertext, and invalid for an HMAC or signature); messages never quote the input.
Result<Versioned> parse_versioned(std::string_view text);

}  // namespace caas::transit
