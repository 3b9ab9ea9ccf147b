// The age v1 header (age spec, "Header"): the version line, one or more recipient stanzas and
// the MAC line. Parsing is strict and canonical: every header has exactly one accepted byte
// string, so parse then serialize gives back the input (the property age's FuzzMalleability
// checks). The MAC is not checked here (it needs the file key): see header_mac().
//
// Header and Stanza are plain values, thread-compatible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::format::age {

// age spec, "File key": 128 bits.
inline constexpr std::size_t kFileKeyBytes = 16;
using FileKey = crypto::SecretArray<kFileKeyBytes>;

inline constexpr std::size_t kHeaderMacBytes = 32;
using HeaderMac = std::array<std::uint8_t, kHeaderMacBytes>;

// Our bounds on what a header from the network may hold (not format rules). The largest native
// stanza (mlkem768x25519) is about 1.6 KiB, so these leave room for hundreds of recipients.
inline constexpr std::size_t kMaxHeaderBytes = 1 << 20;
inline constexpr std::size_t kMaxStanzas = 1024;
inline constexpr std::size_t kMaxStanzaArgs = 64;

inline constexpr std::size_t kBodyColumns = 64;  // age spec, "Recipient stanza"

struct Stanza {
  std::string type;               // the first argument
  std::vector<std::string> args;  // the remaining arguments, each 1*VCHAR
  Bytes body;

  friend bool operator==(const Stanza&, const Stanza&) = default;
};

struct Header {
  std::vector<Stanza> stanzas;
  HeaderMac mac{};

  // The bytes the MAC covers: everything up to and including "---" (spec, "Header MAC").
  // Precondition (checked): 1..kMaxStanzas stanzas, each well-formed (valid_stanza()).
  [[nodiscard]] Bytes serialize_without_mac() const;
  // The whole header, ending with the MAC line's LF.
  [[nodiscard]] Bytes serialize() const;

  // Parses exactly one header: `bytes` must end with the MAC line's LF. Errors:
  // kInvalidArgument for anything the spec's ABNF rejects (other versions, CR, empty or
  // non-VCHAR arguments, body lines over 64 columns, a missing short final line, padding or
  // non-canonical base64, a malformed MAC line), no stanza, or our bounds above.
  static Result<Header> parse(ByteSpan bytes);
};

// True when `stanza` can be serialized: a type and args of 1*VCHAR, at most kMaxStanzaArgs.
bool valid_stanza(const Stanza& stanza);

// Where the header in `input` ends: the offset just past the LF of the first line that starts
// with "---", or nullopt if `input` does not hold one yet. This only frames; parse() validates.
std::optional<std::size_t> find_header_end(ByteSpan input);

// HMAC-SHA-256 under HKDF-SHA-256(file key, salt empty, info "header") of
// header.serialize_without_mac() (spec, "Header MAC").
HeaderMac header_mac(const FileKey& file_key, const Header& header);

// Checks header.mac in constant time. Errors: kDecryptionFailed.
Status verify_header_mac(const FileKey& file_key, const Header& header);

}  // namespace caas::format::age
