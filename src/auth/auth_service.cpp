// AuthService: construction, credentials, limits and the helpers the flows share. The flows are
// in registration.cpp, login.cpp and account.cpp.
#include "auth/auth_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "auth/email.h"
#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace caas::auth {

AuthError refuse::internal(const Status& status) {
  spdlog::error("auth: {}", status.to_string());
  if (status.code() == ErrorCode::kUnavailable) {
    return {503, "unavailable", "a backend is unavailable; retry in a moment", 1};
  }
  return {500, "internal", "the server could not complete the request", 0};
}

std::string new_credential(std::string_view prefix) {
  crypto::SecretArray<32> bytes = crypto::random_secret_array<32>();
  std::string text = base64_encode_unpadded(bytes.expose());
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return std::string(prefix) + text;
}

std::string credential_hash(std::string_view credential) {
  return hex_encode(crypto::sha256(as_bytes(credential)));
}

Result<std::unique_ptr<AuthService>> AuthService::create(const Deps& deps, AuthConfig config) {
  CAAS_TRY(config.argon2.validate());
  CAAS_TRY(check_rate_policy(config.address_rate));
  CAAS_TRY(check_rate_policy(config.account_rate));
  if (config.otp_ttl.count() < 1 || config.otp_max_attempts < 1 || config.session_ttl.count() < 1 ||
      config.session_idle.count() < 1) {
    return invalid_argument("auth: ttl, idle and attempt limits must be positive");
  }
  // A real hash with the configured parameters: verifying it costs what a user's costs.
  crypto::SecretBytes filler = crypto::random_secret(16);
  CAAS_ASSIGN_OR_RETURN(std::string dummy,
                        crypto::argon2id_hash_password(filler.expose(), config.argon2));
  return std::unique_ptr<AuthService>(
      new AuthService(deps, std::move(config), std::move(dummy)));  // NOLINT
}

AuthService::AuthService(const Deps& deps, AuthConfig config, std::string dummy_hash)
    : deps_(deps),
      config_(std::move(config)),
      dummy_hash_(std::move(dummy_hash)),
      credentials_(config_.credential_cache_ttl) {}

AuthResult<AuthService::Start> AuthService::start(std::string_view email_input) const {
  std::shared_ptr<const kms::Keyring> ring = keyring();
  if (!ring) {
    return refuse::sealed();
  }
  Result<std::string> email = normalize_email(email_input);
  if (!email.ok()) {
    return refuse::invalid(email.status().message());
  }
  return Start{std::move(ring), std::move(*email)};
}

std::optional<AuthError> AuthService::check_new_password(std::string_view password,
                                                         std::string_view field) {
  if (password.size() > kMaxPasswordBytes) {
    return refuse::invalid("field " + std::string(field) + ": at most 1024 bytes");
  }
  // Characters, not bytes: "ten characters" means what a user counts.
  const auto chars = std::count_if(password.begin(), password.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  });
  if (static_cast<std::size_t>(chars) < kMinPasswordChars) {
    return AuthError{400, "weak_password", "the password needs at least 10 characters", 0};
  }
  return std::nullopt;
}

std::optional<AuthError> AuthService::charge(std::string_view client, std::string_view account) {
  Clock::TimePoint now = deps_.clock->now();
  RateDecision by_client =
      deps_.limiter->take("client:" + std::string(client), config_.address_rate, now);
  if (!by_client.allowed) {
    return refuse::rate_limited(by_client.retry_after.count());
  }
  if (!account.empty()) {
    RateDecision by_account =
        deps_.limiter->take("account:" + std::string(account), config_.account_rate, now);
    if (!by_account.allowed) {
      return refuse::rate_limited(by_account.retry_after.count());
    }
  }
  return std::nullopt;
}

std::optional<AuthError> AuthService::locked(std::string_view lock_key) {
  if (auto left = deps_.lockout->locked_for(lock_key, deps_.clock->now())) {
    return refuse::rate_limited(left->count());
  }
  return std::nullopt;
}

void AuthService::record_failure(std::string_view lock_key) {
  if (auto lock = deps_.lockout->record_failure(lock_key, config_.lockout, deps_.clock->now())) {
    // The key names the account; the audit log has the HMACed form, the log gets none.
    spdlog::warn("auth: an account is locked for {} s after repeated failures", lock->count());
  }
}

Result<std::string> AuthService::hash_password(std::string_view password) const {
  return crypto::argon2id_hash_password(as_bytes(password), config_.argon2);
}

void AuthService::audit(std::string actor, std::string action, std::string target,
                        std::string result) {
  Status status = deps_.audit->record(
      {std::move(actor), std::move(action), std::move(target), std::move(result)});
  if (!status.ok()) {
    spdlog::error("auth: audit write failed: {}", status.to_string());
  }
}

}  // namespace caas::auth
