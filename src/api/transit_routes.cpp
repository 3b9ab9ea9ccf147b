#include "api/transit_routes.h"

#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/json_body.h"
#include "auth/principal.h"
#include "base/base64.h"
#include "crypto/random.h"
#include "transit/ciphertext.h"

namespace caas::api {
namespace json = boost::json;
namespace {

using transit::TransitService;

constexpr RouteOptions kOperation{kTransitBodyLimitBytes, true, false};
constexpr RouteOptions kManagement{0, true, true};  // key generation and database writes
constexpr std::size_t kMaxRandomBytes = 1024;

ApiError api_error(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kDecryptionFailed:
      return {400, "decryption_failed", "decryption failed"};
    case ErrorCode::kInvalidArgument:
      if (status.message().starts_with("context_required")) {
        return {400, "context_required", "this key is derived: give a context"};
      }
      return {400, "invalid_request", status.message()};
    case ErrorCode::kNotFound:
      return {404, "not_found", "no such transit key"};
    case ErrorCode::kAlreadyExists:
      return {409, "key_exists", "a transit key with this name exists"};
    case ErrorCode::kResourceExhausted:
      return {409, "limit_reached", status.message()};
    default:
      break;
  }
  return api_error_for(status);
}

Response error_of(const Status& status) {
  ApiError error = api_error(status);
  return error_response(error.http_status, error.code, error.message);
}

json::object item_error(const Status& status) {
  ApiError error = api_error(status);
  return {{"error", {{"code", error.code}, {"message", error.message}}}};
}

// A base64 field decoded into wiped memory; absent optional fields give empty bytes.
Result<crypto::SecretBytes> b64_field(const json::object& item, std::string_view field,
                                      bool required, std::size_t max_bytes) {
  const json::value* value = item.if_contains(field);
  if (value == nullptr || value->is_null()) {
    if (required) {
      return invalid_argument("field " + std::string(field) + ": missing");
    }
    return crypto::SecretBytes();
  }
  if (!value->is_string()) {
    return invalid_argument("field " + std::string(field) + ": must be a base64 string");
  }
  std::string_view text = value->as_string();
  Result<std::size_t> size = base64_decoded_size(text);
  if (!size.ok() || *size > max_bytes) {
    return invalid_argument("field " + std::string(field) + ": must be base64 of at most " +
                            std::to_string(max_bytes) + " bytes");
  }
  crypto::SecretBytes bytes(*size);
  if (!base64_decode_into(text, bytes.expose_mutable()).ok()) {
    return invalid_argument("field " + std::string(field) + ": must be a base64 string");
  }
  return bytes;
}

// The optional context and associated_data of an AEAD item.
struct AeadExtras {
  crypto::SecretBytes context;
  crypto::SecretBytes aad;
};

Result<AeadExtras> aead_extras(const json::object& item) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes context,
                        b64_field(item, "context", false, transit::kMaxContextBytes));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes aad,
                        b64_field(item, "associated_data", false, transit::kMaxPlaintextBytes));
  return AeadExtras{std::move(context), std::move(aad)};
}

Result<std::string_view> string_field(const json::object& item, std::string_view field) {
  return get_string(item, field);
}

// One item of an operation: its result object, or the failure.
using ItemOp = std::function<Result<json::object>(const json::object& item)>;

struct Caller {
  std::string owner;
  std::string name;
  bool session = false;  // a signed-in session (key management needs one), not an API key
};

// Authenticates the caller, then checks the key name in the path and the scope
// transit:<name>; the caller or the refusal.
std::variant<Caller, Response> caller_for(const Request& request, const TransitDeps& deps) {
  std::variant<auth::Principal, Response> principal = authorize(request, deps.auth, "");
  if (auto* refusal = std::get_if<Response>(&principal)) {
    return std::move(*refusal);
  }
  const auth::Principal& caller = std::get<auth::Principal>(principal);
  std::string name(request.param("name"));
  if (!auth::is_transit_key_name(name)) {
    return error_response(
        400, "invalid_request",
        "key name: 1 to 64 characters of A-Z a-z 0-9 _ - . (not starting with .)");
  }
  if (!caller.allows("transit:" + name)) {
    return error_response(403, "forbidden",
                          caller.kind == auth::Principal::Kind::kOperator
                              ? "the operator token manages the server, not users' keys"
                              : "this API key does not have the scope transit:" + name);
  }
  return Caller{caller.user_id, std::move(name), caller.is_session()};
}

