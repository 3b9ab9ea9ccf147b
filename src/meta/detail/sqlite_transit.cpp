#include "meta/detail/sqlite_transit.h"

namespace caas::meta::detail {

Status SqliteTransit::insert_version(const TransitKeyVersionRecord& version) {
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO transit_key_versions (owner_id, name, version, sealed_material, "
                  "public_key, created_at, encryptions_reserved) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7)"));
  CAAS_TRY(stmt.bind(1, version.owner_id));
  CAAS_TRY(stmt.bind(2, version.name));
  CAAS_TRY(stmt.bind(3, version.version));
  CAAS_TRY(stmt.bind(4, version.sealed_material));
  CAAS_TRY(stmt.bind(5, version.public_key));
  CAAS_TRY(stmt.bind(6, version.created_at));
  CAAS_TRY(stmt.bind(7, version.encryptions_reserved));
  return stmt.run();
}

Status SqliteTransit::create_key(const TransitKeyRecord& key,
                                 const TransitKeyVersionRecord& first_version,
                                 std::int64_t max_keys) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db_));
  {
    CAAS_ASSIGN_OR_RETURN(Statement count,
                          db_.prepare("SELECT COUNT(*) FROM transit_keys WHERE owner_id = $1"));
    CAAS_TRY(count.bind(1, key.owner_id));
    CAAS_ASSIGN_OR_RETURN(bool row, count.step());
    if (row && count.column_int(0) >= max_keys) {
      return error(ErrorCode::kResourceExhausted, "the owner has the most transit keys allowed");
    }
  }
  {
    CAAS_ASSIGN_OR_RETURN(
        Statement stmt,
        db_.prepare("INSERT INTO transit_keys (owner_id, name, type, derived, latest_version, "
                    "min_decryption_version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"));
    CAAS_TRY(stmt.bind(1, key.owner_id));
    CAAS_TRY(stmt.bind(2, key.name));
    CAAS_TRY(stmt.bind(3, key.type));
    CAAS_TRY(stmt.bind(4, std::int64_t{key.derived ? 1 : 0}));
    CAAS_TRY(stmt.bind(5, key.latest_version));
    CAAS_TRY(stmt.bind(6, key.min_decryption_version));
    CAAS_TRY(stmt.bind(7, key.created_at));
    CAAS_TRY(stmt.run());
  }
  CAAS_TRY(insert_version(first_version));
  return tx.commit();
}

Result<std::optional<TransitKeyRecord>> SqliteTransit::find_key(std::string_view owner_id,
                                                                std::string_view name) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("SELECT owner_id, name, type, derived, latest_version, min_decryption_version, "
                  "created_at FROM transit_keys WHERE owner_id = $1 AND name = $2"));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, name));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<TransitKeyRecord>();
  }
  return std::optional<TransitKeyRecord>(TransitKeyRecord{
      stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_int(3) != 0,
      stmt.column_int(4), stmt.column_int(5), stmt.column_text(6)});
}

Result<std::vector<TransitKeyVersionRecord>> SqliteTransit::key_versions(std::string_view owner_id,
                                                                         std::string_view name) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("SELECT owner_id, name, version, sealed_material, public_key, created_at, "
                  "encryptions_reserved FROM transit_key_versions "
                  "WHERE owner_id = $1 AND name = $2 ORDER BY version"));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, name));
  std::vector<TransitKeyVersionRecord> versions;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return versions;
    }
    versions.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_int(2),
                        stmt.column_text(3), stmt.column_text(4), stmt.column_text(5),
                        stmt.column_int(6)});
  }
}

Status SqliteTransit::add_version(const TransitKeyVersionRecord& version) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db_));
  {
    CAAS_ASSIGN_OR_RETURN(
        Statement stmt,
        db_.prepare("UPDATE transit_keys SET latest_version = $3 "
                    "WHERE owner_id = $1 AND name = $2 AND latest_version = $3 - 1"));
    CAAS_TRY(stmt.bind(1, version.owner_id));
    CAAS_TRY(stmt.bind(2, version.name));
    CAAS_TRY(stmt.bind(3, version.version));
    CAAS_ASSIGN_OR_RETURN(int changed, stmt.run_changes());
    if (changed != 1) {
      return error(ErrorCode::kFailedPrecondition, "the key was rotated meanwhile");
    }
  }
  CAAS_TRY(insert_version(version));
  return tx.commit();
}

Status SqliteTransit::set_min_decryption_version(std::string_view owner_id, std::string_view name,
                                                 std::int64_t version) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("UPDATE transit_keys SET min_decryption_version = $3 "
                                    "WHERE owner_id = $1 AND name = $2"));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, name));
  CAAS_TRY(stmt.bind(3, version));
  CAAS_ASSIGN_OR_RETURN(int changed, stmt.run_changes());
  return changed == 1 ? ok_status() : error(ErrorCode::kNotFound, "no such transit key");
}

Result<std::int64_t> SqliteTransit::reserve_encryptions(std::string_view owner_id,
                                                        std::string_view name, std::int64_t version,
                                                        std::int64_t block) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("UPDATE transit_key_versions SET encryptions_reserved = encryptions_reserved + "
                  "$4 WHERE owner_id = $1 AND name = $2 AND version = $3 "
                  "RETURNING encryptions_reserved"));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, name));
  CAAS_TRY(stmt.bind(3, version));
  CAAS_TRY(stmt.bind(4, block));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return error(ErrorCode::kNotFound, "no such transit key version");
  }
  std::int64_t total = stmt.column_int(0);
  CAAS_TRY(stmt.run());
  return total;
}

}  // namespace caas::meta::detail
