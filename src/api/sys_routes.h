// The System routes of API.md: health, ready, init, unseal, seal, metrics, audit.
#pragma once

#include <string>

#include "api/metrics.h"
#include "api/router.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"
#include "meta/metadata_store.h"

namespace caas::api {

// What the handlers use; everything must outlive the router.
struct SysDeps {
  kms::SealManager* seal = nullptr;
  kms::AuditLog* audit = nullptr;
  meta::MetadataStore* store = nullptr;
  const Metrics* metrics = nullptr;  // may be set after the routes are added
  std::string version;
};

// Adds the routes to `router`. `deps` is captured by reference and must outlive the router.
void add_sys_routes(Router& router, const SysDeps& deps);

// The bearer token is the root token; else the 401 to send. Shared with later modules'
// operator-only routes.
std::optional<Response> require_operator(const Request& request, const kms::SealManager& seal);

}  // namespace caas::api
