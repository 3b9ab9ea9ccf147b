#include "crypto/argon2id.h"

#include <charconv>

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

constexpr std::string_view kPhcPrefix = "$argon2id$v=19$m=";

// libsodium reads the password through a char pointer it declares non-null, even for an empty
// password (whose span may hold a null pointer).
const char* password_chars(ByteSpan password) {
  static const char kEmpty = 0;
  return password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());  // NOLINT
}

// Reads the decimal number that `text` starts with, up to `terminator`, and advances past both.
bool read_number(std::string_view& text, char terminator, std::uint64_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::size_t used = static_cast<std::size_t>(end - text.data());
  if (ec != std::errc() || used == 0 || used >= text.size() || text[used] != terminator) {
    return false;
  }
  text.remove_prefix(used + 1);
  return true;
}

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
  if (crypto_pwhash(out.expose_mutable().data(), out_bytes, password_chars(password),
                    password.size(), salt.data(), params.iterations, memory_bytes,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // With parameters validated above, the only failure left is the allocation.
    return error(ErrorCode::kResourceExhausted, "argon2id: out of memory");
  }
  return out;
}

Result<std::string> argon2id_hash_password(ByteSpan password, const Argon2idParams& params) {
  CAAS_TRY(params.validate());
  if (password.size() > kMaxPasswordBytes) {
    return invalid_argument("argon2id: password over 4096 bytes");
  }
  detail::ensure_sodium();
  std::string encoded(crypto_pwhash_STRBYTES, '\0');
  const std::size_t memory_bytes = static_cast<std::size_t>(params.memory_kib) * 1024;
  if (crypto_pwhash_str_alg(encoded.data(), password_chars(password), password.size(),
                            params.iterations, memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return error(ErrorCode::kResourceExhausted, "argon2id: out of memory");
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

Result<Argon2idParams> argon2id_stored_params(std::string_view encoded) {
  auto malformed = [] { return error(ErrorCode::kDataLoss, "argon2id: malformed stored hash"); };
  if (encoded.size() >= crypto_pwhash_STRBYTES || !encoded.starts_with(kPhcPrefix)) {
    return malformed();
  }
  std::string_view rest = encoded.substr(kPhcPrefix.size());
  std::uint64_t memory_kib = 0;
  std::uint64_t iterations = 0;
  std::uint64_t lanes = 0;
  if (!read_number(rest, ',', memory_kib) || !rest.starts_with("t=")) {
    return malformed();
  }
  rest.remove_prefix(2);
  if (!read_number(rest, ',', iterations) || !rest.starts_with("p=")) {
    return malformed();
  }
  rest.remove_prefix(2);
  if (!read_number(rest, '$', lanes) || lanes != 1 || memory_kib > kMaxMemoryKib ||
      iterations > kMaxIterations) {
    return malformed();
  }
  Argon2idParams params{static_cast<std::uint32_t>(iterations),
                        static_cast<std::uint32_t>(memory_kib)};
  if (!params.validate().ok()) {
    return malformed();
  }
  return params;
}

Result<bool> argon2id_verify_password(std::string_view encoded, ByteSpan password) {
  if (Result<Argon2idParams> params = argon2id_stored_params(encoded); !params.ok()) {
    return params.status();
  }
  if (password.size() > kMaxPasswordBytes) {
    return false;  // could never have been stored
  }
  detail::ensure_sodium();
  std::string terminated(encoded);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password_chars(password), password.size()) ==
         0;
}

}  // namespace caas::crypto
