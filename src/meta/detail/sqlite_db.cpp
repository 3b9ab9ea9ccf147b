#include "meta/detail/sqlite_db.h"

#include <string>
#include <utility>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caas::meta::detail {

Status sqlite_status(int rc, std::string_view context, sqlite3* db) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return ok_status();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return error(ErrorCode::kUnavailable, std::string(context) + ": database busy");
    case SQLITE_CONSTRAINT:
      return error(ErrorCode::kAlreadyExists, message);
    case SQLITE_FULL:
      return error(ErrorCode::kResourceExhausted, message);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return error(ErrorCode::kIo, message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return error(ErrorCode::kDataLoss, message);
    default:
      return error(ErrorCode::kInternal, message);
  }
}

Statement::~Statement() {
  if (stmt_ == nullptr) {
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// SQLite reads "$2" as a parameter *named* "$2" and numbers parameters in order of first
// appearance, so "SET a = $2 WHERE b = $1" would swap them. Binding by name keeps the
// PostgreSQL meaning of $N whatever the order in the SQL.
int Statement::slot(int index) const {
  const std::string name = "$" + std::to_string(index);
  return sqlite3_bind_parameter_index(stmt_, name.c_str());
}

Status Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away. A null
  // pointer would bind NULL, not '' (a default-constructed string_view has one): never pass it.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc =
      sqlite3_bind_text64(stmt_, slot(index), data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return sqlite_status(rc, "bind", db_);
}

Status Statement::bind(int index, std::int64_t value) {
  return sqlite_status(sqlite3_bind_int64(stmt_, slot(index), value), "bind", db_);
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return sqlite_status(rc, "step", db_);
}

Status Statement::run() {
  CAAS_ASSIGN_OR_RETURN(bool row, step());
  (void)row;
  return ok_status();
}

Result<int> Statement::run_changes() {
  CAAS_TRY(run());
  return sqlite3_changes(db_);
}

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr || size <= 0) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};  // NOLINT
}

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<std::unique_ptr<Database>> Database::open(const std::string& path, int busy_timeout_ms) {
  // Create the file 0600 ourselves: SQLite would use the umask, and the database holds the
  // encrypted keyring and token hashes.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return error(ErrorCode::kIo, "open database " + path + ": cannot create file");
  }
  ::close(fd);
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = sqlite_status(rc, "open database " + path, raw);
    sqlite3_close(raw);
    return status;
  }
  std::unique_ptr<Database> db(new Database(raw));  // NOLINT(cppcoreguidelines-owning-memory)
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  CAAS_TRY(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Database::~Database() {
  for (auto& [sql, stmt] : cache_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

Status Database::exec(const char* sql) {
  return sqlite_status(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), "exec", db_);
}

Result<Statement> Database::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return sqlite_status(rc, "prepare", db_);
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

Result<Transaction> Transaction::begin(Database& db) {
  CAAS_TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    db_->exec("ROLLBACK").ignore_error();
  }
}

Status Transaction::commit() {
  Status status = db_->exec("COMMIT");
  if (status.ok()) {
    db_ = nullptr;
  }
  return status;
}

}  // namespace caas::meta::detail
