// The metadata schema as numbered migrations, shared by every backend. Each migration is SQL
// that runs unchanged on SQLite 3.40 and PostgreSQL 15: TEXT for strings and for binary values
// (base64), BIGINT for integers, no AUTOINCREMENT/SERIAL (sequence numbers are assigned by the
// code inside the writing transaction), `$1`-style placeholders in statements.
//
// Migrations are applied in order at start, each in its own transaction together with its row in
// schema_migrations. A database whose version is newer than this binary knows is refused.
#pragma once

#include <span>

namespace caas::meta {

struct Migration {
  int version;       // 1, 2, 3, ... in order
  const char* name;  // what it adds, for the schema_migrations row and logs
  const char* sql;   // one or more statements separated by ';'
};

// Every migration, in version order.
std::span<const Migration> migrations();

}  // namespace caas::meta
