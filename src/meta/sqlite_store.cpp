#include "meta/sqlite_store.h"

#include <mutex>
#include <utility>

#include "meta/detail/group_commit.h"
#include "meta/detail/sqlite_accounts.h"
#include "meta/detail/sqlite_db.h"
#include "meta/detail/sqlite_files.h"
#include "meta/detail/sqlite_transit.h"
#include "meta/schema.h"

namespace caas::meta {

using detail::Database;
using detail::Statement;
using detail::Transaction;

namespace {

constexpr const char* kSelectAuditColumns =
    "SELECT seq, time, actor, action, target, result, prev_hash, hash FROM audit_log ";

AuditEntry read_audit_row(const Statement& stmt) {
  return AuditEntry{stmt.column_int(0),  stmt.column_text(1), stmt.column_text(2),
                    stmt.column_text(3), stmt.column_text(4), stmt.column_text(5),
                    stmt.column_text(6), stmt.column_text(7)};
}

}  // namespace

class SqliteStore::Impl {
 public:
  Impl(std::unique_ptr<Database> db, std::unique_ptr<Database> read_db)
      : db_(std::move(db)),
        read_db_(std::move(read_db)),
        group_(*db_, mutex),
        accounts_(*db_, mutex),
        transit_(*db_, mutex),
        files_(*db_, mutex, group_, *read_db_) {}

  Status migrate();
  Result<int> current_version();
  Result<std::optional<std::string>> get_setting(std::string_view name);
  Status insert_settings(const std::vector<Setting>& settings);
  Result<AuditEntry> append_audit(const AuditBuilder& build);
  Result<std::vector<AuditEntry>> list_audit(std::int64_t after_seq, int limit);
  Status ping() { return db_->exec("SELECT 1"); }

  std::mutex mutex;
  detail::SqliteAccounts& accounts() { return accounts_; }
  detail::SqliteTransit& transit() { return transit_; }
  detail::SqliteFiles& files() { return files_; }

 private:
  Result<std::optional<AuditEntry>> last_audit();
  Status apply(const Migration& migration);

  std::unique_ptr<Database> db_;
  std::unique_ptr<Database> read_db_;  // file lookups (detail/sqlite_files.h)
  detail::GroupCommit group_;          // audit appends and file rows: one fsync for many writers
  detail::SqliteAccounts accounts_;
  detail::SqliteTransit transit_;
  detail::SqliteFiles files_;
};

Result<int> SqliteStore::Impl::current_version() {
  CAAS_TRY(
      db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  return row ? static_cast<int>(stmt.column_int(0)) : 0;
}

Status SqliteStore::Impl::apply(const Migration& migration) {
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(*db_));
  CAAS_TRY(db_->exec(migration.sql).with_context("migration " + std::to_string(migration.version)));
  {
    CAAS_ASSIGN_OR_RETURN(Statement stmt,
                          db_->prepare("INSERT INTO schema_migrations (version, name, applied_at)"
                                       " VALUES ($1, $2, CURRENT_TIMESTAMP)"));
    CAAS_TRY(stmt.bind(1, std::int64_t{migration.version}));
    CAAS_TRY(stmt.bind(2, migration.name));
    CAAS_TRY(stmt.run());
  }
  return tx.commit();
}

Status SqliteStore::Impl::migrate() {
  CAAS_ASSIGN_OR_RETURN(int version, current_version());
  std::span<const Migration> all = migrations();
  int latest = all.empty() ? 0 : all.back().version;
  if (version > latest) {
    return error(ErrorCode::kFailedPrecondition,
                 "database schema version " + std::to_string(version) +
                     " is newer than this caasd knows (" + std::to_string(latest) + ")");
  }
  for (const Migration& migration : all) {
    if (migration.version > version) {
      CAAS_TRY(apply(migration));
    }
  }
  return ok_status();
}

Result<std::optional<std::string>> SqliteStore::Impl::get_setting(std::string_view name) {
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_->prepare("SELECT value FROM settings WHERE name = $1"));
  CAAS_TRY(stmt.bind(1, name));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(stmt.column_text(0));
}

