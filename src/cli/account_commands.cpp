// register, login, logout, whoami, totp: the account's life cycle from a terminal or a script.
// Passwords never leave this process: what the server gets is the auth secret (zk_keys.h).
#include <cstdlib>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/email.h"
#include "cli/commands.h"
#include "cli/prompt.h"
#include "cli/qr_code.h"
#include "cli/zk_keys.h"

namespace caas::cli {
namespace {

// API.md: a password under 10 characters is weak. The server sees only the auth secret, so
// the client has to ask for this itself. Characters, not bytes: UTF-8 continuation bytes skip.
constexpr std::size_t kMinPasswordCharacters = 10;

std::size_t count_characters(ByteSpan utf8) {
  std::size_t count = 0;
  for (std::uint8_t byte : utf8) {
    count += (byte & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

// `env_name` (CAAS_PASSWORD, CAAS_NEW_PASSWORD), else asked (twice at a terminal when
// `confirm`).
Result<crypto::SecretBytes> read_password(bool confirm, const char* env_name = "CAAS_PASSWORD",
                                          std::string_view question = "Password:") {
  if (const char* env = std::getenv(env_name); env != nullptr) {
    return crypto::SecretBytes::copy_of(as_bytes(std::string_view(env)));
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes password, ask_secret(question));
  if (confirm && stdin_is_terminal()) {
    // "Password:" → "Password again:", "New password:" → "New password again:".
    std::string again_question(question.substr(0, question.rfind(':')));
    CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes again, ask_secret(again_question + " again:"));
    if (!(again == password)) {
      return error(ErrorCode::kInvalidArgument, "the two passwords differ");
    }
  }
  return password;
}

Result<std::string> read_code(const std::string& flag, std::string_view question) {
  if (!flag.empty()) {
    return flag;
  }
  CAAS_ASSIGN_OR_RETURN(std::string code, ask_line(question));
  // People paste codes with spaces ("123 456"); the server wants the six digits.
  std::erase_if(code, [](char c) { return c == ' ' || c == '\t'; });
  return code;
}

Status check_strength(const crypto::SecretBytes& password) {
  if (count_characters(password.expose()) < kMinPasswordCharacters) {
    return error(ErrorCode::kInvalidArgument,
                 "the password is too short: use at least 10 characters");
  }
  return ok_status();
}

Result<std::string> canonical_email(const std::string& email) {
  Result<std::string> canonical = auth::normalize_email(email);
  if (!canonical.ok()) {
    // The server's message reads "field email: <reason>"; keep the reason.
    std::string_view reason = canonical.status().message();
    reason.remove_prefix(std::min(reason.size(), reason.find(':') + 1));
    while (!reason.empty() && reason.front() == ' ') {
      reason.remove_prefix(1);
    }
    return error(ErrorCode::kInvalidArgument, "invalid email: " + std::string(reason));
  }
  return canonical;
}

boost::json::object credentials(const std::string& email, const DerivedKeys& keys) {
  boost::json::object body;
  body["email"] = email;
  body["password"] = boost::json::string_view(as_chars(keys.auth_secret.expose()));
  return body;
}

// Stores `identity` on the server, wrapped under `master_key` (derived with `params`).
Status put_wrapped_identity(ApiClient& api, const format::age::X25519Identity& identity,
                            const crypto::SecretArray<32>& master_key, const KdfParams& params) {
  CAAS_ASSIGN_OR_RETURN(std::string wrapped, wrap_identity(master_key, identity));
  boost::json::object body;
  body["public_key"] = identity.recipient().to_string();
  body["encrypted_identity"] = wrapped;
  body["kdf"] = boost::json::parse(kdf_to_json(params));
  CAAS_ASSIGN_OR_RETURN(boost::json::value ignored, api.call("PUT", "/v1/keys/me", body));
  (void)ignored;
  return ok_status();
}

// After login: the identity stored on the server, opened with the master key; or, at the first
// login, a new identity, wrapped and stored on the server.
Result<format::age::X25519Identity> settle_identity(ApiClient& api, const DerivedKeys& keys,
                                                    const KdfParams& params,
                                                    const crypto::SecretBytes& password,
                                                    bool& created) {
  bool found = false;
  CAAS_ASSIGN_OR_RETURN(boost::json::value stored, api.call_optional("GET", "/v1/keys/me", found));
  if (!found) {
    format::age::X25519Identity identity = format::age::X25519Identity::generate();
    if (Status status = put_wrapped_identity(api, identity, keys.master_key, params);
        !status.ok()) {
      return status;
    }
    created = true;
    return identity;
  }
  std::string public_key = json_string(stored, "public_key");
  std::string wrapped = json_string(stored, "encrypted_identity");
  const boost::json::value* kdf =
      stored.is_object() ? stored.get_object().if_contains("kdf") : nullptr;
  CAAS_ASSIGN_OR_RETURN(KdfParams stored_params,
                        kdf_from_json(kdf == nullptr ? "" : boost::json::serialize(*kdf)));
  Result<format::age::X25519Identity> identity = error(ErrorCode::kInternal, "");
  if (stored_params == params) {
    identity = unwrap_identity(keys.master_key, wrapped, public_key);
  } else {
    // The key was wrapped under other parameters (a future default): derive with those.
    CAAS_ASSIGN_OR_RETURN(DerivedKeys other, derive_keys(password.expose(), stored_params));
    identity = unwrap_identity(other.master_key, wrapped, public_key);
  }
  if (!identity.ok()) {
    return error(ErrorCode::kDecryptionFailed,
                 "cannot open your end-to-end key with this password (was it changed elsewhere?)");
  }
  return identity;
}

// Ends a session this client will not keep (best effort: it expires anyway).
void abandon_session(ApiClient& api) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/v1/auth/logout";
  (void)api.http().send(request);
}

}  // namespace

Status run_register(Context& context, const LoginOptions& options) {
  CAAS_ASSIGN_OR_RETURN(std::string email, canonical_email(options.email));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes password, read_password(true));
  if (Status status = check_strength(password); !status.ok()) {
    return status;
  }
  KdfParams params = default_kdf(email);
  CAAS_ASSIGN_OR_RETURN(DerivedKeys keys, derive_keys(password.expose(), params));
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  CAAS_ASSIGN_OR_RETURN(boost::json::value pending,
                        api->call("POST", "/v1/auth/register", credentials(email, keys)));
  (void)pending;
  if (!context.json && options.otp.empty()) {
    std::fprintf(stderr, "A code was mailed to %s.\n", email.c_str());
  }
  CAAS_ASSIGN_OR_RETURN(std::string code, read_code(options.otp, "Code from the mail:"));
  boost::json::object verify{{"email", email}, {"otp", code}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value created,
                        api->call("POST", "/v1/auth/register/verify", verify));
  std::string user_id = json_string(created, "user_id");
  context.emit(boost::json::object({{"email", email}, {"user_id", user_id}}),
               "Registered " + email + ". Now log in: caas login " + email);
  return ok_status();
}

Status run_login(Context& context, const LoginOptions& options) {
  CAAS_ASSIGN_OR_RETURN(std::string email, canonical_email(options.email));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes password, read_password(false));
  KdfParams params = default_kdf(email);
  CAAS_ASSIGN_OR_RETURN(DerivedKeys keys, derive_keys(password.expose(), params));
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  CAAS_ASSIGN_OR_RETURN(boost::json::value ticket,
                        api->call("POST", "/v1/auth/login", credentials(email, keys)));
  bool totp = false;
  if (const boost::json::value* methods = json_field(ticket, "methods");
      methods != nullptr && methods->is_array()) {
    for (const boost::json::value& method : methods->get_array()) {
      totp = totp || (method.is_string() && method.get_string() == "totp");
    }
  }
  if (!context.json && options.otp.empty() && !totp) {
    std::fprintf(stderr, "A code was mailed to %s.\n", email.c_str());
  }
  CAAS_ASSIGN_OR_RETURN(
      std::string code,
      read_code(options.otp, totp ? "Code from your authenticator app:" : "Code from the mail:"));
  boost::json::object verify{{"ticket", json_string(ticket, "ticket")}, {"otp", code}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value session,
                        api->call("POST", "/v1/auth/login/verify", verify));
  std::string token = json_string(session, "token");
  crypto::SecretBytes session_token = crypto::SecretBytes::copy_of(as_bytes(token));
  crypto::detail::secure_wipe(token.data(), token.size());
  api->http().set_token(session_token.clone());

