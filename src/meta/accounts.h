// The account records of src/auth (users, pending registrations, login tickets, sessions, API
// keys) and the store operations on them. Secrets are never stored: tokens and API keys appear as
// SHA-256 hex, one-time codes as HMAC tags, passwords as Argon2id PHC strings, TOTP secrets
// sealed under a keyring key. Times are Unix seconds unless named *_at text (RFC 3339).
//
// Operations that must happen once (using a login ticket, accepting a TOTP step, turning a
// pending registration into a user) are single conditional statements or one transaction, so
// two concurrent requests cannot both succeed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace caas::meta {

struct UserRecord {
  std::string id;     // UUID
  std::string email;  // normalised (auth/email.h)
  std::string password_hash;
  std::string created_at;   // RFC 3339
  std::string totp_secret;  // sealed; empty when never enrolled
  bool totp_enabled = false;
  std::int64_t totp_last_step = 0;  // the newest TOTP step accepted (never accepted again)
};

struct PendingRegistration {
  std::string email;
  std::string password_hash;
  std::string otp_tag;
  std::int64_t expires_at = 0;
  std::int64_t attempts = 0;
};

struct LoginTicket {
  std::string ticket_hash;
  std::string user_id;
  std::string method;   // "email" or "totp"
  std::string otp_tag;  // email codes only
  std::int64_t expires_at = 0;
  std::int64_t attempts = 0;
};

struct SessionRecord {
  std::string token_hash;
  std::string user_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;  // absolute expiry
  std::int64_t last_seen = 0;   // for the idle expiry
};

struct ApiKeyRecord {
  std::string id;  // UUID
  std::string user_id;
  std::string name;
  std::string key_hash;
  std::string scopes;  // space-separated
  std::string created_at;
};

// A user's age key pair for zero-knowledge mode (API.md, "Files (zero-knowledge mode)"). The
// server cannot open encrypted_identity: the client encrypted it under a key derived from the
// password by the KDF that `kdf` describes.
struct UserKeyRecord {
  std::string user_id;
  std::string public_key;          // "age1…"
  std::string encrypted_identity;  // standard base64, as the client sent it
  std::string kdf;                 // the client's KDF parameters: a JSON object, serialized
  std::string updated_at;          // RFC 3339

  friend bool operator==(const UserKeyRecord&, const UserKeyRecord&) = default;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual Result<std::optional<UserRecord>> find_user_by_email(std::string_view email) = 0;
  virtual Result<std::optional<UserRecord>> find_user(std::string_view user_id) = 0;
  virtual Status update_password(std::string_view user_id, std::string_view password_hash) = 0;
  // Sets the (sealed) TOTP secret and whether it is on; last_step is kept.
  virtual Status update_totp(std::string_view user_id, std::string_view sealed_secret,
                             bool enabled) = 0;
  // Records `step` as the newest accepted TOTP step, only if it is newer than the stored one.
  // Returns false when it is not (a replay, or a concurrent request took it first).
  virtual Result<bool> advance_totp_step(std::string_view user_id, std::int64_t step) = 0;

  // Inserts or replaces the pending registration of its email.
  virtual Status put_pending_registration(const PendingRegistration& pending) = 0;
  virtual Result<std::optional<PendingRegistration>> find_pending_registration(
      std::string_view email) = 0;
  // Adds one failed attempt and returns the new count (0 when there is no such registration).
  virtual Result<std::int64_t> count_pending_attempt(std::string_view email) = 0;
  virtual Status delete_pending_registration(std::string_view email) = 0;
  // In one transaction: deletes the pending registration of user.email (which must still carry
  // `otp_tag`) and inserts the user. Errors: kNotFound when the pending registration is gone or
  // was replaced meanwhile; kAlreadyExists when the email is taken.
  virtual Status create_user_from_pending(const UserRecord& user, std::string_view otp_tag) = 0;

  virtual Status insert_login_ticket(const LoginTicket& ticket) = 0;
  virtual Result<std::optional<LoginTicket>> find_login_ticket(std::string_view ticket_hash) = 0;
  virtual Result<std::int64_t> count_ticket_attempt(std::string_view ticket_hash) = 0;
  // Deletes the ticket; false when it was already gone (so it is used at most once).
  virtual Result<bool> take_login_ticket(std::string_view ticket_hash) = 0;

  virtual Status insert_session(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> find_session(std::string_view token_hash) = 0;
  virtual Status touch_session(std::string_view token_hash, std::int64_t last_seen) = 0;
  virtual Status delete_session(std::string_view token_hash) = 0;
  // Ends every session of the user except `keep_token_hash` (empty: all of them).
  virtual Status delete_user_sessions(std::string_view user_id,
                                      std::string_view keep_token_hash) = 0;

  virtual Status insert_api_key(const ApiKeyRecord& key) = 0;
  virtual Result<std::optional<ApiKeyRecord>> find_api_key(std::string_view key_hash) = 0;
  virtual Result<std::vector<ApiKeyRecord>> list_api_keys(std::string_view user_id) = 0;
  // Errors: kNotFound when the user has no key with that id.
  virtual Status delete_api_key(std::string_view user_id, std::string_view key_id) = 0;

  // Inserts the user's key, or replaces the one stored. Errors: kNotFound when the user is gone.
  virtual Status put_user_key(const UserKeyRecord& key) = 0;
  virtual Result<std::optional<UserKeyRecord>> find_user_key(std::string_view user_id) = 0;

  // Deletes expired pending registrations, login tickets and sessions.
  virtual Status purge_expired(std::int64_t now) = 0;
};

}  // namespace caas::meta
