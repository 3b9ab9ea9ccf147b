// Registration: POST /v1/auth/register mails a code; /register/verify turns the pending
// registration into a user. The password is hashed at register time, so the verify step never
// sees it again.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "auth/auth_service.h"
#include "auth/email.h"
#include "auth/otp_keys.h"
#include "auth/totp_check.h"
#include "base/time_format.h"
#include "crypto/random.h"

namespace caas::auth {
namespace {

constexpr std::string_view kRegisterPurpose = "register";

}  // namespace

AuthResult<Done> AuthService::register_user(std::string_view email_input, std::string_view password,
                                            std::string_view client) {
  AuthResult<Start> started = start(email_input);
  if (!started.ok()) {
    return started.error();
  }
  const std::shared_ptr<const kms::Keyring>& ring = started->keyring;
  const std::string& email = started->email;
  if (auto refusal = check_new_password(password, "password")) {
    return *refusal;
  }
  if (auto refusal = charge(client, email)) {
    return *refusal;
  }
  Result<std::optional<meta::UserRecord>> existing = deps_.accounts->find_user_by_email(email);
  if (!existing.ok()) {
    return refuse::internal(existing.status());
  }
  if (existing->has_value()) {
    audit("anonymous", "auth.register", deps_.audit->sensitive(email), "user_exists");
    return AuthError{409, "user_exists", "this email is already registered", 0};
  }
  Result<std::string> hash = hash_password(password);
  if (!hash.ok()) {
    return refuse::internal(hash.status());
  }
  std::string code = new_email_code();
  Result<std::string> tag = code_tag(*ring, kRegisterPurpose, email, code);
  if (!tag.ok()) {
    return refuse::internal(tag.status());
  }
  meta::PendingRegistration pending{email, *hash, *tag, now_s() + config_.otp_ttl.count(), 0};
  if (Status status = deps_.accounts->put_pending_registration(pending); !status.ok()) {
    return refuse::internal(status);
  }
  Status sent = deps_.mailer->send(
      {email, "Your caas registration code", code_mail_text(code, "to register", config_.otp_ttl)});
  crypto::detail::secure_wipe(code.data(), code.size());
  if (!sent.ok()) {
    // Nothing pending may outlive a mail that never left: the user could not finish anyway.
    deps_.accounts->delete_pending_registration(email).ignore_error();
    spdlog::warn("auth: registration mail not sent: {}", sent.message());
    audit("anonymous", "auth.register", deps_.audit->sensitive(email), "mail_unavailable");
    return AuthError{503, "mail_unavailable",
                     "the verification mail could not be sent; try again later", 30};
  }
  audit("anonymous", "auth.register", deps_.audit->sensitive(email), "ok");
  return Done{};
}

AuthResult<std::string> AuthService::verify_registration(std::string_view email_input,
                                                         std::string_view otp,
                                                         std::string_view client) {
  AuthResult<Start> started = start(email_input);
  if (!started.ok()) {
    return started.error();
  }
  const std::shared_ptr<const kms::Keyring>& ring = started->keyring;
  const std::string& email = started->email;
  if (auto refusal = charge(client, {})) {
    return *refusal;
  }
  const std::string lock_key = "register:" + email;
  if (auto refusal = locked(lock_key)) {
    return *refusal;
  }
  Result<std::optional<meta::PendingRegistration>> pending =
      deps_.accounts->find_pending_registration(email);
  if (!pending.ok()) {
    return refuse::internal(pending.status());
  }
  const std::string target = deps_.audit->sensitive(email);
  if (!pending->has_value() || (*pending)->expires_at <= now_s()) {
    audit("anonymous", "auth.register.verify", target, "otp_failed");
    return refuse::otp_failed();
  }
  const meta::PendingRegistration& registration = **pending;
  // Numbered before the check, in one statement, so concurrent guesses cannot exceed the limit;
  // past it the registration is void (registering again starts a new one).
  Result<std::int64_t> attempt = deps_.accounts->count_pending_attempt(email);
  if (!attempt.ok()) {
    return refuse::internal(attempt.status());
  }
  if (*attempt > config_.otp_max_attempts) {
    return refuse::otp_failed();
  }
  if (!is_otp_code_format(otp) ||
      !code_matches(*ring, kRegisterPurpose, email, otp, registration.otp_tag)) {
    record_failure(lock_key);
    audit("anonymous", "auth.register.verify", target, "otp_failed");
    return refuse::otp_failed();
  }
  meta::UserRecord user{crypto::random_uuid(),
                        email,
                        registration.password_hash,
                        format_rfc3339(deps_.clock->now()),
                        "",
                        false,
                        0};
  Status created = deps_.accounts->create_user_from_pending(user, registration.otp_tag);
  if (created.code() == ErrorCode::kNotFound) {
    return refuse::otp_failed();  // a concurrent verify used it first
  }
  if (created.code() == ErrorCode::kAlreadyExists) {
    return AuthError{409, "user_exists", "this email is already registered", 0};
  }
  if (!created.ok()) {
    return refuse::internal(created);
  }
  deps_.lockout->record_success(lock_key);
  audit("user:" + user.id, "auth.register.verify", target, "ok");
  return user.id;
}

}  // namespace caas::auth
