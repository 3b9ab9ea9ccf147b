#include "api/file_routes.h"

#include <charconv>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/json_body.h"
#include "auth/email.h"
#include "base/base64.h"
#include "base/hex.h"

namespace caas::api {
namespace json = boost::json;
namespace {

using files::FileService;

constexpr std::string_view kReadScope = "files:read";
constexpr std::string_view kWriteScope = "files:write";
constexpr RouteOptions kFileRoute{0, true, false, true};
constexpr int kDefaultListLimit = 100;
constexpr std::uint64_t kInlineBodyBytes = 256 * 1024;  // smaller downloads skip streaming
constexpr int kMaxListLimit = 1000;
// A grant body: an email and, for client-mode files, the base64 of an age header of up to 64 KiB.
constexpr std::size_t kGrantBodyBytes = std::size_t{128} * 1024;

ApiError api_error(const Status& status) {
  const std::string& message = status.message();
  switch (status.code()) {
    case ErrorCode::kInvalidArgument:
      if (message.starts_with("invalid_path: ")) {
        return {400, "invalid_path", message.substr(14)};
      }
      if (message.starts_with("invalid_age: ")) {
        return {400, "invalid_age", message.substr(13)};
      }
      return {400, "invalid_request", message};
    case ErrorCode::kNotFound:
      if (message == "user_not_found") {
        return {404, "user_not_found", "no registered user has this email"};
      }
      if (message == "no such grant") {
        return {404, "not_found", "this user has no grant on this file"};
      }
      return {404, "not_found", "no such file"};
    case ErrorCode::kAlreadyExists:
      return {409, "file_exists", "a file exists at this path; add ?overwrite=true to replace it"};
    case ErrorCode::kOutOfRange:
      return {413, "too_large", message};
    case ErrorCode::kDataLoss:
      return {500, "integrity_error", "the stored file failed its integrity check"};
    case ErrorCode::kResourceExhausted:
      return {507, "insufficient_storage", "the server has no space left for this file"};
    default:
      break;
  }
  return api_error_for(status);
}

Response error_of(const Status& status) {
  ApiError error = api_error(status);
  return error_response(error.http_status, error.code, error.message);
}

// The user behind the request, allowed `scope`; else the refusal.
std::variant<std::string, Response> caller_id(const Request& request, const AuthDeps& deps,
                                              std::string_view scope) {
  std::variant<auth::Principal, Response> caller = authorize(request, deps, scope);
  if (auto* refusal = std::get_if<Response>(&caller)) {
    return std::move(*refusal);
  }
  return std::move(std::get<auth::Principal>(caller).user_id);
}

// A handler for the user behind the request, if it may use `scope`; else the refusal.
template <typename Body>
Handler for_user(const AuthDeps& deps, std::string_view scope, Body body) {
  return [deps, scope, body = std::move(body)](Request& request) -> Response {
    auto caller = caller_id(request, deps, scope);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return std::move(*refusal);
    }
    return body(request, std::get<std::string>(caller));
  };
}

json::value content_hash_json(const files::FileInfo& info) {
  if (info.content_hash.empty()) {
    return nullptr;
  }
  // Not braced: {string} would be json's initializer list, an array of one string.
  return json::value(info.content_hash);  // NOLINT(modernize-return-braced-init-list)
}

json::object file_json(const files::FileInfo& info) {
  return {{"id", info.id},
          {"path", info.path},
          {"size", info.size},
          {"sha256", info.sha256},
          {"created_at", info.created_at},
          {"content_hash", content_hash_json(info)}};
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match == "*") {
    return true;
  }
  for (std::size_t start = 0; start < if_none_match.size();) {
    std::size_t comma = if_none_match.find(',', start);
    std::string_view item = if_none_match.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.starts_with("W/")) {
      item.remove_prefix(2);
    }
    if (item == etag) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return false;
}

// The BodySink of an upload: the session calls it on the file I/O pool.
class UploadSink final : public BodySink {
 public:
  explicit UploadSink(std::unique_ptr<files::Upload> upload) : upload_(std::move(upload)) {}
  Status write(ByteSpan chunk) override { return upload_->write(chunk); }
  Response finish() override {
    Result<files::FileInfo> info = upload_->finish();
    if (!info.ok()) {
      return error_of(info.status());
    }
    return json_response(201, file_json(*info));
  }
  Response fail(const Status& status) override {
    upload_->abort();
    return error_of(status);
  }
  void abort() override { upload_->abort(); }

 private:
  std::unique_ptr<files::Upload> upload_;
};

class DownloadSource final : public BodySource {
 public:
  explicit DownloadSource(std::unique_ptr<files::Download> download)
      : download_(std::move(download)) {}
  Result<std::size_t> read(MutableByteSpan out) override { return download_->read(out); }

