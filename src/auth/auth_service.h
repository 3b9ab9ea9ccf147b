// AuthService: registration with a mailed code, login with a mailed code or TOTP, sessions, API
// keys, password change — the front door (API.md, "Accounts and sessions").
//
// Design points an auditor will look for:
//   - Unknown email and wrong password take the same path: a password hash is always verified
//     (a dummy one for unknown emails), the same lockout key is charged, and the same
//     401 login_failed comes back. Login mails go out through a queue, so their delivery time
//     does not show either.
//   - Nothing secret is stored: passwords as Argon2id PHC strings, codes as HMAC tags
//     (auth/otp_keys.h), session tokens, login tickets and API keys as SHA-256, TOTP secrets
//     sealed under the keyring.
//   - Every one-shot use (ticket, TOTP step, pending registration) is a single conditional
//     write, so concurrent requests cannot both succeed.
//   - Limits: a token bucket per client address and per account on register, login and both
//     verifies; a growing lockout per account after repeated failures; 5 attempts per code.
//
// Methods that hash passwords (register, login, change_password) take tens of milliseconds of
// CPU and must run on the worker pool. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.h"
#include "auth/credential_cache.h"
#include "auth/mailer.h"
#include "auth/principal.h"
#include "auth/rate_limiter.h"
#include "base/clock.h"
#include "crypto/argon2id.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"
#include "meta/accounts.h"

namespace caas::auth {

inline constexpr std::string_view kSessionTokenPrefix = "caas-sess-";
inline constexpr std::string_view kApiKeyPrefix = "caas-key-";
inline constexpr std::string_view kTicketPrefix = "caas-tkt-";
inline constexpr std::size_t kMinPasswordChars = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMaxApiKeyNameBytes = 128;
inline constexpr std::size_t kMaxApiKeysPerUser = 100;

struct AuthConfig {
  crypto::Argon2idParams argon2;
  std::chrono::seconds otp_ttl{300};
  std::int64_t otp_max_attempts = 5;
  std::chrono::seconds session_ttl{12 * 3600};  // absolute
  std::chrono::seconds session_idle{3600};
  RatePolicy address_rate{30, 0.5};  // per client address, over register/login/verify
  RatePolicy account_rate{10, 0.1};  // per email address
  LockoutPolicy lockout;
  std::string issuer = "caas";  // shown by authenticator apps
  // How long a checked credential is trusted without reading the database (credential_cache.h).
  std::chrono::seconds credential_cache_ttl{2};
};

struct LoginChallenge {
  std::string ticket;
  std::string method;  // "email" or "totp"
};

struct NewSession {
  std::string token;
  Clock::TimePoint expires_at;
  std::string user_id;
};

struct UserInfo {
  std::string user_id;
  std::string email;
  bool totp_enabled = false;
  std::string created_at;
};

struct TotpEnrollment {
  std::string secret_base32;
  std::string otpauth_uri;
};

struct ApiKeyCreated {
  std::string id;
  std::string api_key;  // shown once
};

struct ApiKeyInfo {
  std::string id;
  std::string name;
  std::vector<std::string> scopes;
  std::string created_at;
};

class AuthService {
 public:
  struct Deps {
    meta::AccountStore* accounts = nullptr;
    kms::SealManager* seal = nullptr;
    kms::AuditLog* audit = nullptr;
    Mailer* mailer = nullptr;         // registration mails: sent before answering
    MailQueue* mail_queue = nullptr;  // login mails: queued, so their timing does not show
    RateLimiter* limiter = nullptr;
    LockoutTracker* lockout = nullptr;
    const Clock* clock = nullptr;
  };
  // Errors: kInvalidArgument for parameters out of bounds.
  static Result<std::unique_ptr<AuthService>> create(const Deps& deps, AuthConfig config);

  AuthResult<Done> register_user(std::string_view email, std::string_view password,
                                 std::string_view client);
  AuthResult<std::string> verify_registration(std::string_view email, std::string_view otp,
                                              std::string_view client);
  AuthResult<LoginChallenge> login(std::string_view email, std::string_view password,
                                   std::string_view client);
  AuthResult<NewSession> verify_login(std::string_view ticket, std::string_view otp,
                                      std::string_view client);

  // The caller behind a session token or API key (the root token is the API layer's).
  AuthResult<Principal> authenticate(std::string_view bearer_token);

  AuthResult<Done> logout(const Principal& caller);
  AuthResult<UserInfo> me(const Principal& caller);
  // Ends every session, the caller's too, and returns a new one for the caller.
  AuthResult<NewSession> change_password(const Principal& caller, std::string_view current,
                                         std::string_view next);

  AuthResult<TotpEnrollment> totp_enroll(const Principal& caller);
  // Turns TOTP on, or off, with a valid code; every other session of the user ends.
  AuthResult<Done> totp_confirm(const Principal& caller, std::string_view otp);
  AuthResult<Done> totp_disable(const Principal& caller, std::string_view otp);

  AuthResult<ApiKeyCreated> create_api_key(const Principal& caller, std::string_view name,
                                           const std::vector<std::string>& scopes);
  AuthResult<std::vector<ApiKeyInfo>> list_api_keys(const Principal& caller);
  AuthResult<Done> revoke_api_key(const Principal& caller, std::string_view key_id);

 private:
  AuthService(const Deps& deps, AuthConfig config, std::string dummy_hash);

  std::shared_ptr<const kms::Keyring> keyring() const { return deps_.seal->keyring(); }
  // What every flow that starts from an email needs: the keyring (sealed: refused) and the
  // normalised email (malformed: refused).
  struct Start {
    std::shared_ptr<const kms::Keyring> keyring;
    std::string email;
  };
  AuthResult<Start> start(std::string_view email_input) const;
  // The policy for a new password: 10 characters at least, 1024 bytes at most.
  static std::optional<AuthError> check_new_password(std::string_view password,
                                                     std::string_view field);
  [[nodiscard]] std::int64_t now_s() const { return deps_.clock->unix_seconds(); }
  // Charges the client's and the account's buckets; a refusal when either is empty.
  std::optional<AuthError> charge(std::string_view client, std::string_view account);
  std::optional<AuthError> locked(std::string_view lock_key);
  void record_failure(std::string_view lock_key);
  AuthResult<NewSession> start_session(const std::string& user_id);
  AuthResult<Principal> check_session(const std::string& hash, std::int64_t expires_at,
                                      std::int64_t last_seen, const std::string& user_id);
  AuthResult<meta::UserRecord> session_user(const Principal& caller);
  // Checks a TOTP code for `user` and consumes its step. False on any mismatch or replay.
  Result<bool> check_totp(const kms::Keyring& keyring, const meta::UserRecord& user,
                          std::string_view sealed_secret, std::string_view otp);
  AuthResult<Done> totp_switch(const Principal& caller, std::string_view otp, bool on);
  Result<std::string> hash_password(std::string_view password) const;
  void audit(std::string actor, std::string action, std::string target, std::string result);

  Deps deps_;
  AuthConfig config_;
  std::string dummy_hash_;  // verified for unknown emails, so they cost what known ones cost
  CredentialCache credentials_;
};

// A fresh bearer credential: `prefix` + 43 characters of base64url (256 random bits).
std::string new_credential(std::string_view prefix);
// SHA-256 hex, the form in which credentials are stored and looked up.
std::string credential_hash(std::string_view credential);

}  // namespace caas::auth
