#include "api/sys_routes.h"

#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/json_body.h"
#include "base/base64.h"
#include "crypto/locked_bytes.h"

namespace caas::api {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxShareTextBytes = 1024;
constexpr std::int64_t kMaxAuditPage = 1000;
constexpr std::int64_t kDefaultAuditPage = 100;

Response sealed_response() {
  return error_response(503, "sealed", "the server is sealed; unseal it first");
}

Response health(const SysDeps& deps) {
  kms::SealStatus status = deps.seal->status();
  return json_response(
      200,
      {{"initialized", status.initialized}, {"sealed", status.sealed}, {"version", deps.version}});
}

Response ready(const SysDeps& deps) {
  kms::SealStatus status = deps.seal->status();
  if (!status.initialized) {
    return error_response(503, "not_initialized", "the server is not initialized");
  }
  if (status.sealed) {
    return sealed_response();
  }
  if (!deps.store->ping().ok()) {
    return error_response(503, "unavailable", "the metadata database does not answer");
  }
  return json_response(200, {{"ready", true}});
}

Response init(const SysDeps& deps, const Request& request) {
  Result<json::object> body = parse_json_object(request.body);
  if (!body.ok()) {
    return error_response(body.status());
  }
  Result<std::int64_t> shares = get_int(*body, "shares", 1, 255);
  if (!shares.ok()) {
    return error_response(shares.status());
  }
  Result<std::int64_t> threshold = get_int(*body, "threshold", 1, 255);
  if (!threshold.ok()) {
    return error_response(threshold.status());
  }
  std::string target =
      "shares=" + std::to_string(*shares) + ",threshold=" + std::to_string(*threshold);
  Result<kms::InitResult> result =
      deps.seal->init(static_cast<unsigned>(*shares), static_cast<unsigned>(*threshold));
  if (!result.ok()) {
    if (result.status().code() == ErrorCode::kAlreadyExists) {
      deps.audit->record({"anonymous", "sys.init", target, "already_initialized"}).ignore_error();
      return error_response(409, "already_initialized", "the server is already initialized");
    }
    if (result.status().code() == ErrorCode::kInvalidArgument) {
      return error_response(400, "invalid_request",
                            "field threshold: " + result.status().message());
    }
    return error_response(result.status());
  }
  Status audited =
      deps.audit->record_with(*result->keyring, {"anonymous", "sys.init", target, "ok"});
  result->keyring.reset();
  if (!audited.ok()) {
    return error_response(audited);
  }
  json::array shares_json;
  for (const crypto::SecretBytes& share : result->shares) {
    shares_json.emplace_back(base64_encode(share.expose()));
  }
  Response response =
      json_response(200, {{"shares", std::move(shares_json)},
                          {"root_token", std::string(as_chars(result->root_token.expose()))}});
  response.sensitive = true;
  return response;
}

json::value seal_status_json(const kms::SealStatus& status) {
  return {
      {"sealed", status.sealed}, {"progress", status.progress}, {"threshold", status.threshold}};
}

Response unseal(const SysDeps& deps, const Request& request) {
  Result<json::object> body = parse_json_object(request.body);
  if (!body.ok()) {
    return error_response(body.status());
  }
  Result<std::string_view> text = get_string(*body, "share");
  if (!text.ok()) {
    return error_response(text.status());
  }
  if (text->size() > kMaxShareTextBytes) {
    deps.seal->unseal(ByteSpan()).status().ignore_error();  // resets progress
    return error_response(400, "invalid_share", "the share is malformed");
  }
  Result<std::size_t> size = base64_decoded_size(*text);
  // Guarded memory holds at least one byte; an empty share is passed on as such (and refused).
  Result<crypto::LockedBytes> share =
      size.ok() ? crypto::LockedBytes::allocate(std::max<std::size_t>(*size, 1)) : size.status();
  if (!share.ok() || !base64_decode_into(*text, share->expose_mutable().first(*size)).ok()) {
    return error_response(400, "invalid_request", "field share: must be base64");
  }
  bool was_sealed = deps.seal->status().sealed;
  Result<kms::SealStatus> status = deps.seal->unseal(share->expose().first(*size));
  if (status.ok()) {
    if (was_sealed && !status->sealed) {
      deps.audit->record({"anonymous", "sys.unseal", "", "ok"}).ignore_error();
    }
    return json_response(200, seal_status_json(*status));
  }
  switch (status.status().code()) {
    case ErrorCode::kFailedPrecondition:
      return error_response(400, "not_initialized", "the server is not initialized");
    case ErrorCode::kInvalidArgument:
      deps.audit->record({"anonymous", "sys.unseal", "", "invalid_share"}).ignore_error();
      return error_response(400, "invalid_share",
                            "the share is malformed (a share is 33 bytes); progress is reset");
    case ErrorCode::kDecryptionFailed:
      deps.audit->record({"anonymous", "sys.unseal", "", "invalid_share"}).ignore_error();
      return error_response(400, "invalid_share",
                            "the shares do not rebuild the root key; progress is reset");
    default:
      return error_response(status.status());
  }
}

Response seal(const SysDeps& deps, const Request& request) {
  if (auto denied = require_operator(request, *deps.seal)) {
    return std::move(*denied);
  }
  deps.audit->record({"operator", "sys.seal", "", "ok"}).ignore_error();
  deps.seal->seal();
  Response response;
  response.status = 204;
  return response;
}

Result<std::int64_t> query_int(const Request& request, std::string_view name, std::int64_t fallback,
                               std::int64_t min, std::int64_t max) {
  std::optional<std::string> text = request.query_param(name);
  if (!text) {
    return fallback;
  }
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    return invalid_argument("query " + std::string(name) + ": must be an integer from " +
                            std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

json::value audit_entry_json(const meta::AuditEntry& entry) {
  return {{"seq", entry.seq},
          {"time", entry.time},
          {"actor", entry.actor},
          {"action", entry.action},
          {"target", entry.target},
          {"result", entry.result},
          {"prev_hash", entry.prev_hash},
          {"hash", entry.hash}};
}

Response audit_list(const SysDeps& deps, const Request& request) {
  if (auto denied = require_operator(request, *deps.seal)) {
    return std::move(*denied);
  }
  if (deps.seal->keyring() == nullptr) {
    return sealed_response();
  }
  Result<std::int64_t> after = query_int(request, "after", 0, 0, INT64_MAX);
  Result<std::int64_t> limit = query_int(request, "limit", kDefaultAuditPage, 1, kMaxAuditPage);
  if (!after.ok() || !limit.ok()) {
    return error_response(!after.ok() ? after.status() : limit.status());
  }
  Result<std::vector<meta::AuditEntry>> entries =
      deps.audit->list(*after, static_cast<int>(*limit));
  if (!entries.ok()) {
    return error_response(entries.status());
  }
  json::array list;
  for (const meta::AuditEntry& entry : *entries) {
    list.push_back(audit_entry_json(entry));
  }
  json::value next = nullptr;
  if (static_cast<std::int64_t>(entries->size()) == *limit) {
    next = entries->back().seq;
  }
  deps.audit->record({"operator", "sys.audit.read", "", "ok"}).ignore_error();
  return json_response(200, {{"entries", std::move(list)}, {"next_after", next}});
}

Response audit_verify(const SysDeps& deps, const Request& request) {
  if (auto denied = require_operator(request, *deps.seal)) {
    return std::move(*denied);
  }
  Result<kms::AuditVerifyReport> report = deps.audit->verify();
  if (!report.ok()) {
    return report.status().code() == ErrorCode::kFailedPrecondition
               ? sealed_response()
               : error_response(report.status());
  }
  json::value first_bad = nullptr;
  if (report->first_bad_seq) {
    first_bad = *report->first_bad_seq;
  }
  return json_response(
      200, {{"valid", report->valid}, {"entries", report->entries}, {"first_bad_seq", first_bad}});
}

}  // namespace

std::optional<Response> require_operator(const Request& request, const kms::SealManager& seal) {
  std::string_view token = request.bearer_token();
  if (token.empty() || !seal.is_root_token(token)) {
    return error_response(401, "unauthorized", "a valid operator token is required");
  }
  return std::nullopt;
}

void add_sys_routes(Router& router, const SysDeps& deps) {
  const SysDeps* d = &deps;
  router.add("GET", "/v1/sys/health", [d](Request&) { return health(*d); });
  router.add("GET", "/v1/sys/ready", [d](Request&) { return ready(*d); });
  router.add("POST", "/v1/sys/init", [d](Request& r) { return init(*d, r); });
  router.add("POST", "/v1/sys/unseal", [d](Request& r) { return unseal(*d, r); });
  router.add("POST", "/v1/sys/seal", [d](Request& r) { return seal(*d, r); });
  router.add("GET", "/v1/sys/metrics", [d](Request&) {
    Response response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = d->metrics != nullptr ? d->metrics->render() : "";
    return response;
  });
  router.add("GET", "/v1/sys/audit", [d](Request& r) { return audit_list(*d, r); });
  router.add("GET", "/v1/sys/audit/verify", [d](Request& r) { return audit_verify(*d, r); });
}

}  // namespace caas::api
