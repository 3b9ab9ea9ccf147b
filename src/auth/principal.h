// Who is calling, once a bearer token has been checked, and what they may do.
//
// Scopes (API.md): "files:read", "files:write", "transit:<key name>" or "transit:*", "keys:read".
// A session may do everything its user may; an API key only what its scopes name, and never
// manage the account (password, 2FA, API keys). The operator (root token) manages the server
// and has no user: routes about "me" refuse it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace caas::auth {

inline constexpr std::size_t kMaxScopes = 32;
inline constexpr std::size_t kMaxTransitKeyNameBytes = 64;

struct Principal {
  enum class Kind { kOperator, kSession, kApiKey };
  Kind kind = Kind::kSession;
  std::string user_id;              // empty for the operator
  std::string credential_hash;      // SHA-256 hex of the session token or API key
  std::string api_key_id;           // API keys only
  std::vector<std::string> scopes;  // API keys only

  // Whether this caller may use `scope` ("files:read", "transit:orders", ...).
  [[nodiscard]] bool allows(std::string_view scope) const;
  // Sessions only: account management (password, 2FA, API keys, logout).
  [[nodiscard]] bool is_session() const { return kind == Kind::kSession; }
  // "user:<id>", "api_key:<id>" or "operator", for the audit log.
  [[nodiscard]] std::string audit_actor() const;
};

// A transit key name: 1–64 bytes of [A-Za-z0-9_.-], not starting with '.'.
[[nodiscard]] bool is_transit_key_name(std::string_view name);

// Checks a scope list for an API key: 1–kMaxScopes known scopes, no duplicates.
// Errors: kInvalidArgument naming the bad scope.
Status validate_scopes(const std::vector<std::string>& scopes);

// The stored form of a scope list: the scopes separated by single spaces.
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(std::string_view text);

}  // namespace caas::auth