// Runs `op` on the body, or on each element of its batch_input, answering in order.
Response run_items(const Request& request, const ItemOp& op, bool sensitive) {
  Result<json::object> body = parse_json_object(request.body);
  if (!body.ok()) {
    return error_response(body.status());
  }
  if (const json::value* batch = body->if_contains("batch_input")) {
    if (!batch->is_array() || batch->as_array().empty() ||
        batch->as_array().size() > kMaxBatchItems) {
      return error_response(400, "invalid_request",
                            "field batch_input: an array of 1 to 1000 objects");
    }
    json::array results;
    results.reserve(batch->as_array().size());
    for (const json::value& item : batch->as_array()) {
      if (!item.is_object()) {
        results.push_back(item_error(invalid_argument("batch item: must be an object")));
        continue;
      }
      Result<json::object> result = op(item.as_object());
      results.push_back(result.ok() ? json::value(std::move(*result))
                                    : json::value(item_error(result.status())));
    }
    return json_response(200, {{"batch_results", std::move(results)}}, sensitive);
  }
  Result<json::object> result = op(*body);
  if (!result.ok()) {
    return error_of(result.status());
  }
  return json_response(200, std::move(*result), sensitive);
}

// A route that authorizes the key in the path, then runs `make(caller)` per item.
template <typename MakeOp>
Handler operation(const TransitDeps& deps, bool sensitive, MakeOp make) {
  return [deps, sensitive, make](Request& request) {
    std::variant<Caller, Response> caller = caller_for(request, deps);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    // A missing key or a sealed server fails the whole request, not each batch item.
    const Caller& who = std::get<Caller>(caller);
    if (Status key = deps.transit->check_key(who.owner, who.name); !key.ok()) {
      return error_of(key);
    }
    return run_items(request, make(who), sensitive);
  };
}

json::value key_info_json(const transit::KeyInfo& info) {
  json::object versions;
  for (const transit::KeyInfo::Version& version : info.versions) {
    json::object entry{{"created_at", version.created_at}, {"encryptions", version.encryptions}};
    if (!version.public_key.empty()) {
      entry["public_key"] = version.public_key;
    }
    versions[std::to_string(version.version)] = std::move(entry);
  }
  return {{"name", info.name},
          {"type", transit::key_type_name(info.type)},
          {"derived", info.derived},
          {"latest_version", info.latest_version},
          {"min_decryption_version", info.min_decryption_version},
          {"versions", std::move(versions)}};
}

// Key management needs the owner's session (an API key only uses keys).
Handler management(const TransitDeps& deps, unsigned ok_status,
                   std::function<Result<transit::KeyInfo>(const Caller&, const json::object&)> run,
                   bool reads_body) {
  return [deps, ok_status, run, reads_body](Request& request) {
    std::variant<Caller, Response> caller = caller_for(request, deps);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    if (!std::get<Caller>(caller).session) {
      return error_response(403, "forbidden", "managing transit keys needs a signed-in session");
    }
    json::object body;
    if (reads_body && !request.body.empty()) {
      Result<json::object> parsed = parse_json_object(request.body);
      if (!parsed.ok()) {
        return error_response(parsed.status());
      }
      body = std::move(*parsed);
    }
    Result<transit::KeyInfo> info = run(std::get<Caller>(caller), body);
    if (!info.ok()) {
      return error_of(info.status());
    }
    return json_response(ok_status, key_info_json(*info));
  };
}

