// keys, api-key, transit and operator: thin commands over their routes. Binary values go to
// the API as base64 and come back decoded, so shell pipes carry raw bytes.
#include <cstdio>
#include <cstdlib>

#include <boost/json/serialize.hpp>

#include "base/base64.h"
#include "cli/age_keys.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/prompt.h"
#include "cli/zk_keys.h"

namespace caas::cli {
namespace {

// Transit inputs read from stdin are bounded like the server's JSON bodies.
constexpr std::size_t kMaxTransitInputBytes = std::size_t{32} << 20;

Result<std::string> data_or_stdin(const std::string& data) {
  if (!data.empty()) {
    return data;
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes bytes, read_small_file("-", kMaxTransitInputBytes));
  return std::string(as_chars(bytes.expose()));
}

Status write_raw(ByteSpan bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    return error(ErrorCode::kIo, "cannot write to stdout");
  }
  std::fflush(stdout);
  return ok_status();
}

std::string scope_list(const boost::json::value& key) {
  std::string text;
  if (const boost::json::value* scopes = json_field(key, "scopes");
      scopes != nullptr && scopes->is_array()) {
    for (const boost::json::value& scope : scopes->get_array()) {
      text += (text.empty() ? "" : ",") + std::string(scope.is_string() ? scope.get_string() : "");
    }
  }
  return text;
}

void add_context(boost::json::object& body, const TransitOptions& options) {
  if (!options.context.empty()) {
    body["context"] = base64_encode(as_bytes(options.context));
  }
}

Status transit_verify_result(Context& context, const boost::json::value& answer) {
  bool valid = json_flag(answer, "valid");
  context.emit(answer, valid ? "valid" : "");
  if (!valid) {
    return error(ErrorCode::kDecryptionFailed, "does not verify");
  }
  return ok_status();
}

}  // namespace

Status run_keys_export(Context& context) {
  CAAS_ASSIGN_OR_RETURN(const format::age::X25519Identity* identity, context.identity());
  crypto::SecretBytes file = format_identity_file(*identity);
  if (context.json) {
    boost::json::object out{{"public_key", identity->recipient().to_string()},
                            {"identity", as_chars(file.expose())}};
    context.emit(out, "");
    return ok_status();
  }
  if (stdout_is_terminal()) {
    std::fprintf(stderr, "This is your secret key: keep it like a password.\n");
  }
  return write_raw(file.expose());
}

Status run_keys_show(Context& context, const std::string& email) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  std::string public_key;
  std::string who = email;
  if (email.empty()) {
    CAAS_ASSIGN_OR_RETURN(const format::age::X25519Identity* identity, context.identity());
    public_key = identity->recipient().to_string();
    CAAS_ASSIGN_OR_RETURN(ClientConfig * config, context.config());
    who = config->email;
  } else {
    CAAS_ASSIGN_OR_RETURN(boost::json::value key,
                          api->call("GET", "/v1/keys/" + url_encode(email, false)));
    public_key = json_string(key, "public_key");
  }
  context.emit(boost::json::object({{"email", who},
                                    {"public_key", public_key},
                                    {"fingerprint", key_fingerprint(public_key)}}),
               who + "  " + public_key + "  " + key_fingerprint(public_key));
  return ok_status();
}

Status run_api_key_create(Context& context, const std::string& name,
                          const std::vector<std::string>& scopes) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  boost::json::array scope_array;
  for (const std::string& scope : scopes) {
    scope_array.emplace_back(scope);
  }
  boost::json::object body{{"name", name}, {"scopes", scope_array}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value created, api->call("POST", "/v1/auth/api-keys", body));
  context.emit(created, "API key " + json_string(created, "id") + " (" + name +
                            "), shown only this once:\n" + json_string(created, "api_key"));
  return ok_status();
}

Status run_api_key_ls(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value listed, api->call("GET", "/v1/auth/api-keys"));
  std::string human;
  const boost::json::value* keys =
      listed.is_object() ? listed.get_object().if_contains("api_keys") : nullptr;
  if (keys != nullptr && keys->is_array()) {
    for (const boost::json::value& key : keys->get_array()) {
      human +=
          json_string(key, "id") + "  " + json_string(key, "name") + "  " + scope_list(key) + "\n";
    }
  }
  context.emit(listed, human.empty() ? "No API keys." : human);
  return ok_status();
}

Status run_api_key_rm(Context& context, const std::string& id) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value done,
                        api->call("DELETE", "/v1/auth/api-keys/" + url_encode(id, false)));
  (void)done;
  context.emit(boost::json::object({{"id", id}, {"revoked", true}}), "Revoked API key " + id);
  return ok_status();
}

