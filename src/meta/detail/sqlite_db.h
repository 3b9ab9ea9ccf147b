// Thin RAII over the SQLite C API: a connection, cached prepared statements, and a transaction
// guard. Every SQLite result code is turned into a Status here, so SqliteStore reads as SQL.
// Not thread-safe: SqliteStore serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace caas::meta::detail {

// Maps a SQLite result code to a Status: BUSY/LOCKED → kUnavailable ("database busy"),
// CONSTRAINT → kAlreadyExists, FULL → kResourceExhausted, IOERR/CANTOPEN → kIo, others kInternal.
Status sqlite_status(int rc, std::string_view context, sqlite3* db);

// A prepared statement borrowed from the cache; reset and unbound when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds parameter `index` (1-based, `$1` is 1).
  Status bind(int index, std::string_view text);
  Status bind(int index, std::int64_t value);

  // Steps once: true when a row is available, false when the statement is done.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Status run();
  // Runs an INSERT, UPDATE or DELETE and returns how many rows it changed.
  Result<int> run_changes();

  [[nodiscard]] std::string column_text(int column) const;
  [[nodiscard]] std::int64_t column_int(int column) const;

 private:
  [[nodiscard]] int slot(int index) const;  // SQLite's index of the parameter named "$index"

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without parameters (pragmas, migrations).
  Status exec(const char* sql);
  // The cached prepared statement for `sql` (prepared on first use).
  Result<Statement> prepare(const char* sql);

  // Whether a transaction is open (SQLite ends one by itself on some I/O errors).
  [[nodiscard]] bool in_transaction() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<const char*, sqlite3_stmt*> cache_;  // keyed by the SQL literal's address
};

// BEGIN IMMEDIATE (takes the write lock up front, so two writers cannot deadlock upgrading
// read locks); rolls back unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace caas::meta::detail
