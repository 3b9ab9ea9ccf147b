// AccountStore over the SqliteStore's connection, serialised by the store's mutex.
#pragma once

#include <mutex>

#include "meta/accounts.h"
#include "meta/detail/sqlite_db.h"

namespace caas::meta::detail {

class SqliteAccounts final : public AccountStore {
 public:
  SqliteAccounts(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

  Result<std::optional<UserRecord>> find_user_by_email(std::string_view email) override;
  Result<std::optional<UserRecord>> find_user(std::string_view user_id) override;
  Status update_password(std::string_view user_id, std::string_view password_hash) override;
  Status update_totp(std::string_view user_id, std::string_view sealed_secret,
                     bool enabled) override;
  Result<bool> advance_totp_step(std::string_view user_id, std::int64_t step) override;

  Status put_pending_registration(const PendingRegistration& pending) override;
  Result<std::optional<PendingRegistration>> find_pending_registration(
      std::string_view email) override;
  Result<std::int64_t> count_pending_attempt(std::string_view email) override;
  Status delete_pending_registration(std::string_view email) override;
  Status create_user_from_pending(const UserRecord& user, std::string_view otp_tag) override;

  Status insert_login_ticket(const LoginTicket& ticket) override;
  Result<std::optional<LoginTicket>> find_login_ticket(std::string_view ticket_hash) override;
  Result<std::int64_t> count_ticket_attempt(std::string_view ticket_hash) override;
  Result<bool> take_login_ticket(std::string_view ticket_hash) override;

  Status insert_session(const SessionRecord& session) override;
  Result<std::optional<SessionRecord>> find_session(std::string_view token_hash) override;
  Status touch_session(std::string_view token_hash, std::int64_t last_seen) override;
  Status delete_session(std::string_view token_hash) override;
  Status delete_user_sessions(std::string_view user_id, std::string_view keep_token_hash) override;

  Status insert_api_key(const ApiKeyRecord& key) override;
  Result<std::optional<ApiKeyRecord>> find_api_key(std::string_view key_hash) override;
  Result<std::vector<ApiKeyRecord>> list_api_keys(std::string_view user_id) override;
  Status delete_api_key(std::string_view user_id, std::string_view key_id) override;

  Status put_user_key(const UserKeyRecord& key) override;
  Result<std::optional<UserKeyRecord>> find_user_key(std::string_view user_id) override;

  Status purge_expired(std::int64_t now) override;

 private:
  Result<std::optional<UserRecord>> find_user_where(const char* sql, std::string_view value);
  // Runs `sql` with text parameters $1.. and returns the rows changed.
  Result<int> change(const char* sql, std::initializer_list<std::string_view> params);

  Database& db_;
  std::mutex& mutex_;
};

}  // namespace caas::meta::detail