  // The session is kept only with a usable key: a login that cannot open the key would leave
  // a device that can list files but not read them.
  bool created = false;
  Result<format::age::X25519Identity> identity =
      settle_identity(*api, keys, params, password, created);
  if (!identity.ok()) {
    abandon_session(*api);
    return std::move(identity).status();
  }
  CAAS_ASSIGN_OR_RETURN(ClientConfig * config, context.config());
  config->server = api->http().base_url();
  config->email = email;
  config->user_id = json_string(session, "user_id");
  config->token = std::move(session_token);
  if (Status status = save_config(*config); !status.ok()) {
    return status;
  }
  if (Status status = save_identity(*identity); !status.ok()) {
    return status;
  }
  std::string public_key = identity->recipient().to_string();
  std::string expires = json_string(session, "expires_at");
  std::string human = "Logged in as " + email + " (session until " + expires + ").\n" +
                      (created ? "Created your end-to-end key: " : "Your end-to-end key: ") +
                      public_key + " (" + key_fingerprint(public_key) + ")";
  context.emit(boost::json::object({{"email", email},
                                    {"user_id", config->user_id},
                                    {"expires_at", expires},
                                    {"public_key", public_key},
                                    {"fingerprint", key_fingerprint(public_key)},
                                    {"key_created", created}}),
               human);
  return ok_status();
}

