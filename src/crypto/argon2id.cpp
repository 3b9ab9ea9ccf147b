#include "crypto/argon2id.h"

#include <sodium.h>

#include "base/check.h"
#include "crypto/detail/sodium.h"

namespace caas::crypto {
namespace {

constexpr std::uint32_t kMaxIterations = 16;
constexpr std::uint32_t kMinMemoryKib = 8;                   // RFC 9106 §3.1: m >= 8p KiB
constexpr std::uint64_t kMaxMemoryKib = 4ULL * 1024 * 1024;  // 4 GiB
constexpr std::size_t kMinOutputBytes = 16;
constexpr std::size_t kMaxOutputBytes = 1024;
constexpr std::size_t kMaxPasswordBytes = 4096;

static_assert(kArgon2idSaltBytes == crypto_pwhash_argon2id_SALTBYTES);

}  // namespace

Status Argon2idParams::validate() const {
  if (iterations < 1 || iterations > kMaxIterations) {
    return invalid_argument("argon2id: iterations must be 1 to 16");
  }
  if (memory_kib < kMinMemoryKib || memory_kib > kMaxMemoryKib) {
    return invalid_argument("argon2id: memory must be 8 KiB to 4 GiB");
  }
  return ok_status();
}

Result<SecretBytes> argon2id(ByteSpan password, ByteSpan salt, const Argon2idParams& params,
                             std::size_t out_bytes) {
  CAAS_TRY(params.validate());
  if (salt.size() != kArgon2idSaltBytes) {
    return invalid_argument("argon2id: salt must be 16 bytes");
  }
  if (out_bytes < kMinOutputBytes || out_bytes > kMaxOutputBytes) {
    return invalid_argument("argon2id: output must be 16 to 1024 bytes");
  }
  if (password.size() > kMaxPasswordBytes) {
    return invalid_argument("argon2id: password over 4096 bytes");
  }
  detail::ensure_sodium();
  SecretBytes out(out_bytes);
  // crypto_pwhash takes memory in bytes; ALG_ARGON2ID13 is Argon2id version 0x13 with one lane.
  const std::size_t memory_bytes = static_cast<std::size_t>(params.memory_kib) * 1024;
  // libsodium reads the password through a char pointer it declares non-null, even for an empty
  // password (whose span may hold a null pointer).
  static const char kEmpty = 0;
  const char* password_chars =
      password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());  // NOLINT
  if (crypto_pwhash(out.expose_mutable().data(), out_bytes, password_chars, password.size(),
                    salt.data(), params.iterations, memory_bytes,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // With parameters validated above, the only failure left is the allocation.
    return error(ErrorCode::kResourceExhausted, "argon2id: out of memory");
  }
  return out;
}

}  // namespace caas::crypto