 private:
  std::unique_ptr<files::Download> download_;
};

// The answer to GET or HEAD of an opened file: 200, 206, 304 or 416, streamed.
Response download_response(const Request& request, std::unique_ptr<files::Download> download,
                           bool head) {
  const files::FileInfo info = download->info();
  const std::string etag = "\"" + download->etag() + "\"";
  Response response;
  response.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"}, {"X-Caas-Mode", info.mode}};
  if (!info.content_hash.empty()) {
    response.headers.emplace_back("X-Caas-Content-Hash", info.content_hash);
  }
  if (!request.if_none_match.empty() && etag_matches(request.if_none_match, etag)) {
    response.status = 304;
    response.body.clear();
    return response;
  }
  RangeDecision range = decide_range(request.range, info.size);
  if (range.kind == RangeDecision::Kind::kUnsatisfiable) {
    Response refused =
        error_response(416, "range_not_satisfiable",
                       "the range is outside the file of " + std::to_string(info.size) + " bytes");
    refused.headers.emplace_back("Content-Range", "bytes */" + std::to_string(info.size));
    return refused;
  }
  ByteRange bytes{0, info.size};
  if (range.kind == RangeDecision::Kind::kPartial) {
    bytes = range.range;
    response.status = 206;
    response.headers.emplace_back("Content-Range", "bytes " + std::to_string(bytes.begin) + "-" +
                                                       std::to_string(bytes.end - 1) + "/" +
                                                       std::to_string(info.size));
  }
  if (Status selected = download->select(bytes.begin, bytes.end); !selected.ok()) {
    return error_of(selected);
  }
  response.content_type = info.content_type;
  response.stream_bytes = bytes.end - bytes.begin;
  response.head = head;
  if (!head && response.stream_bytes <= kInlineBodyBytes) {
    // Small: decrypt it here, on the pool thread already running this handler, and answer
    // with an ordinary body — one trip to the pool fewer, and damage is a clean 500.
    response.body.resize(static_cast<std::size_t>(response.stream_bytes));
    MutableByteSpan out(reinterpret_cast<std::uint8_t*>(response.body.data()),
                        response.body.size());
    while (!out.empty()) {
      Result<std::size_t> got = download->read(out);
      if (!got.ok() || *got == 0) {
        return error_of(got.ok() ? error(ErrorCode::kDataLoss, "file ended early") : got.status());
      }
      out = out.subspan(*got);
    }
    response.stream_bytes = 0;
    response.sensitive = true;  // plaintext: wiped once written
    return response;
  }
  response.stream = std::make_shared<DownloadSource>(std::move(download));
  return response;
}

Handler get_file(const AuthDeps& deps, FileService* service, bool head) {
  return for_user(deps, kReadScope, [service, head](Request& request, const std::string& user) {
    Result<std::unique_ptr<files::Download>> download = service->open(user, request.param("path"));
    if (!download.ok()) {
      return error_of(download.status());
    }
    return download_response(request, std::move(*download), head);
  });
}

// PUT /v1/files/{path}[?mode=server|client][&overwrite=true]. Client mode stores the body, an
// age file, as it is. An overwrite from server mode to server mode keeps the file's grants (the
// new DEK is wrapped for each grantee); when the old or the new file is client-mode the grants
// are dropped: they hold the old file key (an age header or a wrapped DEK), which the server
// cannot re-wrap for a key it never sees.
UploadHandler put_file(const AuthDeps& deps, FileService* service) {
  return [deps, service](Request& request) -> UploadStart {
    auto caller = caller_id(request, deps, kWriteScope);
    if (auto* refusal = std::get_if<Response>(&caller)) {
      return {std::move(*refusal), {}};
    }
    std::optional<std::string> overwrite = request.query_param("overwrite");
    if (overwrite && *overwrite != "true" && *overwrite != "false") {
      return {error_response(400, "invalid_request", "overwrite: must be true or false"), {}};
    }
    std::optional<std::string> mode = request.query_param("mode");
    if (mode && *mode != "server" && *mode != "client") {
      return {error_response(400, "invalid_request", "mode: must be server or client"), {}};
    }
    if (request.content_hash && request.content_hash->empty()) {
      return {error_response(400, "invalid_request",
                             "X-Caas-Content-Hash: must be 1 to 128 characters when present"),
              {}};
    }
    files::UploadOptions options;
    options.content_type = request.content_type;
    options.overwrite = overwrite == "true";
    options.mode = mode == "client" ? files::FileMode::kClient : files::FileMode::kServer;
    if (request.content_hash) {
      options.content_hash = *request.content_hash;  // a view: the request outlives the call
    }
    Result<std::unique_ptr<files::Upload>> upload =
        service->begin_upload(std::get<std::string>(caller), request.param("path"), options);
    if (!upload.ok()) {
      return {error_of(upload.status()), {}};
    }
    return {{}, std::make_shared<UploadSink>(std::move(*upload))};
  };
}

