// SqliteStore: the embedded MetadataStore, one SQLite file in the data folder.
//
// The database runs in WAL mode with synchronous=FULL (a committed audit entry or key survives a
// power cut), foreign keys on, and a bounded busy timeout: a database locked by another process
// for longer answers kUnavailable instead of hanging a request. Statements are prepared once
// and cached. One connection serves the process behind a mutex: SQLite serialises writers
// anyway, and the reads of caasd are point lookups measured in microseconds.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "meta/metadata_store.h"

namespace caas::meta {

struct SqliteOptions {
  std::string path;  // the database file; created (mode 0600) when missing
  std::chrono::milliseconds busy_timeout{5000};
};

class SqliteStore final : public MetadataStore {
 public:
  // Opens (or creates) the database and applies every pending migration.
  // Errors: kIo when the file cannot be opened, kFailedPrecondition when its schema is newer
  // than this binary, kUnavailable when it stays locked.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  AccountStore& accounts() override;
  TransitStore& transit() override;
  FileStore& files() override;
  Result<std::optional<std::string>> get_setting(std::string_view name) override;
  Status insert_settings(const std::vector<Setting>& settings) override;
  Result<AuditEntry> append_audit(const AuditBuilder& build) override;
  Result<std::vector<AuditEntry>> list_audit(std::int64_t after_seq, int limit) override;
  Status ping() override;
  Result<int> schema_version() override;

 private:
  class Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caas::meta
