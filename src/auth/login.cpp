// Login in two steps (password, then a mailed code or TOTP), the sessions it starts, and the
// lookup of bearer credentials.
#include <spdlog/spdlog.h>

#include "auth/auth_service.h"
#include "auth/email.h"
#include "auth/otp_keys.h"
#include "auth/totp_check.h"

namespace caas::auth {
namespace {

constexpr std::string_view kLoginPurpose = "login";

std::string login_lock_key(std::string_view email) { return "login:" + std::string(email); }

}  // namespace

AuthResult<LoginChallenge> AuthService::login(std::string_view email_input,
                                              std::string_view password, std::string_view client) {
  AuthResult<Start> started = start(email_input);
  if (!started.ok()) {
    return started.error();
  }
  const std::shared_ptr<const kms::Keyring>& ring = started->keyring;
  const std::string& email = started->email;
  if (password.size() > kMaxPasswordBytes) {
    return refuse::invalid("field password: at most 1024 bytes");
  }
  if (auto refusal = charge(client, email)) {
    return *refusal;
  }
  const std::string lock_key = login_lock_key(email);
  if (auto refusal = locked(lock_key)) {
    return *refusal;
  }
  Result<std::optional<meta::UserRecord>> user = deps_.accounts->find_user_by_email(email);
  if (!user.ok()) {
    return refuse::internal(user.status());
  }
  // The same work whether or not the user exists: one Argon2id verification.
  const std::string& stored = user->has_value() ? (*user)->password_hash : dummy_hash_;
  Result<bool> match = crypto::argon2id_verify_password(stored, as_bytes(password));
  if (!match.ok()) {
    return refuse::internal(match.status());
  }
  const std::string target = deps_.audit->sensitive(email);
  if (!user->has_value() || !*match) {
    record_failure(lock_key);
    audit("anonymous", "auth.login", target, "login_failed");
    return refuse::login_failed();
  }
  const meta::UserRecord& account = **user;
  // Raise the stored parameters to the configured ones while the password is at hand.
  if (Result<crypto::Argon2idParams> params = crypto::argon2id_stored_params(stored);
      params.ok() && (params->iterations != config_.argon2.iterations ||
                      params->memory_kib != config_.argon2.memory_kib)) {
    if (Result<std::string> rehashed = hash_password(password); rehashed.ok()) {
      deps_.accounts->update_password(account.id, *rehashed).ignore_error();
    }
  }
  LoginChallenge challenge{new_credential(kTicketPrefix), account.totp_enabled ? "totp" : "email"};
  meta::LoginTicket ticket{credential_hash(challenge.ticket), account.id, challenge.method, "",
                           now_s() + config_.otp_ttl.count(), 0};
  std::string code;
  if (challenge.method == "email") {
    code = new_email_code();
    Result<std::string> tag = code_tag(*ring, kLoginPurpose, ticket.ticket_hash, code);
    if (!tag.ok()) {
      return refuse::internal(tag.status());
    }
    ticket.otp_tag = *tag;
  }
  if (Status status = deps_.accounts->insert_login_ticket(ticket); !status.ok()) {
    return refuse::internal(status);
  }
  if (!code.empty()) {
    if (!deps_.mail_queue->enqueue({account.email, "Your caas sign-in code",
                                    code_mail_text(code, "to sign in", config_.otp_ttl)})) {
      spdlog::warn("auth: the mail queue is full; a sign-in code was not sent");
    }
    crypto::detail::secure_wipe(code.data(), code.size());
  }
  audit("user:" + account.id, "auth.login", target, "otp_required");
  return challenge;
}

AuthResult<NewSession> AuthService::verify_login(std::string_view ticket_text, std::string_view otp,
                                                 std::string_view client) {
  auto ring = keyring();
  if (!ring) {
    return refuse::sealed();
  }
  if (auto refusal = charge(client, {})) {
    return *refusal;
  }
  if (!ticket_text.starts_with(kTicketPrefix) || ticket_text.size() > 128) {
    return refuse::otp_failed();
  }
  const std::string ticket_hash = credential_hash(ticket_text);
  Result<std::optional<meta::LoginTicket>> ticket = deps_.accounts->find_login_ticket(ticket_hash);
  if (!ticket.ok()) {
    return refuse::internal(ticket.status());
  }
  if (!ticket->has_value() || (*ticket)->expires_at <= now_s()) {
    return refuse::otp_failed();
  }
  Result<std::optional<meta::UserRecord>> user = deps_.accounts->find_user((*ticket)->user_id);
  if (!user.ok() || !user->has_value()) {
    return user.ok() ? refuse::otp_failed() : refuse::internal(user.status());
  }
  const meta::UserRecord& account = **user;
  const std::string lock_key = login_lock_key(account.email);
  if (auto refusal = locked(lock_key)) {
    return *refusal;
  }
  // Numbered before the check, in one statement, so concurrent guesses cannot exceed the limit.
  // A spent ticket stays until it expires, so that a locked account still shows as locked.
  Result<std::int64_t> attempt = deps_.accounts->count_ticket_attempt(ticket_hash);
  if (!attempt.ok()) {
    return refuse::internal(attempt.status());
  }
  if (*attempt > config_.otp_max_attempts) {
    return refuse::otp_failed();
  }
  // A ticket made before TOTP was switched on or off asks for the wrong factor: it is stale.
  const bool stale = ((*ticket)->method == "totp") != account.totp_enabled;
  bool good = false;
  if (stale || !is_otp_code_format(otp)) {
    good = false;
  } else if ((*ticket)->method == "totp") {
    Result<bool> checked = check_totp(*ring, account, account.totp_secret, otp);
    if (!checked.ok()) {
      return refuse::internal(checked.status());
    }
    good = *checked;
  } else {
    good = code_matches(*ring, kLoginPurpose, ticket_hash, otp, (*ticket)->otp_tag);
  }
  const std::string actor = "user:" + account.id;
  if (!good) {
    record_failure(lock_key);
    audit(actor, "auth.login.verify", (*ticket)->method, "otp_failed");
    return refuse::otp_failed();
  }
  Result<bool> taken = deps_.accounts->take_login_ticket(ticket_hash);
  if (!taken.ok()) {
    return refuse::internal(taken.status());
  }
  if (!*taken) {
    return refuse::otp_failed();  // a concurrent request used this ticket first
  }
  deps_.lockout->record_success(lock_key);
  audit(actor, "auth.login.verify", (*ticket)->method, "ok");
  return start_session(account.id);
}

Result<bool> AuthService::check_totp(const kms::Keyring& keyring, const meta::UserRecord& user,
                                     std::string_view sealed_secret, std::string_view otp) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes secret,
                        open_totp_secret(keyring, user.id, sealed_secret));
  std::optional<std::uint64_t> step =
      match_totp(secret.expose(), otp, now_s(),
                 static_cast<std::uint64_t>(std::max<std::int64_t>(0, user.totp_last_step)));
  if (!step) {
    return false;
  }
  // The store decides, so that two requests with the same code cannot both pass.
  return deps_.accounts->advance_totp_step(user.id, static_cast<std::int64_t>(*step));
}

