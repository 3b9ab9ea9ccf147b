// TransitService: encryption as a service (API.md, "Transit") over named, versioned keys in
// per-owner namespaces.
//
// - Key material exists in clear only in memory, inside KeyVersionCipher objects built on first
//   use and cached (no database read on the hot path); at rest each version is sealed with
//   XChaCha20-Poly1305 under an HKDF subkey of the keyring's "transit" key, its associated data
//   binding owner, name and version. The cache is dropped on seal (clear_cache) and a cached key
//   re-reads its record every refresh_interval, so a rotation or a new
//   min_decryption_version made by another node shows within seconds.
// - Nonce safety: aes256-gcm and chacha20-poly1305 draw random 96-bit nonces, which NIST SP
//   800-38D bounds at 2^32 messages per key. Encryptions per version are counted; the count is
//   reserved in the database ahead of use in blocks (a crash can only over-count) and the key
//   rotates itself when the latest version reaches rotate_after_encryptions.
// - Errors: kNotFound (no such key in the namespace), kAlreadyExists (create), kInvalidArgument
//   (bad input; "context_required: ..." for a derived key without context), kDecryptionFailed
//   (any mismatch), kUnavailable "sealed", kResourceExhausted (a limit of TransitConfig).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"
#include "meta/transit_store.h"
#include "transit/key_type.h"
#include "transit/key_version.h"

namespace caas::transit {

struct TransitConfig {
  // NIST SP 800-38D's 2^32 for random 96-bit nonces, less a margin for requests in flight.
  std::uint64_t rotate_after_encryptions = (std::uint64_t{1} << 32) - (std::uint64_t{1} << 24);
  std::int64_t reserve_block = 1 << 16;
  std::chrono::seconds refresh_interval{5};
  // Bounds on what one user can make the server store and keep in memory.
  std::int64_t max_keys_per_owner = 1000;
  std::size_t max_versions_per_key = 1000;
};

struct KeyInfo {
  struct Version {
    std::uint32_t version = 0;
    std::string created_at;
    std::uint64_t encryptions = 0;
    std::string public_key;  // base64; empty for symmetric keys
  };
  std::string name;
  KeyType type = KeyType::kAes256Gcm;
  bool derived = false;
  std::uint32_t latest_version = 1;
  std::uint32_t min_decryption_version = 1;
  std::vector<Version> versions;
};

struct DataKey {
  std::string ciphertext;
  crypto::SecretBytes plaintext;
};

class TransitService {
 public:
  // Everything passed must outlive the service.
  TransitService(meta::TransitStore& store, kms::SealManager& seal, kms::AuditLog& audit,
                 const Clock& clock, TransitConfig config = {});

  Result<KeyInfo> create_key(std::string_view owner, std::string_view name, KeyType type,
                             bool derived);
  Result<KeyInfo> key_info(std::string_view owner, std::string_view name);
  // OK when the key exists and the server is unsealed (cheap: a cache lookup).
  Status check_key(std::string_view owner, std::string_view name);
  Result<KeyInfo> rotate(std::string_view owner, std::string_view name);
  // Errors: kInvalidArgument unless 1 <= version <= latest.
  Result<KeyInfo> set_min_decryption_version(std::string_view owner, std::string_view name,
                                             std::int64_t version);

  Result<std::string> encrypt(std::string_view owner, std::string_view name, ByteSpan plaintext,
                              ByteSpan context, ByteSpan associated_data);
  Result<crypto::SecretBytes> decrypt(std::string_view owner, std::string_view name,
                                      std::string_view ciphertext, ByteSpan context,
                                      ByteSpan associated_data);
  // Decrypts and encrypts again under the latest version; the plaintext never leaves.
  Result<std::string> rewrap(std::string_view owner, std::string_view name,
                             std::string_view ciphertext, ByteSpan context,
                             ByteSpan associated_data);
  // A fresh random key of `bits` (128, 256, 512) and its ciphertext under the latest version.
  Result<DataKey> datakey(std::string_view owner, std::string_view name, ByteSpan context,
                          unsigned bits);
  Result<std::string> hmac(std::string_view owner, std::string_view name, ByteSpan input,
                           ByteSpan context);
  Result<bool> verify_hmac(std::string_view owner, std::string_view name, ByteSpan input,
                           std::string_view hmac, ByteSpan context);
  Result<std::string> sign(std::string_view owner, std::string_view name, ByteSpan input);
  Result<bool> verify(std::string_view owner, std::string_view name, ByteSpan input,
                      std::string_view signature);

  // Drops every cached key version (their memory is wiped as the last user lets go).
  void clear_cache();

 private:
  struct VersionState {
    std::shared_ptr<const KeyVersionCipher> cipher;
    std::string created_at;
    std::int64_t counted_before = 0;  // reserved in the database when this process loaded it
    std::int64_t reserved = 0;        // reserved now
  };
  struct CachedKey {
    std::mutex mutex;  // guards everything below
    meta::TransitKeyRecord record;
    KeyType type = KeyType::kAes256Gcm;
    std::vector<VersionState> versions;  // index = version - 1
    Clock::TimePoint loaded_at;
  };

  Result<std::shared_ptr<CachedKey>> load(std::string_view owner, std::string_view name);
  Status refresh(CachedKey& key, const kms::Keyring& keyring);
  Result<std::shared_ptr<const KeyVersionCipher>> latest(CachedKey& key);
  Result<std::shared_ptr<const KeyVersionCipher>> for_version(CachedKey& key,
                                                              std::uint32_t version);
  Status count_encryption(CachedKey& key, const KeyVersionCipher& cipher);
  Status add_version_locked(CachedKey& key, const kms::Keyring& keyring);
  KeyInfo info_locked(const CachedKey& key) const;
  Result<KeyInfo> info_of(const std::shared_ptr<CachedKey>& key);

  meta::TransitStore& store_;
  kms::SealManager& seal_;
  kms::AuditLog& audit_;
  const Clock& clock_;
  TransitConfig config_;
  std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, std::shared_ptr<CachedKey>> cache_;  // owner '\0' name
};

}  // namespace caas::transit