Status run_transit(Context& context, const std::string& action, const TransitOptions& options) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  std::string key = url_encode(options.key, false);
  if (action == "create") {
    boost::json::object body{{"type", options.type}, {"derived", options.derived}};
    CAAS_ASSIGN_OR_RETURN(boost::json::value created,
                          api->call("POST", "/v1/transit/keys/" + key, body));
    context.emit(created.is_null()
                     ? boost::json::value(boost::json::object({{"name", options.key}}))
                     : created,
                 "Created transit key " + options.key + " (" + options.type + ")");
    return ok_status();
  }
  if (action == "show" || action == "rotate") {
    CAAS_ASSIGN_OR_RETURN(boost::json::value shown,
                          action == "show"
                              ? api->call("GET", "/v1/transit/keys/" + key)
                              : api->call("POST", "/v1/transit/keys/" + key + "/rotate"));
    context.emit(shown, boost::json::serialize(shown));
    return ok_status();
  }
  if (action == "encrypt" || action == "sign" || action == "hmac") {
    CAAS_ASSIGN_OR_RETURN(std::string data, data_or_stdin(options.data));
    boost::json::object body;
    body[action == "encrypt" ? "plaintext" : "input"] = base64_encode(as_bytes(data));
    add_context(body, options);
    CAAS_ASSIGN_OR_RETURN(boost::json::value answer,
                          api->call("POST", "/v1/transit/" + action + "/" + key, body));
    std::string field = action == "encrypt" ? "ciphertext"
                        : action == "sign"  ? "signature"
                                            : "hmac";
    context.emit(answer, json_string(answer, field));
    return ok_status();
  }
  if (action == "decrypt" || action == "rewrap") {
    boost::json::object body{{"ciphertext", options.data}};
    add_context(body, options);
    CAAS_ASSIGN_OR_RETURN(boost::json::value answer,
                          api->call("POST", "/v1/transit/" + action + "/" + key, body));
    if (action == "rewrap" || context.json) {
      context.emit(answer, json_string(answer, "ciphertext"));
      return ok_status();
    }
    CAAS_ASSIGN_OR_RETURN(Bytes plaintext, base64_decode(json_string(answer, "plaintext")));
    return write_raw(plaintext);
  }
  if (action == "verify" || action == "verify-hmac") {
    CAAS_ASSIGN_OR_RETURN(std::string data, data_or_stdin(options.data));
    boost::json::object body{{"input", base64_encode(as_bytes(data))}};
    body[action == "verify" ? "signature" : "hmac"] = options.signature;
    add_context(body, options);
    CAAS_ASSIGN_OR_RETURN(boost::json::value answer,
                          api->call("POST", "/v1/transit/" + action + "/" + key, body));
    return transit_verify_result(context, answer);
  }
  if (action == "random") {
    CAAS_ASSIGN_OR_RETURN(boost::json::value answer,
                          api->call("GET", "/v1/transit/random/" + std::to_string(options.bytes)));
    context.emit(answer, json_string(answer, "random"));
    return ok_status();
  }
  return error(ErrorCode::kInvalidArgument, "unknown transit action " + action);
}

Status run_operator_init(Context& context, const InitOptions& options) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  boost::json::object body{{"shares", options.shares}, {"threshold", options.threshold}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value answer, api->call("POST", "/v1/sys/init", body));
  std::string human = "Initialized. Unseal shares (any " + std::to_string(options.threshold) +
                      " of these " + std::to_string(options.shares) +
                      " open the server; give each to a different person):\n";
  int n = 0;
  CAAS_ASSIGN_OR_RETURN(const boost::json::array* shares, json_array(answer, "shares"));
  for (const boost::json::value& share : *shares) {
    std::string text = share.is_string() ? std::string(share.get_string()) : "?";
    human += "  share " + std::to_string(++n) + ": " + text + "\n";
  }
  human += "Root token (operator; keep it offline): " + json_string(answer, "root_token") +
           "\nThe server is sealed: run `caas operator unseal` with " +
           std::to_string(options.threshold) + " shares.";
  context.emit(answer, human);
  return ok_status();
}

Status run_operator_unseal(Context& context, const std::string& share_flag) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  std::string share = share_flag;
  if (share.empty()) {
    CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes typed, ask_secret("Unseal share:"));
    share = std::string(as_chars(typed.expose()));
  }
  boost::json::object body{{"share", share}};
  CAAS_ASSIGN_OR_RETURN(boost::json::value answer, api->call("POST", "/v1/sys/unseal", body));
  const boost::json::value* progress = json_field(answer, "progress");
  const boost::json::value* threshold = json_field(answer, "threshold");
  std::string human =
      json_flag(answer, "sealed")
          ? "Share accepted: " + (progress ? boost::json::serialize(*progress) : "?") + " of " +
                (threshold ? boost::json::serialize(*threshold) : "?") + "; still sealed."
          : std::string("Unsealed.");
  context.emit(answer, human);
  return ok_status();
}

Status run_operator_seal(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value done, api->call("POST", "/v1/sys/seal"));
  (void)done;
  context.emit(boost::json::object({{"sealed", true}}),
               "Sealed: key operations answer 503 until unsealed.");
  return ok_status();
}

Status run_operator_status(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.api());
  CAAS_ASSIGN_OR_RETURN(boost::json::value health, api->call("GET", "/v1/sys/health"));
  if (json_field(health, "initialized") == nullptr || json_field(health, "sealed") == nullptr) {
    return error(ErrorCode::kInternal, "the server's answer is not a caasd health report");
  }
  bool initialized = json_flag(health, "initialized");
  bool sealed = json_flag(health, "sealed");
  std::string human = api->http().base_url() + ": caasd " + json_string(health, "version") + ", " +
                      (initialized ? (sealed ? "sealed" : "unsealed") : "not initialized");
  context.emit(health, human);
  return ok_status();
}

}  // namespace caas::cli
