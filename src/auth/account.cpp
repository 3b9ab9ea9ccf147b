// What a signed-in user does to their own account: who am I, password, TOTP, API keys.
#include <spdlog/spdlog.h>

#include "auth/auth_service.h"
#include "auth/otp_keys.h"
#include "auth/totp_check.h"
#include "base/base32.h"
#include "base/time_format.h"
#include "crypto/random.h"

namespace caas::auth {
namespace {}  // namespace

AuthResult<meta::UserRecord> AuthService::session_user(const Principal& caller) {
  if (!deps_.seal->keyring()) {
    return refuse::sealed();
  }
  if (caller.kind == Principal::Kind::kOperator) {
    return refuse::forbidden("the operator token has no account; sign in as a user");
  }
  Result<std::optional<meta::UserRecord>> user = deps_.accounts->find_user(caller.user_id);
  if (!user.ok()) {
    return refuse::internal(user.status());
  }
  if (!user->has_value()) {
    return refuse::unauthorized();
  }
  return **user;
}

AuthResult<UserInfo> AuthService::me(const Principal& caller) {
  AuthResult<meta::UserRecord> user = session_user(caller);
  if (!user.ok()) {
    return user.error();
  }
  return UserInfo{user->id, user->email, user->totp_enabled, user->created_at};
}

AuthResult<NewSession> AuthService::change_password(const Principal& caller,
                                                    std::string_view current,
                                                    std::string_view next) {
  if (!caller.is_session()) {
    return refuse::forbidden("changing the password needs a signed-in session");
  }
  AuthResult<meta::UserRecord> user = session_user(caller);
  if (!user.ok()) {
    return user.error();
  }
  const std::string lock_key = "login:" + user->email;
  if (auto refusal = locked(lock_key)) {
    return *refusal;
  }
  if (current.size() > kMaxPasswordBytes) {
    return refuse::invalid("field current_password: at most 1024 bytes");
  }
  if (auto refusal = check_new_password(next, "new_password")) {
    return *refusal;
  }
  Result<bool> match = crypto::argon2id_verify_password(user->password_hash, as_bytes(current));
  if (!match.ok()) {
    return refuse::internal(match.status());
  }
  if (!*match) {
    record_failure(lock_key);
    audit(caller.audit_actor(), "auth.password", "password", "login_failed");
    return AuthError{401, "login_failed", "the current password is wrong", 0};
  }
  Result<std::string> hash = hash_password(next);
  if (!hash.ok()) {
    return refuse::internal(hash.status());
  }
  if (Status status = deps_.accounts->update_password(user->id, *hash); !status.ok()) {
    return refuse::internal(status);
  }
  // Whoever else holds a session lost the right to it with the old password.
  credentials_.erase_user(user->id, "");  // API keys are re-read, which keeps them valid
  if (Status status = deps_.accounts->delete_user_sessions(user->id, ""); !status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), "auth.password", "password", "ok");
  return start_session(user->id);
}

AuthResult<TotpEnrollment> AuthService::totp_enroll(const Principal& caller) {
  if (!caller.is_session()) {
    return refuse::forbidden("two-factor settings need a signed-in session");
  }
  auto ring = keyring();
  AuthResult<meta::UserRecord> user = session_user(caller);
  if (!user.ok() || !ring) {
    return user.ok() ? refuse::sealed() : user.error();
  }
  if (user->totp_enabled) {
    return AuthError{409, "totp_enabled", "TOTP is already on; turn it off first", 0};
  }
  crypto::SecretBytes secret = crypto::random_secret(kTotpSecretBytes);
  Result<std::string> sealed = seal_totp_secret(*ring, user->id, secret.expose());
  if (!sealed.ok()) {
    return refuse::internal(sealed.status());
  }
  if (Status status = deps_.accounts->update_totp(user->id, *sealed, false); !status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), "auth.totp.enroll", "totp", "ok");
  return TotpEnrollment{base32_encode(secret.expose(), false),
                        otpauth_uri(config_.issuer, user->email, secret.expose())};
}

AuthResult<Done> AuthService::totp_confirm(const Principal& caller, std::string_view otp) {
  return totp_switch(caller, otp, true);
}

AuthResult<Done> AuthService::totp_disable(const Principal& caller, std::string_view otp) {
  return totp_switch(caller, otp, false);
}