Status SqliteStore::Impl::insert_settings(const std::vector<Setting>& settings) {
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(*db_));
  for (const auto& [name, value] : settings) {
    // A plain INSERT: the primary key makes an existing name a constraint failure, which
    // rolls the whole batch back (kAlreadyExists).
    CAAS_ASSIGN_OR_RETURN(Statement stmt,
                          db_->prepare("INSERT INTO settings (name, value) VALUES ($1, $2)"));
    CAAS_TRY(stmt.bind(1, name));
    CAAS_TRY(stmt.bind(2, value));
    Status status = stmt.run();
    if (status.code() == ErrorCode::kAlreadyExists) {
      return error(ErrorCode::kAlreadyExists, "setting " + name + " already exists");
    }
    CAAS_TRY(status);
  }
  return tx.commit();
}

Result<std::optional<AuditEntry>> SqliteStore::Impl::last_audit() {
  static const std::string sql = std::string(kSelectAuditColumns) + "ORDER BY seq DESC LIMIT 1";
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_->prepare(sql.c_str()));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<AuditEntry>();
  }
  return std::optional<AuditEntry>(read_audit_row(stmt));
}

// Not under `mutex` (the group commit takes it): many appends share one transaction, each
// reading the entry the one before it wrote, so the chain stays whole.
Result<AuditEntry> SqliteStore::Impl::append_audit(const AuditBuilder& build) {
  AuditEntry entry;
  auto write = [&]() -> Status {
    CAAS_ASSIGN_OR_RETURN(std::optional<AuditEntry> last, last_audit());
    entry = build(last ? &*last : nullptr);
    CAAS_CHECK(entry.seq == (last ? last->seq + 1 : 1));  // the builder's contract
    CAAS_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->prepare("INSERT INTO audit_log (seq, time, actor, action, target, result, "
                     "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"));
    CAAS_TRY(stmt.bind(1, entry.seq));
    CAAS_TRY(stmt.bind(2, entry.time));
    CAAS_TRY(stmt.bind(3, entry.actor));
    CAAS_TRY(stmt.bind(4, entry.action));
    CAAS_TRY(stmt.bind(5, entry.target));
    CAAS_TRY(stmt.bind(6, entry.result));
    CAAS_TRY(stmt.bind(7, entry.prev_hash));
    CAAS_TRY(stmt.bind(8, entry.hash));
    return stmt.run();
  };
  CAAS_TRY(group_.run(write));
  return entry;
}

Result<std::vector<AuditEntry>> SqliteStore::Impl::list_audit(std::int64_t after_seq, int limit) {
  static const std::string sql =
      std::string(kSelectAuditColumns) + "WHERE seq > $1 ORDER BY seq LIMIT $2";
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_->prepare(sql.c_str()));
  CAAS_TRY(stmt.bind(1, after_seq));
  CAAS_TRY(stmt.bind(2, std::int64_t{limit}));
  std::vector<AuditEntry> entries;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      break;
    }
    entries.push_back(read_audit_row(stmt));
  }
  return entries;
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  CAAS_ASSIGN_OR_RETURN(
      std::unique_ptr<Database> db,
      Database::open(options.path, static_cast<int>(options.busy_timeout.count())));
  CAAS_ASSIGN_OR_RETURN(
      std::unique_ptr<Database> read_db,
      Database::open(options.path, static_cast<int>(options.busy_timeout.count())));
  auto impl = std::make_unique<Impl>(std::move(db), std::move(read_db));
  CAAS_TRY(impl->migrate());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));  // NOLINT
}

AccountStore& SqliteStore::accounts() { return impl_->accounts(); }
TransitStore& SqliteStore::transit() { return impl_->transit(); }
FileStore& SqliteStore::files() { return impl_->files(); }

Result<std::optional<std::string>> SqliteStore::get_setting(std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  return impl_->get_setting(name);
}

Status SqliteStore::insert_settings(const std::vector<Setting>& settings) {
  std::lock_guard lock(impl_->mutex);
  return impl_->insert_settings(settings);
}

Result<AuditEntry> SqliteStore::append_audit(const AuditBuilder& build) {
  return impl_->append_audit(build);
}

Result<std::vector<AuditEntry>> SqliteStore::list_audit(std::int64_t after_seq, int limit) {
  std::lock_guard lock(impl_->mutex);
  return impl_->list_audit(after_seq, limit);
}

Status SqliteStore::ping() {
  std::lock_guard lock(impl_->mutex);
  return impl_->ping();
}

Result<int> SqliteStore::schema_version() {
  std::lock_guard lock(impl_->mutex);
  return impl_->current_version();
}

}  // namespace caas::meta