Status run_logout(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  if (api->http().has_token()) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/v1/auth/logout";
    // An expired session is as logged out as it gets; only a transport failure matters.
    CAAS_ASSIGN_OR_RETURN(HttpResponse response, api->http().send(request));
    if (!response.success() && response.status != 401) {
      return api_error(response);
    }
  }
  if (Status status = forget_session(); !status.ok()) {
    return status;
  }
  context.emit(boost::json::object({{"logged_out", true}}), "Logged out.");
  return ok_status();
}

Status run_whoami(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value me, api->call("GET", "/v1/auth/me"));
  bool totp = json_flag(me, "totp_enabled");
  boost::json::object out = me.is_object() ? me.get_object() : boost::json::object();
  out["server"] = api->http().base_url();
  std::string human = json_string(me, "email") + " on " + api->http().base_url() + " (user id " +
                      json_string(me, "user_id") +
                      ", second factor: " + (totp ? "TOTP app" : "mailed code") + ")";
  // The key's fingerprint, so that people sharing with this user can confirm what they saw.
  if (Result<const format::age::X25519Identity*> identity = context.identity(); identity.ok()) {
    std::string public_key = (*identity)->recipient().to_string();
    out["public_key"] = public_key;
    out["fingerprint"] = key_fingerprint(public_key);
    human += "\nYour end-to-end key: " + public_key + " (" + key_fingerprint(public_key) + ")";
  }
  context.emit(out, human);
  return ok_status();
}

Status run_totp_enroll(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value enrolled, api->call("POST", "/v1/auth/totp/enroll"));
  std::string secret = json_string(enrolled, "secret");
  std::string uri = json_string(enrolled, "otpauth_uri");
  std::string human;
  if (!context.json) {
    CAAS_ASSIGN_OR_RETURN(std::string qr, render_qr(uri));
    human = "Scan this with your authenticator app:\n\n" + qr + "\nOr enter the secret: " + secret +
            "\nThen confirm with a code from the app: caas totp confirm CODE";
  }
  context.emit(boost::json::object({{"secret", secret}, {"otpauth_uri", uri}}), human);
  crypto::detail::secure_wipe(secret.data(), secret.size());
  return ok_status();
}

Status run_totp_confirm(Context& context, const std::string& code_flag) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(std::string code,
                        read_code(code_flag, "Code from your authenticator app:"));
  boost::json::object body{{"otp", code}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value done, api->call("POST", "/v1/auth/totp/confirm", body));
  (void)done;
  context.emit(boost::json::object({{"totp_enabled", true}}),
               "TOTP is on: from now on, login asks for a code from your app.");
  return ok_status();
}

Status run_passwd(Context& context, bool rewrap_only) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(ClientConfig * config, context.config());
  CAAS_ASSIGN_OR_RETURN(const format::age::X25519Identity* identity, context.identity());
  KdfParams params = default_kdf(config->email);
  if (rewrap_only) {
    // Recovery after a password change whose re-wrap did not reach the server: this device
    // still holds the identity; wrap it under the password the server has now.
    CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes password, read_password(false));
    CAAS_ASSIGN_OR_RETURN(DerivedKeys keys, derive_keys(password.expose(), params));
    if (Status status = put_wrapped_identity(*api, *identity, keys.master_key, params);
        !status.ok()) {
      return status;
    }
    context.emit(boost::json::object({{"rewrapped", true}}),
                 "Your end-to-end key is now wrapped under this password.");
    return ok_status();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes current,
                        read_password(false, "CAAS_PASSWORD", "Current password:"));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes next,
                        read_password(true, "CAAS_NEW_PASSWORD", "New password:"));
  if (Status status = check_strength(next); !status.ok()) {
    return status;
  }
  CAAS_ASSIGN_OR_RETURN(DerivedKeys old_keys, derive_keys(current.expose(), params));
  CAAS_ASSIGN_OR_RETURN(DerivedKeys new_keys, derive_keys(next.expose(), params));
  boost::json::object change;
  change["current_password"] = boost::json::string_view(as_chars(old_keys.auth_secret.expose()));
  change["new_password"] = boost::json::string_view(as_chars(new_keys.auth_secret.expose()));
  CAAS_ASSIGN_OR_RETURN(boost::json::value session, api->call("POST", "/v1/auth/password", change));
  // Every session ended with the change; the answer carries this device's new one.
  std::string token = json_string(session, "token");
  config->token = crypto::SecretBytes::copy_of(as_bytes(token));
  crypto::detail::secure_wipe(token.data(), token.size());
  if (Status status = save_config(*config); !status.ok()) {
    return status;
  }
  api->http().set_token(config->token.clone());
  if (Status status = put_wrapped_identity(*api, *identity, new_keys.master_key, params);
      !status.ok()) {
    return error(status.code(), "the password changed, but your key could not be re-wrapped (" +
                                    status.message() +
                                    "): run `caas passwd --rewrap` on this device");
  }
  context.emit(boost::json::object({{"password_changed", true}}),
               "Password changed; other sessions have ended. Your end-to-end key is re-wrapped.");
  return ok_status();
}

}  // namespace caas::cli
