// The key routes of API.md's "Files (zero-knowledge mode)": each user's age key pair, the
// identity encrypted by the client under a key the server never sees. The server checks shapes
// and bounds only; it cannot open what it stores.
#pragma once

#include "api/auth_routes.h"
#include "api/router.h"
#include "base/clock.h"
#include "kms/audit_log.h"
#include "meta/accounts.h"

namespace caas::api {

struct KeyDeps {
  AuthDeps auth;
  meta::AccountStore* accounts = nullptr;
  kms::AuditLog* audit = nullptr;
  const Clock* clock = nullptr;
};

// Adds PUT/GET /v1/keys/me and GET /v1/keys/{email}. What `deps` points to must outlive the
// router; it may be empty for a router that is described, never served (caasd --list-routes).
void add_key_routes(Router& router, const KeyDeps& deps);

}  // namespace caas::api