AuthResult<Done> AuthService::totp_switch(const Principal& caller, std::string_view otp, bool on) {
  if (!caller.is_session()) {
    return refuse::forbidden("two-factor settings need a signed-in session");
  }
  auto ring = keyring();
  AuthResult<meta::UserRecord> user = session_user(caller);
  if (!user.ok() || !ring) {
    return user.ok() ? refuse::sealed() : user.error();
  }
  if (user->totp_secret.empty() || user->totp_enabled == on) {
    return AuthError{409, on ? "totp_not_enrolled" : "totp_not_enabled",
                     on ? "enroll first: POST /v1/auth/totp/enroll" : "TOTP is not on", 0};
  }
  const std::string lock_key = "login:" + user->email;
  if (auto refusal = locked(lock_key)) {
    return *refusal;
  }
  Result<bool> good = check_totp(*ring, *user, user->totp_secret, otp);
  if (!good.ok()) {
    return refuse::internal(good.status());
  }
  const char* action = on ? "auth.totp.confirm" : "auth.totp.disable";
  if (!*good) {
    record_failure(lock_key);
    audit(caller.audit_actor(), action, "totp", "otp_failed");
    return refuse::otp_failed();
  }
  if (Status status = deps_.accounts->update_totp(user->id, on ? user->totp_secret : "", on);
      !status.ok()) {
    return refuse::internal(status);
  }
  // The second factor changed: sessions started under the old rule end, except this one.
  credentials_.erase_user(user->id, caller.credential_hash);
  if (Status status = deps_.accounts->delete_user_sessions(user->id, caller.credential_hash);
      !status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), action, "totp", "ok");
  return Done{};
}

AuthResult<ApiKeyCreated> AuthService::create_api_key(const Principal& caller,
                                                      std::string_view name,
                                                      const std::vector<std::string>& scopes) {
  if (!caller.is_session()) {
    return refuse::forbidden("API keys are managed from a signed-in session");
  }
  AuthResult<meta::UserRecord> user = session_user(caller);
  if (!user.ok()) {
    return user.error();
  }
  if (name.empty() || name.size() > kMaxApiKeyNameBytes ||
      std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return refuse::invalid("field name: 1 to 128 bytes without control characters");
  }
  if (Status status = validate_scopes(scopes); !status.ok()) {
    return refuse::invalid(status.message());
  }
  Result<std::vector<meta::ApiKeyRecord>> existing = deps_.accounts->list_api_keys(user->id);
  if (!existing.ok()) {
    return refuse::internal(existing.status());
  }
  if (existing->size() >= kMaxApiKeysPerUser) {
    return AuthError{409, "too_many_api_keys", "revoke an API key first (at most 100)", 0};
  }
  ApiKeyCreated created{crypto::random_uuid(), new_credential(kApiKeyPrefix)};
  meta::ApiKeyRecord record{created.id,          user->id,
                            std::string(name),   credential_hash(created.api_key),
                            join_scopes(scopes), format_rfc3339(deps_.clock->now())};
  if (Status status = deps_.accounts->insert_api_key(record); !status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), "auth.api_key.create", created.id, "ok");
  return created;
}

AuthResult<std::vector<ApiKeyInfo>> AuthService::list_api_keys(const Principal& caller) {
  if (!caller.is_session()) {
    return refuse::forbidden("API keys are managed from a signed-in session");
  }
  Result<std::vector<meta::ApiKeyRecord>> keys = deps_.accounts->list_api_keys(caller.user_id);
  if (!keys.ok()) {
    return refuse::internal(keys.status());
  }
  std::vector<ApiKeyInfo> infos;
  for (const meta::ApiKeyRecord& key : *keys) {
    infos.push_back({key.id, key.name, split_scopes(key.scopes), key.created_at});
  }
  return infos;
}

AuthResult<Done> AuthService::revoke_api_key(const Principal& caller, std::string_view key_id) {
  if (!caller.is_session()) {
    return refuse::forbidden("API keys are managed from a signed-in session");
  }
  Status status = deps_.accounts->delete_api_key(caller.user_id, key_id);
  if (status.ok()) {
    credentials_.erase_api_key(key_id);
  }
  if (status.code() == ErrorCode::kNotFound) {
    return AuthError{404, "not_found", "no such API key", 0};
  }
  if (!status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), "auth.api_key.revoke", std::string(key_id), "ok");
  return Done{};
}

}  // namespace caas::auth
