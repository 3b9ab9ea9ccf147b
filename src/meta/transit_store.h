// The records of src/transit: named keys in per-owner namespaces and their versions. Key
// material is stored only sealed (under the keyring's "transit" key); public keys in clear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace caas::meta {

struct TransitKeyRecord {
  std::string owner_id;  // the user whose namespace holds the key
  std::string name;
  std::string type;  // "aes256-gcm", ... (transit/key_type.h)
  bool derived = false;
  std::int64_t latest_version = 1;
  std::int64_t min_decryption_version = 1;
  std::string created_at;  // RFC 3339
};

struct TransitKeyVersionRecord {
  std::string owner_id;
  std::string name;
  std::int64_t version = 1;
  std::string sealed_material;
  std::string public_key;  // base64; empty for symmetric keys
  std::string created_at;
  // Encryptions counted against this version's nonce bound, reserved ahead in blocks so that
  // a crash can only over-count (transit/transit_service.h).
  std::int64_t encryptions_reserved = 0;
};

class TransitStore {
 public:
  virtual ~TransitStore() = default;

  // Inserts the key and its first version in one transaction, unless the owner already has
  // `max_keys` keys. Errors: kAlreadyExists; kResourceExhausted at the limit.
  virtual Status create_key(const TransitKeyRecord& key,
                            const TransitKeyVersionRecord& first_version,
                            std::int64_t max_keys) = 0;
  virtual Result<std::optional<TransitKeyRecord>> find_key(std::string_view owner_id,
                                                           std::string_view name) = 0;
  // Every version of the key, oldest first.
  virtual Result<std::vector<TransitKeyVersionRecord>> key_versions(std::string_view owner_id,
                                                                    std::string_view name) = 0;
  // Adds `version` (which must be latest + 1) and makes it the latest, in one transaction.
  // Errors: kFailedPrecondition when another rotation got there first.
  virtual Status add_version(const TransitKeyVersionRecord& version) = 0;
  virtual Status set_min_decryption_version(std::string_view owner_id, std::string_view name,
                                            std::int64_t version) = 0;
  // Adds `block` to the version's reserved encryptions and returns the new total.
  virtual Result<std::int64_t> reserve_encryptions(std::string_view owner_id, std::string_view name,
                                                   std::int64_t version, std::int64_t block) = 0;
};

}  // namespace caas::meta
