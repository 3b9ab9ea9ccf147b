// File paths in a user's namespace (API.md, "Files"): 1–1024 bytes of UTF-8, '/'-separated, no
// empty, "." or ".." segment, no control character (C0, DEL or C1). One more rule of our own:
// in a path of 2 or more segments the last may not be "grants", and in one of 3 or more the
// one before last may not be "grants" either, because /v1/files/{path}/grants and
// /v1/files/{path}/grants/{email} address a file's grants, and such a file could be stored but
// never read back.
#pragma once

#include <string_view>

#include "base/status.h"

namespace caas::files {

inline constexpr std::size_t kMaxPathBytes = 1024;

// OK, or kInvalidArgument whose message says which rule the path breaks (never the path).
Status validate_file_path(std::string_view path);

// A list prefix: empty, or a path's first bytes (so it may end with '/' or mid-segment); the
// same byte rules otherwise. Errors: kInvalidArgument.
Status validate_path_prefix(std::string_view prefix);

}  // namespace caas::files
