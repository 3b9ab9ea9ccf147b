#include "meta/detail/sqlite_files.h"

#include <algorithm>
#include <string>
#include <utility>

namespace caas::meta::detail {
namespace {

constexpr int kMaxListLimit = 1000;

// The columns of a FileRecord, in field order, each prefixed by `t` ("f." or "": RETURNING
// takes only unqualified names). One string literal, as Database::prepare caches by address.
#define CAAS_FILE_COLUMNS(t)                                                                    \
  t "id, " t "owner_id, " t "path, " t "size, " t "sha256, " t "content_type, " t "blob_id, " t \
    "wrapped_dek, " t "mode, " t "created_at, " t "age_header_len, " t "content_hash"
constexpr int kFileColumnCount = 12;

FileRecord read_file(const Statement& stmt, int first = 0) {
  return FileRecord{stmt.column_text(first),
                    stmt.column_text(first + 1),
                    stmt.column_text(first + 2),
                    static_cast<std::uint64_t>(stmt.column_int(first + 3)),
                    stmt.column_text(first + 4),
                    stmt.column_text(first + 5),
                    stmt.column_text(first + 6),
                    stmt.column_text(first + 7),
                    stmt.column_text(first + 8),
                    stmt.column_text(first + 9),
                    static_cast<std::uint64_t>(stmt.column_int(first + 10)),
                    stmt.column_text(first + 11)};
}

// The grant columns a read returns, "g." and "u." being file_grants and the grantee's users row.
#define CAAS_GRANT_COLUMNS \
  "g.file_id, g.grantee_id, u.email, g.permission, g.wrapped_dek, g.created_at, g.age_header"

// Reads the CAAS_GRANT_COLUMNS starting at `first` (a NULL age_header reads as empty).
GrantRecord read_grant(const Statement& stmt, int first = 0) {
  return GrantRecord{stmt.column_text(first),     stmt.column_text(first + 1),
                     stmt.column_text(first + 2), stmt.column_text(first + 3),
                     stmt.column_text(first + 4), stmt.column_text(first + 5),
                     stmt.column_text(first + 6)};
}

// Reads at most one file row: the statement's first row, then runs it to completion (a DELETE
// ... RETURNING finishes its work only when stepped to the end).
Result<std::optional<FileRecord>> read_one_file(Statement& stmt) {
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<FileRecord>();
  }
  FileRecord file = read_file(stmt);
  CAAS_TRY(stmt.run());
  return std::optional<FileRecord>(std::move(file));
}

}  // namespace

Result<std::optional<FileRecord>> SqliteFiles::find_file_locked(Database& db,
                                                                std::string_view owner_id,
                                                                std::string_view path) {
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db.prepare("SELECT " CAAS_FILE_COLUMNS(
                            "f.") " FROM files f WHERE f.owner_id = $1 AND f.path = $2"));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, path));
  return read_one_file(stmt);
}

// Grants go with the row through ON DELETE CASCADE (foreign keys are on: sqlite_db.cpp).
Result<std::optional<FileRecord>> SqliteFiles::delete_file_locked(std::string_view owner_id,
                                                                  std::string_view path) {
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("DELETE FROM files WHERE owner_id = $1 AND path = $2 "
                                    "RETURNING " CAAS_FILE_COLUMNS("")));
  CAAS_TRY(stmt.bind(1, owner_id));
  CAAS_TRY(stmt.bind(2, path));
  return read_one_file(stmt);
}

Status SqliteFiles::insert_file(const FileRecord& file) {
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO files (id, owner_id, path, size, sha256, content_type, blob_id, "
                  "wrapped_dek, mode, created_at, age_header_len, content_hash) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"));
  CAAS_TRY(stmt.bind(1, file.id));
  CAAS_TRY(stmt.bind(2, file.owner_id));
  CAAS_TRY(stmt.bind(3, file.path));
  CAAS_TRY(stmt.bind(4, static_cast<std::int64_t>(file.size)));
  CAAS_TRY(stmt.bind(5, file.sha256));
  CAAS_TRY(stmt.bind(6, file.content_type));
  CAAS_TRY(stmt.bind(7, file.blob_id));
  CAAS_TRY(stmt.bind(8, file.wrapped_dek));
  CAAS_TRY(stmt.bind(9, file.mode));
  CAAS_TRY(stmt.bind(10, file.created_at));
  CAAS_TRY(stmt.bind(11, static_cast<std::int64_t>(file.age_header_len)));
  CAAS_TRY(stmt.bind(12, file.content_hash));
  return stmt.run();
}

