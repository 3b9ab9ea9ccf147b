// The routes of API.md's "Transit", and the compatibility shape POST /encrypt and /decrypt.
//
// Authorization model: keys live in their owner's namespace. A signed-in user creates,
// rotates and configures keys (session only); the user's sessions and API keys with scope
// transit:<name> (or transit:*) use them. Another user's key of the same name is another key;
// one the caller does not have answers 404. The operator token manages the server and has no
// transit access. The compatibility routes take the API key in the body and use the key named
// `compat_key` in that API key owner's namespace (derived aes256-gcm, created on first use),
// with the userUUID as context.
#pragma once

#include <string>

#include "api/auth_routes.h"
#include "api/router.h"
#include "transit/transit_service.h"

namespace caas::api {

inline constexpr std::size_t kMaxBatchItems = 1000;
inline constexpr std::size_t kTransitBodyLimitBytes = 16 * 1024 * 1024;

struct TransitDeps {
  transit::TransitService* transit = nullptr;
  AuthDeps auth;
  std::string compat_key = "compat";
};

void add_transit_routes(Router& router, const TransitDeps& deps);

}  // namespace caas::api