void add_key_routes(Router& router, const TransitDeps& deps) {
  TransitService* svc = deps.transit;
  router.add("POST", "/v1/transit/keys/{name}",
             management(
                 deps, 201,
                 [svc](const Caller& caller, const json::object& body) -> Result<transit::KeyInfo> {
                   CAAS_ASSIGN_OR_RETURN(std::string_view type_name, get_string(body, "type"));
                   std::optional<transit::KeyType> type = transit::parse_key_type(type_name);
                   if (!type) {
                     return invalid_argument(
                         "field type: one of aes256-gcm, chacha20-poly1305, xchacha20-poly1305, "
                         "ed25519, rsa-3072, hmac");
                   }
                   bool derived = false;
                   if (const json::value* value = body.if_contains("derived")) {
                     if (!value->is_bool()) {
                       return invalid_argument("field derived: must be true or false");
                     }
                     derived = value->as_bool();
                   }
                   return svc->create_key(caller.owner, caller.name, *type, derived);
                 },
                 true),
             kManagement);
  router.add("GET", "/v1/transit/keys/{name}", [deps, svc](Request& request) {
    std::variant<Caller, Response> caller = caller_for(request, deps);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    Result<transit::KeyInfo> info =
        svc->key_info(std::get<Caller>(caller).owner, std::get<Caller>(caller).name);
    return info.ok() ? json_response(200, key_info_json(*info)) : error_of(info.status());
  });
  router.add("POST", "/v1/transit/keys/{name}/rotate",
             management(
                 deps, 200,
                 [svc](const Caller& caller, const json::object&) {
                   return svc->rotate(caller.owner, caller.name);
                 },
                 false),
             kManagement);
  router.add("POST", "/v1/transit/keys/{name}/config",
             management(
                 deps, 200,
                 [svc](const Caller& caller, const json::object& body) -> Result<transit::KeyInfo> {
                   CAAS_ASSIGN_OR_RETURN(
                       std::int64_t version,
                       get_int(body, "min_decryption_version", 1,
                               static_cast<std::int64_t>(transit::kMaxKeyVersion)));
                   return svc->set_min_decryption_version(caller.owner, caller.name, version);
                 },
                 true),
             kManagement);
}

void add_cipher_routes(Router& router, const TransitDeps& deps) {
  TransitService* svc = deps.transit;
  router.add("POST", "/v1/transit/encrypt/{name}",
             operation(deps, false,
                       [svc](const Caller& caller) -> ItemOp {
                         return [svc, caller](const json::object& item) -> Result<json::object> {
                           CAAS_ASSIGN_OR_RETURN(
                               crypto::SecretBytes plaintext,
                               b64_field(item, "plaintext", true, transit::kMaxPlaintextBytes));
                           CAAS_ASSIGN_OR_RETURN(AeadExtras extras, aead_extras(item));
                           CAAS_ASSIGN_OR_RETURN(
                               std::string ciphertext,
                               svc->encrypt(caller.owner, caller.name, plaintext.expose(),
                                            extras.context.expose(), extras.aad.expose()));
                           return json::object{{"ciphertext", ciphertext}};
                         };
                       }),
             kOperation);
  router.add("POST", "/v1/transit/decrypt/{name}",
             operation(deps, true,
                       [svc](const Caller& caller) -> ItemOp {
                         return [svc, caller](const json::object& item) -> Result<json::object> {
                           CAAS_ASSIGN_OR_RETURN(std::string_view ciphertext,
                                                 string_field(item, "ciphertext"));
                           CAAS_ASSIGN_OR_RETURN(AeadExtras extras, aead_extras(item));
                           CAAS_ASSIGN_OR_RETURN(
                               crypto::SecretBytes plaintext,
                               svc->decrypt(caller.owner, caller.name, ciphertext,
                                            extras.context.expose(), extras.aad.expose()));
                           return json::object{{"plaintext", base64_encode(plaintext.expose())}};
                         };
                       }),
             kOperation);
  router.add("POST", "/v1/transit/rewrap/{name}",
             operation(deps, false,
                       [svc](const Caller& caller) -> ItemOp {
                         return [svc, caller](const json::object& item) -> Result<json::object> {
                           CAAS_ASSIGN_OR_RETURN(std::string_view ciphertext,
                                                 string_field(item, "ciphertext"));
                           CAAS_ASSIGN_OR_RETURN(AeadExtras extras, aead_extras(item));
                           CAAS_ASSIGN_OR_RETURN(
                               std::string rewrapped,
                               svc->rewrap(caller.owner, caller.name, ciphertext,
                                           extras.context.expose(), extras.aad.expose()));
                           return json::object{{"ciphertext", rewrapped}};
                         };
                       }),
             kOperation);
  for (bool with_plaintext : {true, false}) {
    router.add("POST",
               with_plaintext ? "/v1/transit/datakey/plaintext/{name}"
                              : "/v1/transit/datakey/wrapped/{name}",
               operation(deps, with_plaintext,
                         [svc, with_plaintext](const Caller& caller) -> ItemOp {
                           return [svc, caller, with_plaintext](
                                      const json::object& item) -> Result<json::object> {
                             CAAS_ASSIGN_OR_RETURN(
                                 crypto::SecretBytes context,
                                 b64_field(item, "context", false, transit::kMaxContextBytes));
                             std::int64_t bits = 256;
                             if (item.contains("bits")) {
                               CAAS_ASSIGN_OR_RETURN(bits, get_int(item, "bits", 128, 512));
                             }
                             CAAS_ASSIGN_OR_RETURN(
                                 transit::DataKey key,
                                 svc->datakey(caller.owner, caller.name, context.expose(),
                                              static_cast<unsigned>(bits)));
                             json::object result{{"ciphertext", key.ciphertext}};
                             if (with_plaintext) {
                               result["plaintext"] = base64_encode(key.plaintext.expose());
                             }
                             return result;
                           };
                         }),
               kOperation);
  }
}