Status SqliteFiles::upsert_grant(const GrantRecord& grant) {
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO file_grants (file_id, grantee_id, permission, wrapped_dek, "
                  "created_at, age_header) VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) "
                  "ON CONFLICT (file_id, grantee_id) DO UPDATE SET "
                  "permission = excluded.permission, wrapped_dek = excluded.wrapped_dek, "
                  "created_at = excluded.created_at, age_header = excluded.age_header"));
  CAAS_TRY(stmt.bind(1, grant.file_id));
  CAAS_TRY(stmt.bind(2, grant.grantee_id));
  CAAS_TRY(stmt.bind(3, grant.permission));
  CAAS_TRY(stmt.bind(4, grant.wrapped_dek));
  CAAS_TRY(stmt.bind(5, grant.created_at));
  CAAS_TRY(stmt.bind(6, grant.age_header));
  return stmt.run();
}

Result<std::optional<FileRecord>> SqliteFiles::put_file(const FileRecord& file,
                                                        const std::vector<GrantRecord>& grants,
                                                        bool overwrite) {
  // In a group commit's transaction (BEGIN IMMEDIATE): the existence check and the insert see
  // the same state even when another process shares the database.
  std::optional<FileRecord> replaced;
  auto write = [&]() -> Status {
    replaced.reset();
    if (overwrite) {
      CAAS_ASSIGN_OR_RETURN(replaced, delete_file_locked(file.owner_id, file.path));
    } else {
      // Checked rather than left to the UNIQUE constraint, which SQLite reports with the same
      // code as a missing owner (a foreign key failure).
      CAAS_ASSIGN_OR_RETURN(std::optional<FileRecord> existing,
                            find_file_locked(db_, file.owner_id, file.path));
      if (existing) {
        return error(ErrorCode::kAlreadyExists, "put file: a file already exists at that path");
      }
    }
    CAAS_TRY(insert_file(file));
    for (GrantRecord grant : grants) {
      grant.file_id = file.id;
      CAAS_TRY(upsert_grant(grant));
    }
    return ok_status();
  };
  CAAS_TRY(group_.run(write));
  return replaced;
}

Result<std::optional<FileRecord>> SqliteFiles::find_file(std::string_view owner_id,
                                                         std::string_view path) {
  std::lock_guard lock(read_mutex_);
  return find_file_locked(read_db_, owner_id, path);
}

Result<std::optional<FileRecord>> SqliteFiles::find_file_by_id(std::string_view file_id) {
  std::lock_guard lock(read_mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      read_db_.prepare("SELECT " CAAS_FILE_COLUMNS("f.") " FROM files f WHERE f.id = $1"));
  CAAS_TRY(stmt.bind(1, file_id));
  return read_one_file(stmt);
}

Result<std::vector<FileRecord>> SqliteFiles::list_files(std::string_view owner_id,
                                                        std::string_view prefix,
                                                        std::string_view after, int limit) {
  std::lock_guard lock(read_mutex_);
  // Byte-wise prefix match without LIKE ('%' and '_' are ordinary bytes in a path). As BLOBs,
  // substr() and length() count bytes, not characters, so a multibyte UTF-8 prefix matches
  // exactly. `path >= $2` lets the (owner_id, path) index start the scan at the prefix. Text
  // comparisons use the BINARY collation: memcmp order, which is also the ORDER BY.
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        read_db_.prepare("SELECT " CAAS_FILE_COLUMNS(
                            "f.") " FROM files f WHERE f.owner_id = $1 AND f.path >= $2 "
                                  "AND substr(CAST(f.path AS BLOB), 1, length(CAST($2 AS BLOB))) = "
                                  "CAST($2 AS BLOB) AND f.path > $3 ORDER BY f.path LIMIT $4"));
  CAAS_TRY(stmt.bind(1, owner_id));
  // Through std::string: an empty std::string_view may have a null data(), which SQLite would
  // bind as NULL (and then nothing compares true).
  CAAS_TRY(stmt.bind(2, std::string(prefix)));
  CAAS_TRY(stmt.bind(3, std::string(after)));
  CAAS_TRY(stmt.bind(4, std::int64_t{std::clamp(limit, 1, kMaxListLimit)}));
  std::vector<FileRecord> files;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return files;
    }
    files.push_back(read_file(stmt));
  }
}

