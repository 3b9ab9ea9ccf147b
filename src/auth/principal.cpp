#include "auth/principal.h"

#include <algorithm>
#include <array>

namespace caas::auth {
namespace {

constexpr std::array<std::string_view, 3> kPlainScopes = {"files:read", "files:write", "keys:read"};
constexpr std::string_view kTransitPrefix = "transit:";

bool is_known_scope(std::string_view scope) {
  if (std::find(kPlainScopes.begin(), kPlainScopes.end(), scope) != kPlainScopes.end()) {
    return true;
  }
  if (!scope.starts_with(kTransitPrefix)) {
    return false;
  }
  std::string_view key = scope.substr(kTransitPrefix.size());
  return key == "*" || is_transit_key_name(key);
}

}  // namespace

bool is_transit_key_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTransitKeyNameBytes || name.front() == '.') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool Principal::allows(std::string_view scope) const {
  switch (kind) {
    case Kind::kOperator:
      return false;  // the operator manages the server, not users' data
    case Kind::kSession:
      return true;
    case Kind::kApiKey:
      break;
  }
  for (const std::string& granted : scopes) {
    if (granted == scope) {
      return true;
    }
    if (granted == "transit:*" && scope.starts_with(kTransitPrefix)) {
      return true;
    }
  }
  return false;
}

std::string Principal::audit_actor() const {
  switch (kind) {
    case Kind::kOperator:
      return "operator";
    case Kind::kSession:
      return "user:" + user_id;
    case Kind::kApiKey:
      return "api_key:" + api_key_id;
  }
  return "unknown";
}

Status validate_scopes(const std::vector<std::string>& scopes) {
  if (scopes.empty() || scopes.size() > kMaxScopes) {
    return invalid_argument("field scopes: give 1 to 32 scopes");
  }
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    if (!is_known_scope(scopes[i])) {
      return invalid_argument(
          "field scopes: unknown scope (use files:read, files:write, keys:read or "
          "transit:<key name or *>)");
    }
    if (std::find(scopes.begin(), scopes.begin() + static_cast<std::ptrdiff_t>(i), scopes[i]) !=
        scopes.begin() + static_cast<std::ptrdiff_t>(i)) {
      return invalid_argument("field scopes: a scope is listed twice");
    }
  }
  return ok_status();
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string text;
  for (const std::string& scope : scopes) {
    text += (text.empty() ? "" : " ") + scope;
  }
  return text;
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> scopes;
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    scopes.emplace_back(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  return scopes;
}

}  // namespace caas::auth
