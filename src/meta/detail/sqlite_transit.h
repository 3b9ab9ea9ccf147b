// TransitStore over the SqliteStore's connection, serialised by the store's mutex.
#pragma once

#include <mutex>

#include "meta/detail/sqlite_db.h"
#include "meta/transit_store.h"

namespace caas::meta::detail {

class SqliteTransit final : public TransitStore {
 public:
  SqliteTransit(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

  Status create_key(const TransitKeyRecord& key, const TransitKeyVersionRecord& first_version,
                    std::int64_t max_keys) override;
  Result<std::optional<TransitKeyRecord>> find_key(std::string_view owner_id,
                                                   std::string_view name) override;
  Result<std::vector<TransitKeyVersionRecord>> key_versions(std::string_view owner_id,
                                                            std::string_view name) override;
  Status add_version(const TransitKeyVersionRecord& version) override;
  Status set_min_decryption_version(std::string_view owner_id, std::string_view name,
                                    std::int64_t version) override;
  Result<std::int64_t> reserve_encryptions(std::string_view owner_id, std::string_view name,
                                           std::int64_t version, std::int64_t block) override;

 private:
  Status insert_version(const TransitKeyVersionRecord& version);

  Database& db_;
  std::mutex& mutex_;
};

}  // namespace caas::meta::detail