void add_mac_and_signature_routes(Router& router, const TransitDeps& deps) {
  TransitService* svc = deps.transit;
  router.add(
      "POST", "/v1/transit/hmac/{name}",
      operation(
          deps, false,
          [svc](const Caller& caller) -> ItemOp {
            return [svc, caller](const json::object& item) -> Result<json::object> {
              CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes input,
                                    b64_field(item, "input", true, transit::kMaxPlaintextBytes));
              CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes context,
                                    b64_field(item, "context", false, transit::kMaxContextBytes));
              CAAS_ASSIGN_OR_RETURN(std::string tag, svc->hmac(caller.owner, caller.name,
                                                               input.expose(), context.expose()));
              return json::object{{"hmac", tag}};
            };
          }),
      kOperation);
  router.add("POST", "/v1/transit/verify-hmac/{name}",
             operation(deps, false,
                       [svc](const Caller& caller) -> ItemOp {
                         return [svc, caller](const json::object& item) -> Result<json::object> {
                           CAAS_ASSIGN_OR_RETURN(
                               crypto::SecretBytes input,
                               b64_field(item, "input", true, transit::kMaxPlaintextBytes));
                           CAAS_ASSIGN_OR_RETURN(std::string_view tag, string_field(item, "hmac"));
                           CAAS_ASSIGN_OR_RETURN(
                               crypto::SecretBytes context,
                               b64_field(item, "context", false, transit::kMaxContextBytes));
                           CAAS_ASSIGN_OR_RETURN(
                               bool valid, svc->verify_hmac(caller.owner, caller.name,
                                                            input.expose(), tag, context.expose()));
                           return json::object{{"valid", valid}};
                         };
                       }),
             kOperation);
  // RSA-3072 signatures take milliseconds: these run on the worker pool.
  RouteOptions signing = kOperation;
  signing.offload = true;
  router.add("POST", "/v1/transit/sign/{name}",
             operation(deps, false,
                       [svc](const Caller& caller) -> ItemOp {
                         return [svc, caller](const json::object& item) -> Result<json::object> {
                           CAAS_ASSIGN_OR_RETURN(
                               crypto::SecretBytes input,
                               b64_field(item, "input", true, transit::kMaxPlaintextBytes));
                           CAAS_ASSIGN_OR_RETURN(
                               std::string signature,
                               svc->sign(caller.owner, caller.name, input.expose()));
                           return json::object{{"signature", signature}};
                         };
                       }),
             signing);
  router.add(
      "POST", "/v1/transit/verify/{name}",
      operation(
          deps, false,
          [svc](const Caller& caller) -> ItemOp {
            return [svc, caller](const json::object& item) -> Result<json::object> {
              CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes input,
                                    b64_field(item, "input", true, transit::kMaxPlaintextBytes));
              CAAS_ASSIGN_OR_RETURN(std::string_view signature, string_field(item, "signature"));
              CAAS_ASSIGN_OR_RETURN(
                  bool valid, svc->verify(caller.owner, caller.name, input.expose(), signature));
              return json::object{{"valid", valid}};
            };
          }),
      signing);
}

void add_random_route(Router& router, const TransitDeps& deps) {
  router.add("GET", "/v1/transit/random/{bytes}", [deps](Request& request) {
    std::variant<auth::Principal, Response> principal = authorize(request, deps.auth, "");
    if (auto* refusal = std::get_if<Response>(&principal)) {
      return std::move(*refusal);
    }
    std::string_view text = request.param("bytes");
    std::size_t bytes = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
    if (ec != std::errc() || end != text.data() + text.size() || bytes < 1 ||
        bytes > kMaxRandomBytes) {
      return error_response(400, "invalid_request", "bytes: a number from 1 to 1024");
    }
    return json_response(200, {{"random", base64_encode(crypto::random_bytes(bytes))}}, true);
  });
}