AuthResult<NewSession> AuthService::start_session(const std::string& user_id) {
  const std::int64_t now = now_s();
  NewSession session{new_credential(kSessionTokenPrefix), deps_.clock->now() + config_.session_ttl,
                     user_id};
  meta::SessionRecord record{credential_hash(session.token), user_id, now,
                             now + config_.session_ttl.count(), now};
  if (Status status = deps_.accounts->insert_session(record); !status.ok()) {
    return refuse::internal(status);
  }
  // An occasional sweep keeps expired rows from piling up; correctness never depends on it.
  if (record.token_hash.back() == '0') {
    deps_.accounts->purge_expired(now).ignore_error();
  }
  return session;
}

AuthResult<Principal> AuthService::authenticate(std::string_view token) {
  if (token.size() > 256) {
    return refuse::unauthorized();
  }
  const std::string hash = credential_hash(token);
  const std::int64_t now = now_s();
  if (std::optional<CredentialCache::Entry> cached = credentials_.find(hash, now)) {
    if (cached->principal.kind != Principal::Kind::kSession) {
      return cached->principal;
    }
    return check_session(hash, cached->session_expires_at, cached->last_seen,
                         cached->principal.user_id);
  }
  if (token.starts_with(kSessionTokenPrefix)) {
    Result<std::optional<meta::SessionRecord>> session = deps_.accounts->find_session(hash);
    if (!session.ok()) {
      return refuse::internal(session.status());
    }
    if (!session->has_value()) {
      return refuse::unauthorized();
    }
    const meta::SessionRecord& record = **session;
    AuthResult<Principal> principal =
        check_session(hash, record.expires_at, record.last_seen, record.user_id);
    if (principal.ok()) {
      credentials_.put(hash, {*principal, record.expires_at, record.last_seen, now});
    }
    return principal;
  }
  if (token.starts_with(kApiKeyPrefix)) {
    Result<std::optional<meta::ApiKeyRecord>> key = deps_.accounts->find_api_key(hash);
    if (!key.ok()) {
      return refuse::internal(key.status());
    }
    if (!key->has_value()) {
      return refuse::unauthorized();
    }
    Principal principal{Principal::Kind::kApiKey, (*key)->user_id, hash, (*key)->id,
                        split_scopes((*key)->scopes)};
    credentials_.put(hash, {principal, 0, 0, now});
    return principal;
  }
  return refuse::unauthorized();
}

AuthResult<Principal> AuthService::check_session(const std::string& hash, std::int64_t expires_at,
                                                 std::int64_t last_seen,
                                                 const std::string& user_id) {
  const std::int64_t now = now_s();
  if (expires_at <= now || now - last_seen >= config_.session_idle.count()) {
    credentials_.erase(hash);
    deps_.accounts->delete_session(hash).ignore_error();
    return refuse::unauthorized();
  }
  // Writing on every request would serialise them; a coarse touch keeps the idle clock
  // accurate to a tenth of the idle timeout.
  if (now - last_seen >= std::max<std::int64_t>(1, config_.session_idle.count() / 10)) {
    deps_.accounts->touch_session(hash, now).ignore_error();
    credentials_.set_last_seen(hash, now);
  }
  return Principal{Principal::Kind::kSession, user_id, hash, "", {}};
}

AuthResult<Done> AuthService::logout(const Principal& caller) {
  if (!caller.is_session()) {
    return refuse::forbidden("logout ends a session; revoke an API key instead");
  }
  credentials_.erase(caller.credential_hash);
  if (Status status = deps_.accounts->delete_session(caller.credential_hash); !status.ok()) {
    return refuse::internal(status);
  }
  audit(caller.audit_actor(), "auth.logout", "session", "ok");
  return Done{};
}

}  // namespace caas::auth
