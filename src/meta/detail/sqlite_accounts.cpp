#include "meta/detail/sqlite_accounts.h"

namespace caas::meta::detail {
namespace {

#define CAAS_USER_COLUMNS                                                                        \
  "SELECT id, email, password_hash, created_at, totp_secret, totp_enabled, totp_last_step FROM " \
  "users "

UserRecord read_user(const Statement& stmt) {
  return UserRecord{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                    stmt.column_text(3), stmt.column_text(4), stmt.column_int(5) != 0,
                    stmt.column_int(6)};
}

ApiKeyRecord read_api_key(const Statement& stmt) {
  return ApiKeyRecord{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                      stmt.column_text(3), stmt.column_text(4), stmt.column_text(5)};
}

#define CAAS_API_KEY_COLUMNS "SELECT id, user_id, name, key_hash, scopes, created_at FROM api_keys "

// Reads the single integer a RETURNING statement yields, 0 when no row matched.
Result<std::int64_t> returned_int(Statement& stmt) {
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  std::int64_t value = row ? stmt.column_int(0) : 0;
  if (row) {
    CAAS_TRY(stmt.run());  // finish the statement so that its change is complete
  }
  return value;
}

}  // namespace

Result<int> SqliteAccounts::change(const char* sql,
                                   std::initializer_list<std::string_view> params) {
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_.prepare(sql));
  int index = 1;
  for (std::string_view param : params) {
    CAAS_TRY(stmt.bind(index++, param));
  }
  return stmt.run_changes();
}

Result<std::optional<UserRecord>> SqliteAccounts::find_user_where(const char* sql,
                                                                  std::string_view value) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_.prepare(sql));
  CAAS_TRY(stmt.bind(1, value));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<UserRecord>();
  }
  return std::optional<UserRecord>(read_user(stmt));
}

Result<std::optional<UserRecord>> SqliteAccounts::find_user_by_email(std::string_view email) {
  return find_user_where(CAAS_USER_COLUMNS "WHERE email = $1", email);
}

Result<std::optional<UserRecord>> SqliteAccounts::find_user(std::string_view user_id) {
  return find_user_where(CAAS_USER_COLUMNS "WHERE id = $1", user_id);
}

Status SqliteAccounts::update_password(std::string_view user_id, std::string_view password_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(int changed, change("UPDATE users SET password_hash = $2 WHERE id = $1",
                                            {user_id, password_hash}));
  return changed == 1 ? ok_status() : error(ErrorCode::kNotFound, "no such user");
}

Status SqliteAccounts::update_totp(std::string_view user_id, std::string_view sealed_secret,
                                   bool enabled) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(int changed,
                        change("UPDATE users SET totp_secret = $2, totp_enabled = $3 WHERE id = $1",
                               {user_id, sealed_secret, enabled ? "1" : "0"}));
  return changed == 1 ? ok_status() : error(ErrorCode::kNotFound, "no such user");
}

Result<bool> SqliteAccounts::advance_totp_step(std::string_view user_id, std::int64_t step) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2"));
  CAAS_TRY(stmt.bind(1, user_id));
  CAAS_TRY(stmt.bind(2, step));
  CAAS_ASSIGN_OR_RETURN(int changed, stmt.run_changes());
  return changed == 1;
}

Status SqliteAccounts::put_pending_registration(const PendingRegistration& pending) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO pending_registrations (email, password_hash, otp_tag, expires_at, "
                  "attempts) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (email) DO UPDATE SET "
                  "password_hash = excluded.password_hash, otp_tag = excluded.otp_tag, "
                  "expires_at = excluded.expires_at, attempts = 0"));
  CAAS_TRY(stmt.bind(1, pending.email));
  CAAS_TRY(stmt.bind(2, pending.password_hash));
  CAAS_TRY(stmt.bind(3, pending.otp_tag));
  CAAS_TRY(stmt.bind(4, pending.expires_at));
  return stmt.run();
}

Result<std::optional<PendingRegistration>> SqliteAccounts::find_pending_registration(
    std::string_view email) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("SELECT email, password_hash, otp_tag, expires_at, attempts "
                                    "FROM pending_registrations WHERE email = $1"));
  CAAS_TRY(stmt.bind(1, email));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<PendingRegistration>();
  }
  return std::optional<PendingRegistration>(
      PendingRegistration{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                          stmt.column_int(3), stmt.column_int(4)});
}