// A request of the compatibility shape {"apiKey","userUUID",<data field>}: the owner of the
// API key (whose `compat_key` is used), the user UUID (the context) and the data.
struct CompatCall {
  std::string owner;
  std::string user;
  std::string data;
};

std::variant<CompatCall, Response> read_compat(const Request& request, const TransitDeps& deps,
                                               std::string_view data_field) {
  Result<json::object> body = parse_json_object(request.body);
  if (!body.ok()) {
    return error_response(body.status());
  }
  Result<std::string_view> api_key = get_string(*body, "apiKey");
  if (!api_key.ok()) {
    return error_response(api_key.status());
  }
  auth::AuthResult<auth::Principal> principal = deps.auth.auth->authenticate(*api_key);
  if (!principal.ok() || principal->kind != auth::Principal::Kind::kApiKey) {
    return error_response(401, "unauthorized", "apiKey: not a valid API key");
  }
  if (!principal->allows("transit:" + deps.compat_key)) {
    return error_response(403, "forbidden",
                          "this API key does not have the scope transit:" + deps.compat_key);
  }
  Result<std::string_view> user = get_string(*body, "userUUID");
  if (!user.ok()) {
    return error_response(user.status());
  }
  if (user->empty() || user->size() > transit::kMaxContextBytes) {
    return error_response(400, "invalid_request", "field userUUID: 1 to 4096 characters");
  }
  Result<std::string_view> data = get_string(*body, data_field);
  if (!data.ok()) {
    return error_response(data.status());
  }
  return CompatCall{principal->user_id, std::string(*user), std::string(*data)};
}

void add_compat_routes(Router& router, const TransitDeps& deps) {
  TransitService* svc = deps.transit;
  router.add(
      "POST", "/encrypt",
      [deps, svc](Request& request) {
        std::variant<CompatCall, Response> call = read_compat(request, deps, "sensitiveData");
        if (auto* refusal = std::get_if<Response>(&call)) {
          return std::move(*refusal);
        }
        CompatCall& c = std::get<CompatCall>(call);
        auto encrypt = [&] {
          return svc->encrypt(c.owner, deps.compat_key, as_bytes(c.data), as_bytes(c.user), {});
        };
        Result<std::string> ciphertext = encrypt();
        if (ciphertext.status().code() == ErrorCode::kNotFound) {
          // First use: the owner's compat key is made on demand (a concurrent maker may win).
          svc->create_key(c.owner, deps.compat_key, transit::KeyType::kAes256Gcm, true)
              .status()
              .ignore_error();
          ciphertext = encrypt();
        }
        crypto::detail::secure_wipe(c.data.data(), c.data.size());
        if (!ciphertext.ok()) {
          return error_of(ciphertext.status());
        }
        return json_response(200, {{"encrypted_data", *ciphertext}});
      },
      RouteOptions{kTransitBodyLimitBytes, true, true});
  router.add(
      "POST", "/decrypt",
      [deps, svc](Request& request) {
        std::variant<CompatCall, Response> call = read_compat(request, deps, "encrypted_data");
        if (auto* refusal = std::get_if<Response>(&call)) {
          return std::move(*refusal);
        }
        const CompatCall& c = std::get<CompatCall>(call);
        Result<crypto::SecretBytes> plaintext =
            svc->decrypt(c.owner, deps.compat_key, c.data, as_bytes(c.user), {});
        if (!plaintext.ok()) {
          // No compat key yet means nothing was ever encrypted for this owner.
          return error_of(plaintext.status().code() == ErrorCode::kNotFound ? decryption_failed()
                                                                            : plaintext.status());
        }
        std::string text(plaintext->expose().begin(), plaintext->expose().end());
        Response response = json_response(200, {{"sensitiveData", text}}, true);
        crypto::detail::secure_wipe(text.data(), text.size());
        return response;
      },
      kOperation);
}

}  // namespace

void add_transit_routes(Router& router, const TransitDeps& deps) {
  add_key_routes(router, deps);
  add_cipher_routes(router, deps);
  add_mac_and_signature_routes(router, deps);
  add_random_route(router, deps);
  add_compat_routes(router, deps);
}

}  // namespace caas::api
