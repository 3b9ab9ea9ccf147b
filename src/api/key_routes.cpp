#include "api/key_routes.h"

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/json_body.h"
#include "auth/email.h"
#include "base/base64.h"
#include "base/time_format.h"
#include "format/age/x25519.h"

namespace caas::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kReadScope = "keys:read";
constexpr std::size_t kMaxIdentityBytes = 4096;
constexpr std::size_t kMaxKdfBytes = 4096;
// The largest valid body: an age1 key, base64 of kMaxIdentityBytes, kMaxKdfBytes of JSON.
constexpr std::size_t kPutBodyBytes = std::size_t{16} * 1024;
// Every route reads or writes the database (whose commits fsync): the worker pool runs them.
constexpr RouteOptions kKeyRoute{0, true, true};

// The caller allowed `scope` (empty: a session only); else the refusal.
std::variant<auth::Principal, Response> caller_of(const Request& request, const KeyDeps& deps,
                                                  std::string_view scope) {
  std::variant<auth::Principal, Response> caller = authorize(request, deps.auth, scope);
  // Users' data answers 503 while sealed, as /v1/auth/me does, though these rows need no key.
  if (std::holds_alternative<auth::Principal>(caller) && !deps.auth.seal->keyring()) {
    return auth_error_response(auth::refuse::sealed());
  }
  if (const auto* principal = std::get_if<auth::Principal>(&caller);
      principal != nullptr && scope.empty() && !principal->is_session()) {
    return auth_error_response(
        auth::refuse::forbidden("only a session may store a key, not an API key or the operator"));
  }
  return caller;
}

Response bad_field(std::string_view message) {
  return error_response(400, "invalid_request", message);
}

// The body of PUT /v1/keys/me as a record, or the 400 naming the first bad field.
std::variant<meta::UserKeyRecord, Response> read_key(const json::object& body) {
  meta::UserKeyRecord key;
  Result<std::string_view> public_key = get_string(body, "public_key");
  if (!public_key.ok()) {
    return error_response(public_key.status());
  }
  if (!format::age::X25519Recipient::parse(*public_key).ok()) {
    return bad_field("public_key: must be an age X25519 recipient (age1…)");
  }
  Result<std::string_view> identity = get_string(body, "encrypted_identity");
  if (!identity.ok()) {
    return error_response(identity.status());
  }
  Result<std::size_t> identity_bytes = base64_decoded_size(*identity);
  if (!identity_bytes.ok() || *identity_bytes == 0 || *identity_bytes > kMaxIdentityBytes ||
      !base64_decode(*identity).ok()) {
    return bad_field("encrypted_identity: must be standard base64 of 1 to 4096 bytes");
  }
  const json::value* kdf = body.if_contains("kdf");
  if (kdf == nullptr || !kdf->is_object()) {
    return bad_field("kdf: must be a JSON object");
  }
  key.kdf = json::serialize(*kdf);
  if (key.kdf.size() > kMaxKdfBytes) {
    return bad_field("kdf: must serialize to at most 4096 bytes");
  }
  key.public_key = std::string(*public_key);
  key.encrypted_identity = std::string(*identity);
  return key;
}

Handler put_my_key(const KeyDeps& deps) {
  return [deps](Request& request) -> Response {
    std::variant<auth::Principal, Response> caller = caller_of(request, deps, "");
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    const auth::Principal& principal = std::get<auth::Principal>(caller);
    Result<json::object> body = parse_json_object(request.body);
    if (!body.ok()) {
      return error_response(body.status());
    }
    std::variant<meta::UserKeyRecord, Response> key = read_key(*body);
    if (auto* refusal = std::get_if<Response>(&key)) {
      return std::move(*refusal);
    }
    auto& record = std::get<meta::UserKeyRecord>(key);
    record.user_id = principal.user_id;
    record.updated_at = format_rfc3339(deps.clock->now());
    if (Status stored = deps.accounts->put_user_key(record); !stored.ok()) {
      return error_response(stored);
    }
    Status audited =
        deps.audit->record({principal.audit_actor(), "keys.put", principal.user_id, "ok"});
    if (!audited.ok()) {
      spdlog::error("audit of keys.put failed: {}", audited.to_string());
    }
    Response response;
    response.status = 204;
    return response;
  };
}

Handler get_my_key(const KeyDeps& deps) {
  return [deps](Request& request) -> Response {
    std::variant<auth::Principal, Response> caller = caller_of(request, deps, kReadScope);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    Result<std::optional<meta::UserKeyRecord>> key =
        deps.accounts->find_user_key(std::get<auth::Principal>(caller).user_id);
    if (!key.ok()) {
      return error_response(key.status());
    }
    if (!*key) {
      return error_response(404, "not_found", "no key stored for this user");
    }
    boost::system::error_code ec;
    json::value kdf = json::parse((*key)->kdf, ec);
    if (ec || !kdf.is_object()) {
      return error_response(error(ErrorCode::kDataLoss, "stored kdf is not a JSON object"));
    }
    return json_response(200,
                         json::object{{"public_key", (*key)->public_key},
                                      {"encrypted_identity", (*key)->encrypted_identity},
                                      {"kdf", std::move(kdf)},
                                      {"updated_at", (*key)->updated_at}},
                         true);
  };
}

Handler get_user_key(const KeyDeps& deps) {
  return [deps](Request& request) -> Response {
    std::variant<auth::Principal, Response> caller = caller_of(request, deps, kReadScope);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    Result<std::string> email = auth::normalize_email(request.param("email"));
    if (!email.ok()) {
      return bad_field("email: not a valid email address");
    }
    Result<std::optional<meta::UserRecord>> user = deps.accounts->find_user_by_email(*email);
    if (!user.ok()) {
      return error_response(user.status());
    }
    Result<std::optional<meta::UserKeyRecord>> key =
        *user ? deps.accounts->find_user_key((*user)->id)
              : Result<std::optional<meta::UserKeyRecord>>(std::nullopt);
    if (!key.ok()) {
      return error_response(key.status());
    }
    if (!*key) {
      return error_response(404, "user_not_found", "no registered user with a key has this email");
    }
    return json_response(200, json::object{{"email", *email}, {"public_key", (*key)->public_key}});
  };
}

}  // namespace

void add_key_routes(Router& router, const KeyDeps& deps) {
  RouteOptions put = kKeyRoute;
  put.max_body_bytes = kPutBodyBytes;
  // "me" first: the router takes the first match.
  router.add("PUT", "/v1/keys/me", put_my_key(deps), put);
  router.add("GET", "/v1/keys/me", get_my_key(deps), kKeyRoute);
  router.add("GET", "/v1/keys/{email}", get_user_key(deps), kKeyRoute);
}

}  // namespace caas::api
