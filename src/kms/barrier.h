// The barrier: what the root key does, and all it does. It never encrypts data directly; it
// derives two subkeys with HKDF-SHA-256 (RFC 5869), each under its own info label:
//
//   "caas/v1/barrier"     AES-256-GCM key that seals the serialized keyring (random 96-bit
//                         nonce; associated data "caas keyring v1"). Stored as
//                         base64(nonce || ciphertext || tag) in the setting "keyring".
//   "caas/v1/root-check"  HMAC-SHA-256 key; the check value is HMAC(key, "caas root key check v1"),
//                         stored base64 in "seal.check". It tells a wrong reconstruction of the
//                         root key (a bad or foreign share: invalid_share) apart from a keyring
//                         that fails to decrypt under the right root key (a corrupt database).
//
// Functions are pure apart from the CSPRNG; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/locked_bytes.h"
#include "kms/keyring.h"

namespace caas::kms {

inline constexpr std::size_t kRootKeyBytes = 32;

// base64 of the check value of `root_key` (kRootKeyBytes bytes).
Result<std::string> root_check_value(const crypto::LockedBytes& root_key);

// Constant-time comparison of `root_key`'s check value with a stored one.
// Errors: kDecryptionFailed when they differ.
Status verify_root_key(const crypto::LockedBytes& root_key, std::string_view stored_check);

// The keyring sealed under `root_key`, in its stored text form.
Result<std::string> seal_keyring(const crypto::LockedBytes& root_key, const Keyring& keyring);

// The inverse, into guarded memory. Errors: kDataLoss when the stored form is malformed or does
// not authenticate (call it only after verify_root_key succeeded).
Result<Keyring> open_keyring(const crypto::LockedBytes& root_key, std::string_view stored);

}  // namespace caas::kms
