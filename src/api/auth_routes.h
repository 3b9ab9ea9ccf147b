// The routes of API.md's "Accounts and sessions", and authorize(): the one place where a bearer
// token becomes a caller with scopes, for every route that needs one.
#pragma once

#include <string_view>
#include <variant>

#include "api/router.h"
#include "auth/auth_error.h"
#include "auth/auth_service.h"
#include "kms/seal_manager.h"

namespace caas::api {

struct AuthDeps {
  auth::AuthService* auth = nullptr;
  const kms::SealManager* seal = nullptr;
};

// Adds the routes. `deps` is captured by value; what it points to must outlive the router.
void add_auth_routes(Router& router, const AuthDeps& deps);

// The caller behind the request's bearer token — the root token gives the operator — if it may
// use `scope` (empty: any authenticated caller); else the 401/403/503 response to send.
std::variant<auth::Principal, Response> authorize(const Request& request, const AuthDeps& deps,
                                                  std::string_view scope);

// The API error response for an auth refusal (with Retry-After when it has one).
Response auth_error_response(const auth::AuthError& error);

}  // namespace caas::api
