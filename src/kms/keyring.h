// Keyring: the named, versioned 256-bit keys that sit under the root key (ARCHITECTURE.md, "Key
// hierarchy"). It exists in clear only while the server is unsealed, and then only in guarded
// memory: the whole keyring is one LockedBytes region in its serialized form, and lookups
// return views into it. At rest it is sealed by the barrier (kms/barrier.h).
//
// Built-in names: "audit" (keys the audit hash chain and the HMAC of sensitive identifiers),
// "files" (per-user KEKs), "otp" (HMAC tags of one-time codes, sealed TOTP secrets), "transit"
// (seals transit key material). Later modules add their own.
//
// Serialized form (all integers big-endian):
//   "CKR1" | u32 count | count × ( u8 name_len (1..64) | name | u32 version (>= 1) | 32 key bytes )
//
// Immutable once built, so a shared_ptr<const Keyring> may be read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/locked_bytes.h"

namespace caas::kms {

inline constexpr std::size_t kKeyringKeyBytes = 32;
inline constexpr std::size_t kKeyringMaxNameBytes = 64;
inline constexpr std::uint32_t kKeyringMaxEntries = 1U << 20;

struct KeyVersion {
  std::uint32_t version = 0;
  ByteSpan key;  // kKeyringKeyBytes bytes inside the keyring's guarded memory
};

class Keyring {
 public:
  // Version 1 of every built-in key, drawn from the CSPRNG.
  static Result<Keyring> generate();

  // Takes ownership of a serialized keyring. Errors: kDataLoss when it is malformed
  // (truncated, bad magic, a duplicate name and version, a count over the bound).
  static Result<Keyring> parse(crypto::LockedBytes serialized);

  // Errors: kNotFound.
  [[nodiscard]] Result<ByteSpan> key(std::string_view name, std::uint32_t version) const;
  [[nodiscard]] Result<KeyVersion> latest(std::string_view name) const;

  // A new keyring with one more version of `name` (version 1 if `name` is new).
  // Errors: kInvalidArgument for an empty or overlong name.
  [[nodiscard]] Result<Keyring> rotated(std::string_view name) const;

  [[nodiscard]] const crypto::LockedBytes& serialized() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return index_.size(); }

 private:
  struct Entry {
    std::string name;
    std::uint32_t version;
    std::size_t offset;  // of the key bytes in bytes_
  };
  Keyring(crypto::LockedBytes bytes, std::vector<Entry> index)
      : bytes_(std::move(bytes)), index_(std::move(index)) {}

  crypto::LockedBytes bytes_;
  std::vector<Entry> index_;
};

}  // namespace caas::kms
