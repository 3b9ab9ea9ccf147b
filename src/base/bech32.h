// Bech32 (BIP-173, the original checksum constant 1 — not bech32m, BIP-350), as age uses it
// for `age1…` recipients and `AGE-SECRET-KEY-1…` identities. Data characters are mapped, and
// the checksum computed, in time independent of their values, because identities are secrets.
//
// Decoding follows BIP-173 ("Bech32" section) except for the length: BIP-173 caps a string at
// 90 characters, which age's X25519 keys fit but its post-quantum (ML-KEM hybrid) keys do not,
// so we accept up to kBech32MaxChars instead (a bound against abuse, not a format rule). The
// checksum's guarantee of detecting any 4 errors holds only up to 89 characters; beyond that it
// still catches random corruption with probability 1 - 2^-30.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace caas {

inline constexpr std::size_t kBech32MaxChars = 5000;   // whole string, ours (see above)
inline constexpr std::size_t kBech32MaxHrpChars = 83;  // BIP-173
inline constexpr std::size_t kBech32ChecksumChars = 6;

struct Bech32Decoded {
  std::string hrp;  // human-readable part, lower-cased
  Bytes data;
};

// "hrp" "1" data checksum, lower-case. `data` is split into 5-bit groups, the last one padded
// with zero bits. `hrp` must be 1..83 characters of ASCII 33..126, not mixed-case (it is
// lower-cased), and the result must fit in kBech32MaxChars; anything else is API misuse and
// aborts (hrps are constants such as "age").
std::string bech32_encode(std::string_view hrp, ByteSpan data);

// The same string upper-cased, as age writes identities ("AGE-SECRET-KEY-1…").
std::string bech32_encode_upper(std::string_view hrp, ByteSpan data);

// Decodes a bech32 string whose data part is a whole number of bytes. Errors (kInvalidArgument;
// messages never quote the input): longer than kBech32MaxChars; mixed case; no separator (the
// last '1'); an hrp that is empty, longer than 83 or has a character outside ASCII 33..126; a
// data part shorter than the 6-character checksum or with a character outside the bech32
// alphabet; a wrong checksum; 5 or more padding bits, or non-zero padding bits (BIP-173 "Segwit
// address format": data must convert back to bytes without padding).
Result<Bech32Decoded> bech32_decode(std::string_view text);

// As bech32_decode, but writes the data into `out`, which must be exactly the decoded size
// (a fixed-size key), and returns the lower-cased hrp: a secret identity goes straight into
// wiped memory with no intermediate copy. kInvalidArgument also when the sizes differ. On any
// error `out` is zeroed.
Result<std::string> bech32_decode_into(std::string_view text, MutableByteSpan out);

namespace detail {

// The 5-bit layer, for the BIP-173 test vectors whose data is not a whole number of bytes.
struct Bech32Groups {
  std::string hrp;  // lower-cased
  Bytes values;     // each < 32; the checksum removed
};

// All the checks of bech32_decode except those on padding bits.
Result<Bech32Groups> bech32_decode_groups(std::string_view text);

// Encodes 5-bit `values` (each must be < 32) under the same preconditions as bech32_encode.
std::string bech32_encode_groups(std::string_view hrp, ByteSpan values, bool upper);

}  // namespace detail
}  // namespace caas