Result<std::int64_t> SqliteAccounts::count_pending_attempt(std::string_view email) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("UPDATE pending_registrations SET attempts = attempts + 1 "
                                    "WHERE email = $1 RETURNING attempts"));
  CAAS_TRY(stmt.bind(1, email));
  return returned_int(stmt);
}

Status SqliteAccounts::delete_pending_registration(std::string_view email) {
  std::lock_guard lock(mutex_);
  return change("DELETE FROM pending_registrations WHERE email = $1", {email}).status();
}

Status SqliteAccounts::create_user_from_pending(const UserRecord& user, std::string_view otp_tag) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db_));
  CAAS_ASSIGN_OR_RETURN(
      int taken, change("DELETE FROM pending_registrations WHERE email = $1 AND otp_tag = $2",
                        {user.email, otp_tag}));
  if (taken != 1) {
    return error(ErrorCode::kNotFound, "the pending registration is gone");
  }
  CAAS_TRY(
      change("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
             {user.id, user.email, user.password_hash, user.created_at})
          .status());
  return tx.commit();
}

Status SqliteAccounts::insert_login_ticket(const LoginTicket& ticket) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO login_tickets (ticket_hash, user_id, method, otp_tag, expires_at, "
                  "attempts) VALUES ($1, $2, $3, $4, $5, 0)"));
  CAAS_TRY(stmt.bind(1, ticket.ticket_hash));
  CAAS_TRY(stmt.bind(2, ticket.user_id));
  CAAS_TRY(stmt.bind(3, ticket.method));
  CAAS_TRY(stmt.bind(4, ticket.otp_tag));
  CAAS_TRY(stmt.bind(5, ticket.expires_at));
  return stmt.run();
}

Result<std::optional<LoginTicket>> SqliteAccounts::find_login_ticket(std::string_view ticket_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("SELECT ticket_hash, user_id, method, otp_tag, expires_at, attempts "
                  "FROM login_tickets WHERE ticket_hash = $1"));
  CAAS_TRY(stmt.bind(1, ticket_hash));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<LoginTicket>();
  }
  return std::optional<LoginTicket>(LoginTicket{stmt.column_text(0), stmt.column_text(1),
                                                stmt.column_text(2), stmt.column_text(3),
                                                stmt.column_int(4), stmt.column_int(5)});
}

Result<std::int64_t> SqliteAccounts::count_ticket_attempt(std::string_view ticket_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("UPDATE login_tickets SET attempts = attempts + 1 "
                                    "WHERE ticket_hash = $1 RETURNING attempts"));
  CAAS_TRY(stmt.bind(1, ticket_hash));
  return returned_int(stmt);
}

Result<bool> SqliteAccounts::take_login_ticket(std::string_view ticket_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(int changed,
                        change("DELETE FROM login_tickets WHERE ticket_hash = $1", {ticket_hash}));
  return changed == 1;
}

Status SqliteAccounts::insert_session(const SessionRecord& session) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(
      Statement stmt,
      db_.prepare("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen) "
                  "VALUES ($1, $2, $3, $4, $5)"));
  CAAS_TRY(stmt.bind(1, session.token_hash));
  CAAS_TRY(stmt.bind(2, session.user_id));
  CAAS_TRY(stmt.bind(3, session.created_at));
  CAAS_TRY(stmt.bind(4, session.expires_at));
  CAAS_TRY(stmt.bind(5, session.last_seen));
  return stmt.run();
}

Result<std::optional<SessionRecord>> SqliteAccounts::find_session(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("SELECT token_hash, user_id, created_at, expires_at, "
                                    "last_seen FROM sessions WHERE token_hash = $1"));
  CAAS_TRY(stmt.bind(1, token_hash));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<SessionRecord>();
  }
  return std::optional<SessionRecord>(SessionRecord{stmt.column_text(0), stmt.column_text(1),
                                                    stmt.column_int(2), stmt.column_int(3),
                                                    stmt.column_int(4)});
}

