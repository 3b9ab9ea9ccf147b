// FileStore over the SqliteStore's connection, serialised by the store's mutex.
#pragma once

#include <mutex>

#include "meta/detail/group_commit.h"
#include "meta/detail/sqlite_db.h"
#include "meta/file_store.h"

namespace caas::meta::detail {

class SqliteFiles final : public FileStore {
 public:
  // Writes go through `db` (under `mutex`, batched by `group`); reads through `read_db`, a
  // second connection: in WAL mode it reads the last commit while a write and its flush are in
  // progress, so downloads and upload checks do not queue behind fsyncs.
  SqliteFiles(Database& db, std::mutex& mutex, GroupCommit& group, Database& read_db)
      : db_(db), mutex_(mutex), group_(group), read_db_(read_db) {}

  Result<std::optional<FileRecord>> put_file(const FileRecord& file,
                                             const std::vector<GrantRecord>& grants,
                                             bool overwrite) override;
  Result<std::optional<FileRecord>> find_file(std::string_view owner_id,
                                              std::string_view path) override;
  Result<std::optional<FileRecord>> find_file_by_id(std::string_view file_id) override;
  Result<std::vector<FileRecord>> list_files(std::string_view owner_id, std::string_view prefix,
                                             std::string_view after, int limit) override;
  Result<std::optional<FileRecord>> remove_file(std::string_view owner_id,
                                                std::string_view path) override;

  Status put_grant(const GrantRecord& grant) override;
  Result<std::vector<GrantRecord>> list_grants(std::string_view file_id) override;
  Result<std::optional<GrantRecord>> find_grant(std::string_view file_id,
                                                std::string_view grantee_id) override;
  Result<bool> remove_grant(std::string_view file_id, std::string_view grantee_id) override;
  Result<std::vector<SharedFile>> list_shared(std::string_view grantee_id, int limit) override;

  Result<bool> blob_in_use(std::string_view blob_id) override;

 private:
  // The unlocked steps that put_file and remove_file share; the caller holds mutex_.
  Result<std::optional<FileRecord>> find_file_locked(Database& db, std::string_view owner_id,
                                                     std::string_view path);
  Result<std::optional<FileRecord>> delete_file_locked(std::string_view owner_id,
                                                       std::string_view path);
  Status insert_file(const FileRecord& file);
  Status upsert_grant(const GrantRecord& grant);

  Database& db_;
  std::mutex& mutex_;
  GroupCommit& group_;
  Database& read_db_;
  std::mutex read_mutex_;  // serialises use of read_db_  // put_file commits with other writers:
                           // one fsync for many uploads
};

}  // namespace caas::meta::detail
