// Argon2id password hashing (RFC 9106), through libsodium's crypto_pwhash with explicit
// parameters. libsodium fixes the salt at 16 bytes and the parallelism at 1 lane; both are
// what caas uses (a random per-user salt; the worker pool provides the parallelism).
//
// Thread-safe. CPU- and memory-heavy by design: run it on a worker pool, never on an I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr std::size_t kArgon2idSaltBytes = 16;

struct Argon2idParams {
  std::uint32_t iterations = 2;      // t
  std::uint32_t memory_kib = 19456;  // m, in KiB (19 MiB: OWASP's minimum for Argon2id)

  // Bounds a stored parameter set must satisfy before we spend resources on it: t in [1, 16],
  // m in [8 KiB, 4 GiB]. Parameters come from our own database, but a corrupt or hostile row
  // must not make a login allocate terabytes.
  [[nodiscard]] Status validate() const;
};

// Derives `out_bytes` (16..1024) bytes from `password` and a 16-byte `salt`.
// Errors: kInvalidArgument (salt size, output size, parameters out of bounds, password over
// 4 KiB), kResourceExhausted (the memory could not be allocated).
Result<SecretBytes> argon2id(ByteSpan password, ByteSpan salt, const Argon2idParams& params,
                             std::size_t out_bytes);

// Stored password hashes, in the PHC string format libsodium writes and reads
// ("$argon2id$v=19$m=<KiB>,t=<iterations>,p=1$<salt>$<hash>"): a fresh 16-byte random salt per
// hash, and the parameters beside it so that they can be raised later (needs_rehash).
//
// Errors: kInvalidArgument (parameters, password over 4 KiB), kResourceExhausted (memory).
Result<std::string> argon2id_hash_password(ByteSpan password, const Argon2idParams& params);

// Whether `password` matches `encoded`, in time that depends only on the stored parameters.
// The parameters are read and bounded (Argon2idParams::validate) before any work, so a corrupt or
// hostile row cannot make a login allocate without limit. Errors: kDataLoss when `encoded` is not
// an Argon2id PHC string within bounds; kResourceExhausted when the memory is not there.
Result<bool> argon2id_verify_password(std::string_view encoded, ByteSpan password);

// The parameters stored in `encoded`. Errors: kDataLoss as above.
Result<Argon2idParams> argon2id_stored_params(std::string_view encoded);

}  // namespace caas::crypto