Handler delete_file(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kWriteScope, [service](Request& request, const std::string& user) {
    Status removed = service->remove(user, request.param("path"));
    if (!removed.ok()) {
      return error_of(removed);
    }
    Response response;
    response.status = 204;
    return response;
  });
}

Handler list_files(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kReadScope, [service](Request& request, const std::string& user) {
    int limit = kDefaultListLimit;
    if (std::optional<std::string> text = request.query_param("limit")) {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
      if (ec != std::errc() || end != text->data() + text->size() || limit < 1 ||
          limit > kMaxListLimit) {
        return error_response(400, "invalid_request", "limit: must be an integer in 1..1000");
      }
    }
    std::string after;
    if (std::optional<std::string> cursor = request.query_param("cursor"); cursor) {
      Result<Bytes> raw = hex_decode(*cursor);
      if (!raw.ok() || raw->empty()) {
        return error_response(400, "invalid_request", "cursor: not a cursor this server gave");
      }
      after.assign(raw->begin(), raw->end());
    }
    Result<files::FilePage> page =
        service->list(user, request.query_param("prefix").value_or(""), after, limit);
    if (!page.ok()) {
      return error_of(page.status());
    }
    json::array items;
    for (const files::FileInfo& info : page->files) {
      json::object item = file_json(info);
      item["mode"] = info.mode;
      item["content_type"] = info.content_type;
      items.push_back(std::move(item));
    }
    json::value next = nullptr;
    if (page->next_cursor) {
      next = hex_encode(as_bytes(*page->next_cursor));
    }
    return json_response(200, json::object{{"files", std::move(items)}, {"next_cursor", next}});
  });
}

Handler add_grant(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kWriteScope, [service](Request& request, const std::string& user) {
    Result<json::object> body = parse_json_object(request.body);
    if (!body.ok()) {
      return error_of(body.status());
    }
    Result<std::string_view> email = get_string(*body, "email");
    if (!email.ok()) {
      return error_of(email.status());
    }
    std::string_view permission = "read";
    if (body->contains("permission")) {
      Result<std::string_view> given = get_string(*body, "permission");
      if (!given.ok()) {
        return error_of(given.status());
      }
      permission = *given;
    }
    Result<std::string> normalized = auth::normalize_email(*email);
    if (!normalized.ok()) {
      return error_response(400, "invalid_request", "email: not a valid email address");
    }
    std::optional<std::string> header;
    if (body->contains("header")) {
      Result<std::string_view> text = get_string(*body, "header");
      if (!text.ok()) {
        return error_of(text.status());
      }
      // Bounded before decoding: base64 of kMaxClientHeaderBytes, padded.
      Result<Bytes> raw = text->size() <= (files::kMaxClientHeaderBytes + 2) / 3 * 4
                              ? base64_decode(*text)
                              : Result<Bytes>(invalid_argument("too long"));
      if (!raw.ok()) {
        return error_response(400, "invalid_age",
                              "header: must be the standard base64 of an age header of at most "
                              "65536 bytes");
      }
      header.emplace(raw->begin(), raw->end());
    }
    Result<files::GrantInfo> grant =
        service->grant(user, request.param("path"), *normalized, permission, header);
    if (!grant.ok()) {
      return error_of(grant.status());
    }
    return json_response(201, json::object{{"email", grant->email},
                                           {"permission", grant->permission},
                                           {"created_at", grant->created_at}});
  });
}

Handler list_grants(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kReadScope, [service](Request& request, const std::string& user) {
    Result<std::vector<files::GrantInfo>> grants = service->grants(user, request.param("path"));
    if (!grants.ok()) {
      return error_of(grants.status());
    }
    json::array items;
    for (const files::GrantInfo& grant : *grants) {
      items.push_back(json::object{{"email", grant.email},
                                   {"permission", grant.permission},
                                   {"created_at", grant.created_at}});
    }
    return json_response(200, json::object{{"grants", std::move(items)}});
  });
}

Handler revoke_grant(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kWriteScope, [service](Request& request, const std::string& user) {
    Result<std::string> email = auth::normalize_email(request.param("email"));
    if (!email.ok()) {
      return error_response(400, "invalid_request", "email: not a valid email address");
    }
    Status revoked = service->revoke(user, request.param("path"), *email);
    if (!revoked.ok()) {
      return error_of(revoked);
    }
    Response response;
    response.status = 204;
    return response;
  });
}

