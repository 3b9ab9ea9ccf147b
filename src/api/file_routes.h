// The routes of API.md's "Files" (server-side and zero-knowledge modes): uploads stream into
// files::FileService through a BodySink, downloads stream out of it through a BodySource, and
// everything runs on the file I/O pool (RouteOptions::file_io).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/auth_routes.h"
#include "api/router.h"
#include "files/file_service.h"

namespace caas::api {

// Adds the routes. `files` and what `deps` points to must outlive the router; `files` may be
// null only for a router that is described, never served (caasd --list-routes).
void add_file_routes(Router& router, const AuthDeps& deps, files::FileService* files);

// A single byte range of a representation of `size` bytes (RFC 9110 §14).
struct ByteRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive
};
struct RangeDecision {
  enum class Kind { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  ByteRange range;
};
// "bytes=a-b", "bytes=a-" or "bytes=-n" → kPartial (clamped to the size) or kUnsatisfiable;
// an absent, malformed or multi-range header → kWhole (a server may ignore Range).
RangeDecision decide_range(std::string_view header, std::uint64_t size);

}  // namespace caas::api