Status SqliteAccounts::touch_session(std::string_view token_hash, std::int64_t last_seen) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("UPDATE sessions SET last_seen = $2 WHERE token_hash = $1"));
  CAAS_TRY(stmt.bind(1, token_hash));
  CAAS_TRY(stmt.bind(2, last_seen));
  return stmt.run();
}

Status SqliteAccounts::delete_session(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  return change("DELETE FROM sessions WHERE token_hash = $1", {token_hash}).status();
}

Status SqliteAccounts::delete_user_sessions(std::string_view user_id,
                                            std::string_view keep_token_hash) {
  std::lock_guard lock(mutex_);
  return change("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
                {user_id, keep_token_hash})
      .status();
}

Status SqliteAccounts::insert_api_key(const ApiKeyRecord& key) {
  std::lock_guard lock(mutex_);
  return change(
             "INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) "
             "VALUES ($1, $2, $3, $4, $5, $6)",
             {key.id, key.user_id, key.name, key.key_hash, key.scopes, key.created_at})
      .status();
}

Result<std::optional<ApiKeyRecord>> SqliteAccounts::find_api_key(std::string_view key_hash) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_.prepare(CAAS_API_KEY_COLUMNS "WHERE key_hash = $1"));
  CAAS_TRY(stmt.bind(1, key_hash));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<ApiKeyRecord>();
  }
  return std::optional<ApiKeyRecord>(read_api_key(stmt));
}

Result<std::vector<ApiKeyRecord>> SqliteAccounts::list_api_keys(std::string_view user_id) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt, db_.prepare(CAAS_API_KEY_COLUMNS
                                                    "WHERE user_id = $1 ORDER BY created_at, id"));
  CAAS_TRY(stmt.bind(1, user_id));
  std::vector<ApiKeyRecord> keys;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return keys;
    }
    keys.push_back(read_api_key(stmt));
  }
}

Status SqliteAccounts::delete_api_key(std::string_view user_id, std::string_view key_id) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(int changed, change("DELETE FROM api_keys WHERE id = $1 AND user_id = $2",
                                            {key_id, user_id}));
  return changed == 1 ? ok_status() : error(ErrorCode::kNotFound, "no such API key");
}

Status SqliteAccounts::put_user_key(const UserKeyRecord& key) {
  std::lock_guard lock(mutex_);
  // One statement: the user check and the upsert cannot be split by a concurrent delete. (The
  // SELECT needs its WHERE for SQLite to parse the ON CONFLICT clause as the upsert's.)
  CAAS_ASSIGN_OR_RETURN(
      int changed,
      change("INSERT INTO user_keys (user_id, public_key, encrypted_identity, kdf, updated_at) "
             "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1) "
             "ON CONFLICT (user_id) DO UPDATE SET public_key = excluded.public_key, "
             "encrypted_identity = excluded.encrypted_identity, kdf = excluded.kdf, "
             "updated_at = excluded.updated_at",
             {key.user_id, key.public_key, key.encrypted_identity, key.kdf, key.updated_at}));
  return changed == 1 ? ok_status() : error(ErrorCode::kNotFound, "no such user");
}

Result<std::optional<UserKeyRecord>> SqliteAccounts::find_user_key(std::string_view user_id) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Statement stmt,
                        db_.prepare("SELECT user_id, public_key, encrypted_identity, kdf, "
                                    "updated_at FROM user_keys WHERE user_id = $1"));
  CAAS_TRY(stmt.bind(1, user_id));
  CAAS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return std::optional<UserKeyRecord>();
  }
  return std::optional<UserKeyRecord>(UserKeyRecord{stmt.column_text(0), stmt.column_text(1),
                                                    stmt.column_text(2), stmt.column_text(3),
                                                    stmt.column_text(4)});
}

Status SqliteAccounts::purge_expired(std::int64_t now) {
  std::lock_guard lock(mutex_);
  CAAS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db_));
  for (const char* sql : {"DELETE FROM pending_registrations WHERE expires_at <= $1",
                          "DELETE FROM login_tickets WHERE expires_at <= $1",
                          "DELETE FROM sessions WHERE expires_at <= $1"}) {
    CAAS_ASSIGN_OR_RETURN(Statement stmt, db_.prepare(sql));
    CAAS_TRY(stmt.bind(1, now));
    CAAS_TRY(stmt.run());
  }
  return tx.commit();
}

}  // namespace caas::meta::detail