Result<std::optional<FileRecord>> SqliteFiles::remove_file(std::string_view owner_id,
                                                           std::string_view path) {
  std::lock_guard lock(mutex_);
  // One statement: the row and, by cascade, its grants go atomically.
  return delete_file_locked(owner_id, path);
}

Status SqliteFiles::put_grant(const GrantRecord& grant) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db_));
  {
    // Checked first: a foreign key failure would surface as kAlreadyExists (sqlite_db.h).
    CAAS_ASSIGN_OR_RETURN(Statement stmt,
                          db_.prepare("SELECT (SELECT COUNT(*) FROM files WHERE id = $1), "
                                      "(SELECT COUNT(*) FROM users WHERE id = $2)"));
    CAAS_TRY(stmt.bind(1, grant.file_id));
    CAAS_TRY(stmt.bind(2, grant.grantee_id));
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row || stmt.column_int(0) == 0) {
      return error(ErrorCode::kNotFound, "put grant: no such file");
    }
    if (stmt.column_int(1) == 0) {
      return error(ErrorCode::kNotFound, "put grant: no such user");
    }
  }
  CAAS_TRY(upsert_grant(grant));
  return tx.commit();
}

Result<std::vector<GrantRecord>> SqliteFiles::list_grants(std::string_view file_id) {
  std::lock_guard lock(read_mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        read_db_.prepare("SELECT " CAAS_GRANT_COLUMNS
                                         " FROM file_grants g JOIN users u ON u.id = g.grantee_id "
                                         "WHERE g.file_id = $1 ORDER BY u.email"));
  CAAS_TRY(stmt.bind(1, file_id));
  std::vector<GrantRecord> grants;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return grants;
    }
    grants.push_back(read_grant(stmt));
  }
}

Result<std::optional<GrantRecord>> SqliteFiles::find_grant(std::string_view file_id,
                                                           std::string_view grantee_id) {
  std::lock_guard lock(read_mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        read_db_.prepare("SELECT " CAAS_GRANT_COLUMNS
                                         " FROM file_grants g JOIN users u ON u.id = g.grantee_id "
                                         "WHERE g.file_id = $1 AND g.grantee_id = $2"));
  CAAS_TRY(stmt.bind(1, file_id));
  CAAS_TRY(stmt.bind(2, grantee_id));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<GrantRecord>();
  }
  return std::optional<GrantRecord>(read_grant(stmt));
}

Result<bool> SqliteFiles::remove_grant(std::string_view file_id, std::string_view grantee_id) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("DELETE FROM file_grants WHERE file_id = $1 AND grantee_id = $2"));
  CAAS_TRY(stmt.bind(1, file_id));
  CAAS_TRY(stmt.bind(2, grantee_id));
  CAAS_ASSIGN_OR_RETURN(int changed, stmt.run_changes());
  return changed > 0;
}

Result<std::vector<SharedFile>> SqliteFiles::list_shared(std::string_view grantee_id, int limit) {
  std::lock_guard lock(read_mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      read_db_.prepare("SELECT " CAAS_FILE_COLUMNS(
          "f.") ", o.email, " CAAS_GRANT_COLUMNS
                " FROM file_grants g JOIN files f ON f.id = g.file_id "
                "JOIN users o ON o.id = f.owner_id JOIN users u ON u.id = g.grantee_id "
                "WHERE g.grantee_id = $1 ORDER BY o.email, f.path LIMIT $2"));
  CAAS_TRY(stmt.bind(1, grantee_id));
  CAAS_TRY(stmt.bind(2, std::int64_t{std::clamp(limit, 1, kMaxListLimit)}));
  std::vector<SharedFile> shared;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return shared;
    }
    shared.push_back({read_file(stmt), stmt.column_text(kFileColumnCount),
                      read_grant(stmt, kFileColumnCount + 1)});
  }
}

Result<bool> SqliteFiles::blob_in_use(std::string_view blob_id) {
  std::lock_guard lock(read_mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        read_db_.prepare("SELECT EXISTS (SELECT 1 FROM files WHERE blob_id = $1)"));
  CAAS_TRY(stmt.bind(1, blob_id));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  return row && stmt.column_int(0) != 0;
}

#undef CAAS_GRANT_COLUMNS
#undef CAAS_FILE_COLUMNS

}  // namespace caas::meta::detail
