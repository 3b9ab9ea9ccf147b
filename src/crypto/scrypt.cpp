#include "crypto/scrypt.h"

#include <openssl/evp.h>

#include "crypto/ossl.h"

namespace caas::crypto {
namespace {

constexpr std::uint32_t kMaxLog2N = 30;
constexpr std::size_t kMaxOutputBytes = 1024;

// RFC 7914 §2: V holds N blocks of 128*r bytes; B holds p such blocks; XY needs 256*r more.
std::uint64_t memory_needed(const ScryptParams& params) {
  const std::uint64_t block = 128ULL * params.r;
  return block * ((1ULL << params.log2_n) + params.p + 2);
}

}  // namespace

Result<SecretBytes> scrypt(ByteSpan password, ByteSpan salt, const ScryptParams& params,
                           std::size_t out_bytes) {
  if (params.log2_n < 1 || params.log2_n > kMaxLog2N) {
    return invalid_argument("scrypt: log2(N) must be 1 to 30");
  }
  if (params.r == 0 || params.p == 0 ||
      static_cast<std::uint64_t>(params.r) * params.p >= (1ULL << 30)) {
    return invalid_argument("scrypt: r and p must be positive with r*p < 2^30");
  }
  if (out_bytes == 0 || out_bytes > kMaxOutputBytes) {
    return invalid_argument("scrypt: output must be 1 to 1024 bytes");
  }
  const std::uint64_t needed = memory_needed(params);
  if (needed > params.max_memory_bytes) {
    return error(ErrorCode::kResourceExhausted, "scrypt: work factor exceeds the memory limit");
  }
  SecretBytes out(out_bytes);
  // OpenSSL enforces maxmem itself too; give it exactly the bound we checked.
  const char* password_chars = reinterpret_cast<const char*>(password.data());  // NOLINT
  if (EVP_PBE_scrypt(password_chars, password.size(), salt.data(), salt.size(),
                     1ULL << params.log2_n, params.r, params.p, needed + 1024,
                     out.expose_mutable().data(), out_bytes) != 1) {
    return ossl::error(ErrorCode::kResourceExhausted, "scrypt");
  }
  return out;
}

}  // namespace caas::crypto
