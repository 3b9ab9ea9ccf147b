// MetadataStore: everything caasd keeps apart from blobs — settings (seal configuration and the
// encrypted keyring), the audit log, users (meta/accounts.h), transit keys, files and grants.
// Backends: SqliteStore (embedded default) and, later, PostgreSQL, over the same schema
// (meta/schema.h).
//
// Implementations are thread-safe: every method may be called from any thread. Errors:
// kUnavailable when the database stays busy or locked past its bounded wait, kIo / kInternal for
// other database failures, kDataLoss when stored rows are malformed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "meta/accounts.h"
#include "meta/file_store.h"
#include "meta/transit_store.h"

namespace caas::meta {

// One row of the append-only audit log. Hashes are lower-case hex; time is RFC 3339 UTC.
struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3, ... without gaps
  std::string time;
  std::string actor;
  std::string action;
  std::string target;
  std::string result;
  std::string prev_hash;
  std::string hash;

  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

using Setting = std::pair<std::string, std::string>;

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Users, sessions, API keys (meta/accounts.h); lives as long as the store.
  virtual AccountStore& accounts() = 0;
  // Transit keys (meta/transit_store.h); lives as long as the store.
  virtual TransitStore& transit() = 0;
  // Files and grants (meta/file_store.h); lives as long as the store.
  virtual FileStore& files() = 0;

  // The value of setting `name`, or nullopt when it was never written.
  virtual Result<std::optional<std::string>> get_setting(std::string_view name) = 0;

  // Writes `settings` in one transaction, only if none of their names exists yet.
  // Errors: kAlreadyExists (nothing written) when one does.
  virtual Status insert_settings(const std::vector<Setting>& settings) = 0;

  // Builds the next audit entry from the last one (nullptr for the first) and appends it, in one
  // transaction that excludes every other writer, so that the chain has no forks or gaps even
  // across processes sharing the database. `build` must return an entry whose seq is
  // last.seq + 1 (or 1). Returns the entry written.
  using AuditBuilder = std::function<AuditEntry(const AuditEntry* last)>;
  virtual Result<AuditEntry> append_audit(const AuditBuilder& build) = 0;

  // Up to `limit` entries with seq > after_seq, in seq order.
  virtual Result<std::vector<AuditEntry>> list_audit(std::int64_t after_seq, int limit) = 0;

  // A cheap round trip to the database (readiness checks).
  virtual Status ping() = 0;

  // The highest schema migration applied.
  virtual Result<int> schema_version() = 0;
};

}  // namespace caas::meta
