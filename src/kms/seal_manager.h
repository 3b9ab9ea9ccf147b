// SealManager: the seal state of one caasd process — uninitialized, sealed or unsealed — and the
// secrets that only exist while unsealed (ARCHITECTURE.md, "Key hierarchy").
//
// init() draws a 256-bit root key, splits it with Shamir into n shares (threshold k), seals a
// fresh keyring under it, stores the keyring, the check value and the SHA-256 of a new root
// (operator) token, and returns the shares and the token once. The root key is never written.
// The server stays sealed after init, as Vault does: operators prove they hold k shares.
//
// unseal() collects shares in guarded memory until k distinct ones are in, then rebuilds the
// root key, checks it against the stored check value, and opens the keyring. seal() drops the
// root key and keyring; their guarded memory is wiped when the last reader lets go (a request
// in flight keeps its shared_ptr until it ends).
//
// Thread-safe. keyring() is lock-free (an atomic shared_ptr), because every later key operation
// reads it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "crypto/locked_bytes.h"
#include "crypto/secret.h"
#include "kms/keyring.h"
#include "meta/metadata_store.h"

namespace caas::kms {

// What every key operation returns while the server is sealed; the API answers it with 503
// `sealed` (api/errors.h), whichever route it comes from.
inline constexpr std::string_view kSealedMessage = "sealed";
inline Status sealed_error() { return error(ErrorCode::kUnavailable, std::string(kSealedMessage)); }

struct SealStatus {
  bool initialized = false;
  bool sealed = true;
  unsigned progress = 0;   // distinct shares collected towards the threshold
  unsigned threshold = 0;  // 0 while uninitialized
  unsigned shares = 0;
};

struct InitResult {
  std::vector<crypto::SecretBytes> shares;  // serialized (crypto::serialize_share), in x order
  crypto::SecretBytes root_token;           // the token's characters
  // The new keyring, so that the caller can audit the init before the server is unsealed;
  // drop it as soon as that is done.
  std::shared_ptr<const Keyring> keyring;
};

class SealManager {
 public:
  // Reads the seal configuration from `store` (which must outlive the manager).
  // Errors: the store's; kDataLoss when stored settings are malformed.
  static Result<std::unique_ptr<SealManager>> load(meta::MetadataStore& store);

  // Errors: kInvalidArgument unless 1 <= k <= n <= 255 and (k >= 2 or n == 1);
  // kAlreadyExists when initialized (here or by another node sharing the database).
  Result<InitResult> init(unsigned shares, unsigned threshold);

  // Adds one serialized share. Errors, each of which resets progress to 0:
  // kFailedPrecondition when not initialized; kInvalidArgument when the share is malformed
  // (wrong length, x = 0); kDecryptionFailed when k shares do not rebuild the root key;
  // kDataLoss when they do but the stored keyring does not open.
  // Already unsealed: returns the status unchanged.
  Result<SealStatus> unseal(ByteSpan share);

  // Wipes the root key, the keyring and any shares collected, then tells every seal listener
  // (which drop their caches of key material). Idempotent.
  void seal();

  // Called after every seal(), on the sealing thread. Add listeners at start-up, before serving.
  void add_seal_listener(std::function<void()> listener);

  [[nodiscard]] SealStatus status() const;

  // Whether `token` is the root token (constant time in the token's contents).
  [[nodiscard]] bool is_root_token(std::string_view token) const;

  // The keyring while unsealed, else nullptr.
  [[nodiscard]] std::shared_ptr<const Keyring> keyring() const { return keyring_.load(); }

 private:
  explicit SealManager(meta::MetadataStore& store) : store_(store) {}
  Status load_settings();
  Result<crypto::LockedBytes> combine_pending();
  Status finish_unseal();

  meta::MetadataStore& store_;
  mutable std::mutex mutex_;  // guards everything below except keyring_
  bool initialized_ = false;
  unsigned shares_ = 0;
  unsigned threshold_ = 0;
  std::string check_value_;
  std::string sealed_keyring_;
  std::optional<crypto::Sha256Digest> root_token_hash_;
  std::vector<crypto::LockedBytes> pending_;  // serialized shares, distinct x
  std::optional<crypto::LockedBytes> root_key_;
  std::atomic<std::shared_ptr<const Keyring>> keyring_;
  std::vector<std::function<void()>> seal_listeners_;
};

}  // namespace caas::kms
