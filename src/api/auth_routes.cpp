#include "api/auth_routes.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/json_body.h"
#include "base/time_format.h"

namespace caas::api {
namespace json = boost::json;
namespace {

// Every auth route touches the database (whose commits fsync) and some hash passwords: all of
// them run on the worker pool.
constexpr RouteOptions kOffloaded{0, true, true};

Response no_content() {
  Response response;
  response.status = 204;
  return response;
}

// Reads the named string fields of a JSON body; the first missing or ill-typed one answers 400.
template <std::size_t N>
std::variant<std::array<std::string_view, N>, Response> read_fields(
    const json::object& body, const std::array<std::string_view, N>& names) {
  std::array<std::string_view, N> values;
  for (std::size_t i = 0; i < N; ++i) {
    Result<std::string_view> value = get_string(body, names[i]);
    if (!value.ok()) {
      return error_response(value.status());
    }
    values[i] = *value;
  }
  return values;
}

json::value session_json(const auth::NewSession& session) {
  return {{"token", session.token},
          {"expires_at", format_rfc3339(session.expires_at)},
          {"user_id", session.user_id}};
}

// The shape every handler below shares: parse the body (if any), authorize (if needed), call.
using BodyHandler = std::function<Response(const json::object& body, const Request& request)>;
using CallerHandler =
    std::function<Response(const auth::Principal& caller, const json::object& body)>;

Handler with_body(BodyHandler handler) {
  return [handler = std::move(handler)](Request& request) {
    Result<json::object> body = parse_json_object(request.body);
    if (!body.ok()) {
      return error_response(body.status());
    }
    return handler(*body, request);
  };
}

Handler with_caller(const AuthDeps& deps, bool reads_body, CallerHandler handler) {
  return [deps, reads_body, handler = std::move(handler)](Request& request) {
    std::variant<auth::Principal, Response> caller = authorize(request, deps, "");
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    json::object body;
    if (reads_body) {
      Result<json::object> parsed = parse_json_object(request.body);
      if (!parsed.ok()) {
        return error_response(parsed.status());
      }
      body = std::move(*parsed);
    }
    return handler(std::get<auth::Principal>(caller), body);
  };
}

template <typename T, typename MakeResponse>
Response answer(const auth::AuthResult<T>& result, MakeResponse make) {
  if (!result.ok()) {
    return auth_error_response(result.error());
  }
  return make(*result);
}

void add_registration_routes(Router& router, const AuthDeps& deps) {
  router.add("POST", "/v1/auth/register",
             with_body([deps](const json::object& body, const Request& request) {
               auto fields = read_fields<2>(body, {"email", "password"});
               if (auto* refusal = std::get_if<Response>(&fields)) {
                 return std::move(*refusal);
               }
               auto [email, password] = std::get<0>(fields);
               return answer(deps.auth->register_user(email, password, request.remote_address),
                             [](auth::Done) {
                               return json_response(202, {{"status", "verification_pending"}});
                             });
             }),
             kOffloaded);
  router.add("POST", "/v1/auth/register/verify",
             with_body([deps](const json::object& body, const Request& request) {
               auto fields = read_fields<2>(body, {"email", "otp"});
               if (auto* refusal = std::get_if<Response>(&fields)) {
                 return std::move(*refusal);
               }
               auto [email, otp] = std::get<0>(fields);
               return answer(deps.auth->verify_registration(email, otp, request.remote_address),
                             [](const std::string& user_id) {
                               return json_response(201, {{"user_id", user_id}});
                             });
             }),
             kOffloaded);
}

void add_login_routes(Router& router, const AuthDeps& deps) {
  router.add("POST", "/v1/auth/login",
             with_body([deps](const json::object& body, const Request& request) {
               auto fields = read_fields<2>(body, {"email", "password"});
               if (auto* refusal = std::get_if<Response>(&fields)) {
                 return std::move(*refusal);
               }
               auto [email, password] = std::get<0>(fields);
               return answer(deps.auth->login(email, password, request.remote_address),
                             [](const auth::LoginChallenge& challenge) {
                               return json_response(200,
                                                    {{"status", "otp_required"},
                                                     {"ticket", challenge.ticket},
                                                     {"methods", json::array{challenge.method}}},
                                                    true);
                             });
             }),
             kOffloaded);
  router.add("POST", "/v1/auth/login/verify",
             with_body([deps](const json::object& body, const Request& request) {
               auto fields = read_fields<2>(body, {"ticket", "otp"});
               if (auto* refusal = std::get_if<Response>(&fields)) {
                 return std::move(*refusal);
               }
               auto [ticket, otp] = std::get<0>(fields);
               return answer(deps.auth->verify_login(ticket, otp, request.remote_address),
                             [](const auth::NewSession& session) {
                               return json_response(200, session_json(session), true);
                             });
             }),
             kOffloaded);
  router.add("POST", "/v1/auth/logout",
             with_caller(deps, false,
                         [deps](const auth::Principal& caller, const json::object&) {
                           return answer(deps.auth->logout(caller),
                                         [](auth::Done) { return no_content(); });
                         }),
             kOffloaded);
}

void add_account_routes(Router& router, const AuthDeps& deps) {
  router.add("GET", "/v1/auth/me",
             with_caller(deps, false,
                         [deps](const auth::Principal& caller, const json::object&) {
                           return answer(deps.auth->me(caller), [](const auth::UserInfo& user) {
                             return json_response(200, {{"user_id", user.user_id},
                                                        {"email", user.email},
                                                        {"totp_enabled", user.totp_enabled},
                                                        {"created_at", user.created_at}});
                           });
                         }),
             kOffloaded);
  router.add("POST", "/v1/auth/password",
             with_caller(deps, true,
                         [deps](const auth::Principal& caller, const json::object& body) {
                           auto fields = read_fields<2>(body, {"current_password", "new_password"});
                           if (auto* refusal = std::get_if<Response>(&fields)) {
                             return std::move(*refusal);
                           }
                           auto [current, next] = std::get<0>(fields);
                           return answer(deps.auth->change_password(caller, current, next),
                                         [](const auth::NewSession& session) {
                                           return json_response(200, session_json(session), true);
                                         });
                         }),
             kOffloaded);
}

void add_totp_routes(Router& router, const AuthDeps& deps) {
  router.add("POST", "/v1/auth/totp/enroll",
             with_caller(deps, false,
                         [deps](const auth::Principal& caller, const json::object&) {
                           return answer(deps.auth->totp_enroll(caller),
                                         [](const auth::TotpEnrollment& enrollment) {
                                           return json_response(
                                               200,
                                               {{"secret", enrollment.secret_base32},
                                                {"otpauth_uri", enrollment.otpauth_uri}},
                                               true);
                                         });
                         }),
             kOffloaded);
  for (bool on : {true, false}) {
    router.add("POST", on ? "/v1/auth/totp/confirm" : "/v1/auth/totp/disable",
               with_caller(deps, true,
                           [deps, on](const auth::Principal& caller, const json::object& body) {
                             auto fields = read_fields<1>(body, {"otp"});
                             if (auto* refusal = std::get_if<Response>(&fields)) {
                               return std::move(*refusal);
                             }
                             auto [otp] = std::get<0>(fields);
                             return answer(on ? deps.auth->totp_confirm(caller, otp)
                                              : deps.auth->totp_disable(caller, otp),
                                           [](auth::Done) { return no_content(); });
                           }),
               kOffloaded);
  }
}

Result<std::vector<std::string>> read_scopes(const json::object& body) {
  const json::value* scopes = body.if_contains("scopes");
  if (scopes == nullptr || !scopes->is_array()) {
    return invalid_argument("field scopes: must be an array of strings");
  }
  if (scopes->as_array().size() > auth::kMaxScopes) {
    return invalid_argument("field scopes: give 1 to 32 scopes");
  }
  std::vector<std::string> list;
  for (const json::value& scope : scopes->as_array()) {
    if (!scope.is_string()) {
      return invalid_argument("field scopes: must be an array of strings");
    }
    list.emplace_back(scope.as_string());
  }
  return list;
}

void add_api_key_routes(Router& router, const AuthDeps& deps) {
  router.add(
      "POST", "/v1/auth/api-keys",
      with_caller(
          deps, true,
          [deps](const auth::Principal& caller, const json::object& body) {
            Result<std::string_view> name = get_string(body, "name");
            if (!name.ok()) {
              return error_response(name.status());
            }
            Result<std::vector<std::string>> scopes = read_scopes(body);
            if (!scopes.ok()) {
              return error_response(scopes.status());
            }
            return answer(deps.auth->create_api_key(caller, *name, *scopes), [](const auth::
                                                                                    ApiKeyCreated&
                                                                                        created) {
              return json_response(201, {{"id", created.id}, {"api_key", created.api_key}}, true);
            });
          }),
      kOffloaded);
  router.add("GET", "/v1/auth/api-keys",
             with_caller(deps, false,
                         [deps](const auth::Principal& caller, const json::object&) {
                           return answer(deps.auth->list_api_keys(caller),
                                         [](const std::vector<auth::ApiKeyInfo>& keys) {
                                           json::array list;
                                           for (const auth::ApiKeyInfo& key : keys) {
                                             json::array scopes(key.scopes.begin(),
                                                                key.scopes.end());
                                             list.push_back({{"id", key.id},
                                                             {"name", key.name},
                                                             {"scopes", std::move(scopes)},
                                                             {"created_at", key.created_at}});
                                           }
                                           return json_response(200, {{"api_keys", list}});
                                         });
                         }),
             kOffloaded);
  router.add(
      "DELETE", "/v1/auth/api-keys/{id}",
      [deps](Request& request) {
        std::variant<auth::Principal, Response> caller = authorize(request, deps, "");
        if (auto* refusal = std::get_if<Response>(&caller)) {
          return std::move(*refusal);
        }
        return answer(
            deps.auth->revoke_api_key(std::get<auth::Principal>(caller), request.param("id")),
            [](auth::Done) { return no_content(); });
      },
      kOffloaded);
}

}  // namespace

void add_auth_routes(Router& router, const AuthDeps& deps) {
  add_registration_routes(router, deps);
  add_login_routes(router, deps);
  add_account_routes(router, deps);
  add_totp_routes(router, deps);
  add_api_key_routes(router, deps);
}

Response auth_error_response(const auth::AuthError& error) {
  Response response = error_response(error.http_status, error.code, error.message);
  if (error.retry_after_s > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  }
  return response;
}

std::variant<auth::Principal, Response> authorize(const Request& request, const AuthDeps& deps,
                                                  std::string_view scope) {
  std::string_view token = request.bearer_token();
  if (token.empty()) {
    return auth_error_response(auth::refuse::unauthorized());
  }
  if (deps.seal->is_root_token(token)) {
    auth::Principal operator_principal;
    operator_principal.kind = auth::Principal::Kind::kOperator;
    if (!scope.empty()) {
      return auth_error_response(
          auth::refuse::forbidden("the operator token manages the server, not users' data"));
    }
    return operator_principal;
  }
  auth::AuthResult<auth::Principal> caller = deps.auth->authenticate(token);
  if (!caller.ok()) {
    return auth_error_response(caller.error());
  }
  if (!scope.empty() && !caller->allows(scope)) {
    return auth_error_response(
        auth::refuse::forbidden("this API key does not have the scope " + std::string(scope)));
  }
  return std::move(*caller);
}

}  // namespace caas::api