Handler list_shared(const AuthDeps& deps, FileService* service) {
  return for_user(deps, kReadScope, [service](Request& /*request*/, const std::string& user) {
    Result<std::vector<files::FileInfo>> shared = service->shared_with(user, kMaxListLimit);
    if (!shared.ok()) {
      return error_of(shared.status());
    }
    json::array items;
    for (const files::FileInfo& info : *shared) {
      items.push_back(json::object{{"id", info.id},
                                   {"owner_email", info.owner_email},
                                   {"path", info.path},
                                   {"size", info.size},
                                   {"sha256", info.sha256},
                                   {"created_at", info.created_at},
                                   {"mode", info.mode}});
    }
    return json_response(200, json::object{{"files", std::move(items)}});
  });
}

Handler get_shared(const AuthDeps& deps, FileService* service, bool head) {
  return for_user(deps, kReadScope, [service, head](Request& request, const std::string& user) {
    Result<std::unique_ptr<files::Download>> download =
        service->open_shared(user, request.param("id"));
    if (!download.ok()) {
      return error_of(download.status());
    }
    return download_response(request, std::move(*download), head);
  });
}

// Digits only. A number past 2^64 - 1 saturates: as a last position it means "to the end",
// as a first position or a suffix length it is past any file anyway.
bool parse_position(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc::result_out_of_range) {
    out = UINT64_MAX;
    return true;
  }
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

RangeDecision decide_range(std::string_view header, std::uint64_t size) {
  RangeDecision whole;
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit) || header.find(',') != std::string_view::npos) {
    return whole;
  }
  std::string_view spec = header.substr(kUnit.size());
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return whole;
  }
  std::string_view first = spec.substr(0, dash);
  std::string_view last = spec.substr(dash + 1);
  RangeDecision partial{RangeDecision::Kind::kPartial, {}};
  RangeDecision unsatisfiable{RangeDecision::Kind::kUnsatisfiable, {}};
  if (first.empty()) {  // bytes=-n: the last n bytes
    std::uint64_t suffix = 0;
    if (!parse_position(last, suffix)) {
      return whole;
    }
    if (suffix == 0 || size == 0) {
      return unsatisfiable;
    }
    partial.range = {size - std::min(suffix, size), size};
    return partial;
  }
  std::uint64_t begin = 0;
  std::uint64_t end_inclusive = 0;
  if (!parse_position(first, begin) || (!last.empty() && !parse_position(last, end_inclusive))) {
    return whole;
  }
  if (!last.empty() && end_inclusive < begin) {
    return whole;  // RFC 9110 §14.1.1: an invalid range-spec; the header is ignored
  }
  if (begin >= size) {
    return unsatisfiable;
  }
  // end_inclusive + 1 could wrap at 2^64 - 1: compare before adding.
  partial.range = {begin, last.empty() || end_inclusive >= size - 1 ? size : end_inclusive + 1};
  return partial;
}

void add_file_routes(Router& router, const AuthDeps& deps, FileService* service) {
  const std::uint64_t max_file_bytes =
      service != nullptr ? service->config().max_file_bytes : files::FilesConfig{}.max_file_bytes;
  RouteOptions upload = kFileRoute;
  upload.json_body = false;
  // The declared length is checked against this before a byte is read (413); a chunked body
  // is stopped when it passes it.
  upload.max_body_bytes = static_cast<std::size_t>(max_file_bytes);
  RouteOptions download = kFileRoute;
  download.json_body = false;
  RouteOptions grant = kFileRoute;
  grant.max_body_bytes = kGrantBodyBytes;
  // Grants first: the router takes the first match, and "{path+}/grants" is more specific.
  router.add("POST", "/v1/files/{path+}/grants", add_grant(deps, service), grant);
  router.add("GET", "/v1/files/{path+}/grants", list_grants(deps, service), download);
  router.add("DELETE", "/v1/files/{path+}/grants/{email}", revoke_grant(deps, service), download);
  router.add_upload("PUT", "/v1/files/{path+}", put_file(deps, service), upload);
  router.add("GET", "/v1/files/{path+}", get_file(deps, service, false), download);
  router.add("HEAD", "/v1/files/{path+}", get_file(deps, service, true), download);
  router.add("DELETE", "/v1/files/{path+}", delete_file(deps, service), download);
  router.add("GET", "/v1/files", list_files(deps, service), download);
  router.add("GET", "/v1/shared", list_shared(deps, service), download);
  router.add("GET", "/v1/shared/{id}", get_shared(deps, service, false), download);
  router.add("HEAD", "/v1/shared/{id}", get_shared(deps, service, true), download);
}

}  // namespace caas::api
