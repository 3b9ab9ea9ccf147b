// Email addresses as account identifiers: one canonical byte string per address, so that two
// spellings of the same address cannot open two accounts, and nothing that could smuggle a
// header or a second recipient into a mail (CR/LF, ',', ';', '<', '"') is ever accepted.
//
// This is deliberately stricter than RFC 5321/5322: no quoted local parts, no comments, no
// address literals ("[1.2.3.4]"), no second '@'. Real users' addresses pass; exotic syntax that
// mail software parses inconsistently does not.
//
// Stateless; safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace caas::auth {

// RFC 5321 §4.5.3.1.3: a path holds at most 256 octets including the angle brackets.
inline constexpr std::size_t kMaxEmailBytes = 254;
// Longer input is refused before any work (trimming, UTF-8 checks, normalization).
inline constexpr std::size_t kMaxEmailInputBytes = 1024;
inline constexpr std::size_t kMaxEmailLocalBytes = 64;    // RFC 5321 §4.5.3.1.1
inline constexpr std::size_t kMaxEmailDomainBytes = 253;  // RFC 1035 §2.3.4, without the root dot
inline constexpr std::size_t kMaxEmailLabelBytes = 63;    // RFC 1035 §2.3.4, ASCII labels

// Returns the canonical form of `input`:
// - ASCII whitespace (space, \t, \r, \n) trimmed at both ends;
// - NFC-normalized (Unicode UAX #15), so "e" + U+0301 and "é" give the same bytes;
// - the ASCII letters of the domain lower-cased; the local part is kept as is (RFC 5321 §2.4
//   lets the receiving host treat it case-sensitively).
// The result is split at its '@' into a local part of 1..64 bytes and a domain of 1..253 bytes
// whose '.'-separated labels are non-empty, neither start nor end with '-', and are either
// ASCII [a-z0-9-] of at most 63 bytes, or hold non-ASCII characters (an internationalized
// name, kept as UTF-8; its ASCII characters are still limited to [a-z0-9-]). The whole result
// is at most kMaxEmailBytes.
//
// Errors: kInvalidArgument, message "field email: <reason>", for input longer than
// kMaxEmailInputBytes, invalid UTF-8, no '@' or more than one, an empty or long part, control
// characters (C0, DEL, C1), whitespace or Unicode line/paragraph separators inside, any of
// < > ( ) [ ] , ; : \ " and a malformed domain. Messages never quote the input.
//
// Idempotent: normalize_email(*normalize_email(x)) == *normalize_email(x).
Result<std::string> normalize_email(std::string_view input);

}  // namespace caas::auth
