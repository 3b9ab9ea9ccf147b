#include "crypto/shamir.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/check.h"
#include "crypto/detail/gf256.h"
#include "crypto/random.h"

namespace caas::crypto {
namespace {

using detail::gf256_inv;
using detail::gf256_mul;

Status check_split_parameters(const SecretBytes& secret, unsigned threshold_k, unsigned shares_n) {
  if (secret.empty()) {
    return invalid_argument("shamir: empty secret");
  }
  if (shares_n == 0 || shares_n > kShamirMaxShares) {
    return invalid_argument("shamir: share count must be 1 to 255");
  }
  if (threshold_k == 0 || threshold_k > shares_n) {
    return invalid_argument("shamir: threshold must be 1 to the share count");
  }
  // A degree-0 polynomial makes every share equal to the secret: that is copying, not
  // splitting, so we only allow it in the degenerate 1-of-1 case.
  if (threshold_k == 1 && shares_n > 1) {
    return invalid_argument("shamir: threshold 1 with several shares would copy the secret");
  }
  return ok_status();
}

// Writes p_i(x) for every byte i into y, by Horner's rule one coefficient row at a time (rows
// are contiguous, see detail::shamir_split_with_coefficients). x is public; the secret bytes
// and coefficients only meet XOR and the constant-time gf256_mul.
void evaluate_at(ByteSpan secret, ByteSpan coefficients, std::uint8_t x, MutableByteSpan y) {
  const std::size_t size = secret.size();
  const std::size_t degree = coefficients.size() / size;
  std::fill(y.begin(), y.end(), std::uint8_t{0});
  for (std::size_t j = degree; j >= 1; --j) {
    ByteSpan row = coefficients.subspan((j - 1) * size, size);
    for (std::size_t i = 0; i < size; ++i) {
      y[i] = gf256_mul(y[i], x) ^ row[i];
    }
  }
  for (std::size_t i = 0; i < size; ++i) {
    y[i] = gf256_mul(y[i], x) ^ secret[i];
  }
}

Status check_shares(std::span<const Share> shares) {
  if (shares.empty()) {
    return invalid_argument("shamir: no shares");
  }
  const std::size_t size = shares.front().y.size();
  std::array<bool, 256> seen{};
  for (const Share& share : shares) {
    if (share.x == 0) {
      return invalid_argument("shamir: share x coordinate is 0");
    }
    if (seen[share.x]) {
      return invalid_argument("shamir: duplicate share x coordinate");
    }
    seen[share.x] = true;
    if (share.y.empty()) {
      return invalid_argument("shamir: empty share");
    }
    if (share.y.size() != size) {
      return invalid_argument("shamir: shares have different lengths");
    }
  }
  return ok_status();
}

// The Lagrange basis polynomial of share j evaluated at 0:
//   l_j(0) = prod_{m != j} (0 - x_m) / (x_j - x_m) = prod_{m != j} x_m / (x_m ^ x_j)
// since subtraction is XOR in characteristic 2. Depends only on the public x coordinates; the
// x are distinct, so no denominator factor is 0.
std::uint8_t lagrange_basis_at_zero(std::span<const Share> shares, std::size_t j) {
  std::uint8_t numerator = 1;
  std::uint8_t denominator = 1;
  for (std::size_t m = 0; m < shares.size(); ++m) {
    if (m != j) {
      numerator = gf256_mul(numerator, shares[m].x);
      denominator = gf256_mul(denominator, shares[m].x ^ shares[j].x);
    }
  }
  return gf256_mul(numerator, gf256_inv(denominator));
}

}  // namespace

SecretBytes serialize_share(const Share& share) {
  CAAS_CHECK(share.x != 0);
  CAAS_CHECK(!share.y.empty());
  SecretBytes out;
  out.reserve(1 + share.y.size());  // one allocation, so no unwiped copy is left behind
  const std::uint8_t x = share.x;
  out.append(ByteSpan(&x, 1));
  out.append(share.y.expose());
  return out;
}

Result<Share> parse_share(ByteSpan serialized) {
  if (serialized.size() < 2) {
    return invalid_argument("shamir: serialized share shorter than 2 bytes");
  }
  if (serialized[0] == 0) {
    return invalid_argument("shamir: share x coordinate is 0");
  }
  return Share{serialized[0], SecretBytes::copy_of(serialized.subspan(1))};
}

Result<std::vector<Share>> shamir_split(const SecretBytes& secret, unsigned threshold_k,
                                        unsigned shares_n) {
  CAAS_TRY(check_split_parameters(secret, threshold_k, shares_n));
  // Every coefficient uniform in GF(2^8), the top one included: a zero top coefficient is as
  // likely as any other value, and excluding it would make k-1 shares leak about the secret.
  // SecretBytes wipes them when this returns.
  SecretBytes coefficients = random_secret(std::size_t{threshold_k - 1} * secret.size());
  return detail::shamir_split_with_coefficients(secret, coefficients, shares_n);
}

Result<SecretBytes> shamir_combine(std::span<const Share> shares) {
  CAAS_TRY(check_shares(shares));
  // secret_i = p_i(0) = sum_j l_j(0) * y_j[i]  (Shamir 1979; addition is XOR).
  SecretBytes secret(shares.front().y.size());
  MutableByteSpan out = secret.expose_mutable();
  for (std::size_t j = 0; j < shares.size(); ++j) {
    const std::uint8_t basis = lagrange_basis_at_zero(shares, j);
    ByteSpan y = shares[j].y.expose();
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] ^= gf256_mul(basis, y[i]);
    }
  }
  return secret;
}

namespace detail {

std::vector<Share> shamir_split_with_coefficients(const SecretBytes& secret,
                                                  const SecretBytes& coefficients,
                                                  unsigned shares_n) {
  const std::size_t size = secret.size();
  CAAS_CHECK(size > 0);
  CAAS_CHECK(coefficients.size() % size == 0);
  const std::size_t threshold_k = coefficients.size() / size + 1;
  CAAS_CHECK(threshold_k <= shares_n);
  CAAS_CHECK(shares_n <= kShamirMaxShares);
  std::vector<Share> shares;
  shares.reserve(shares_n);
  for (unsigned x = 1; x <= shares_n; ++x) {
    Share share{static_cast<std::uint8_t>(x), SecretBytes(size)};
    evaluate_at(secret.expose(), coefficients.expose(), share.x, share.y.expose_mutable());
    shares.push_back(std::move(share));
  }
  return shares;
}

}  // namespace detail

}  // namespace caas::crypto
