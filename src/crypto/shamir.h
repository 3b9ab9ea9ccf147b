// Shamir secret sharing over GF(2^8) (Shamir, "How to Share a Secret", CACM 1979): the root key
// is split into n shares so that any k of them rebuild it and k-1 of them say nothing about it.
// Each byte of the secret is the constant term of its own random polynomial of degree k-1 over
// GF(2^8) with the AES polynomial 0x11B (crypto/detail/gf256.h); share x holds every
// polynomial evaluated at x. All arithmetic on secret bytes is constant time (no tables).
//
// No integrity: a wrong or tampered share still combines, into a wrong secret. The caller
// detects that (the keyring check value in src/kms) and must not trust the output alone.
//
// There is no standard vector set for Shamir over GF(2^8) (shared/vectors/README.md lists
// none), so tests/crypto/shamir_test.cpp checks properties: every k-subset reconstructs, and,
// exhaustively for small parameters, k-1 shares are uniformly distributed whatever the secret.
//
// Functions are pure apart from the CSPRNG and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

// x coordinates are 1..255: x = 0 would be the secret itself.
inline constexpr unsigned kShamirMaxShares = 255;

// One share: its x coordinate and the y byte of every polynomial at x (as long as the secret).
// A plain value, not built through create(): shares arrive from operators, and
// shamir_combine() and parse_share() validate whatever they are given. Move-only, like the
// SecretBytes inside it.
struct Share {
  std::uint8_t x = 0;  // 1..255 in a valid share
  SecretBytes y;       // non-empty in a valid share

  [[nodiscard]] Share clone() const { return Share{x, y.clone()}; }
};

// Serialized share, as handed to operators (base64-encoded by the server):
//
//   byte 0      x coordinate, 1..255
//   bytes 1..   y, one byte per byte of the secret (at least one)
//
// So a share of a 32-byte root key is 33 bytes. The result is secret, hence SecretBytes.
// A share with x = 0 or an empty y is API misuse and aborts.
SecretBytes serialize_share(const Share& share);

// The inverse of serialize_share(). Errors: kInvalidArgument when `serialized` is shorter than
// 2 bytes or x is 0. The message never contains share bytes.
Result<Share> parse_share(ByteSpan serialized);

// Splits `secret` into `shares_n` shares with x = 1..shares_n, any `threshold_k` of which
// reconstruct it. The polynomial coefficients come from the CSPRNG and are wiped before return.
// k = n = 1 is allowed and gives one share whose y is the secret (a degree-0 polynomial).
// Errors (kInvalidArgument): empty secret; shares_n not in 1..255; threshold_k not in
// 1..shares_n; threshold_k = 1 with shares_n > 1 (every share would be a copy of the secret).
Result<std::vector<Share>> shamir_split(const SecretBytes& secret, unsigned threshold_k,
                                        unsigned shares_n);

// Lagrange interpolation at x = 0 over all of `shares`. With at least k shares of one split
// this is the secret (more than k give the same answer); with fewer, or with shares of
// different splits or a tampered share, it is some other value of the same length: the caller
// decides how many shares it needs and checks the result.
// Errors (kInvalidArgument): no shares; an x of 0; two shares with the same x; an empty y;
// y lengths that differ. Messages never contain share bytes.
Result<SecretBytes> shamir_combine(std::span<const Share> shares);

namespace detail {
// shamir_split() with the coefficients given instead of drawn, so tests can enumerate every
// choice. For byte i of the secret the polynomial is
//   secret[i] + c[1][i] x + ... + c[k-1][i] x^(k-1),  c[j][i] = coefficients[(j-1)*size + i]
// with size = secret.size() and k - 1 = coefficients.size() / size. Returns shares_n shares,
// x = 1..shares_n. Aborts unless secret is non-empty, coefficients.size() is a multiple of
// secret.size(), and k <= shares_n <= 255. Unlike shamir_split(), k = 1 with n > 1 is allowed.
std::vector<Share> shamir_split_with_coefficients(const SecretBytes& secret,
                                                  const SecretBytes& coefficients,
                                                  unsigned shares_n);
}  // namespace detail

}  // namespace caas::crypto
