// Fuzzes what a file request brings from outside, for properties, not just crashes:
// - Range (api/file_routes.h decide_range): the input is split at its first byte into a size
//   and a header; a partial range always lies inside the file and is non-empty, and an
//   unsatisfiable one only happens when the header starts with "bytes=".
// - file paths (files/file_path.h): an accepted path is 1–1024 bytes, has no empty, "." or ".."
//   segment and no C0 control byte; every refusal is kInvalidArgument "invalid_path: …".
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/file_routes.h"
#include "base/bytes.h"
#include "base/check.h"
#include "files/file_path.h"

namespace {

void check_range(std::string_view header, std::uint64_t size) {
  caas::api::RangeDecision decision = caas::api::decide_range(header, size);
  using Kind = caas::api::RangeDecision::Kind;
  if (decision.kind == Kind::kPartial) {
    CAAS_CHECK(decision.range.begin < decision.range.end);
    CAAS_CHECK(decision.range.end <= size);
  }
  if (decision.kind != Kind::kWhole) {
    CAAS_CHECK(header.starts_with("bytes="));
  }
}

void check_path(std::string_view path) {
  caas::Status status = caas::files::validate_file_path(path);
  if (!status.ok()) {
    CAAS_CHECK(status.code() == caas::ErrorCode::kInvalidArgument);
    CAAS_CHECK(status.message().starts_with("invalid_path: "));
    return;
  }
  CAAS_CHECK(!path.empty() && path.size() <= caas::files::kMaxPathBytes);
  CAAS_CHECK(path.front() != '/' && path.back() != '/');
  CAAS_CHECK(path.find("//") == std::string_view::npos);
  const std::string wrapped = "/" + std::string(path) + "/";
  CAAS_CHECK(wrapped.find("/./") == std::string::npos);
  CAAS_CHECK(wrapped.find("/../") == std::string::npos);
  for (char c : path) {
    CAAS_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = caas::as_chars(caas::ByteSpan(data, size));
  check_path(text);
  if (!text.empty()) {
    // Sizes around the interesting edges: 0, small, and near 2^64.
    const auto selector = static_cast<std::uint8_t>(text.front());
    const std::uint64_t file_size = selector < 200 ? selector : UINT64_MAX - (selector - 200);
    check_range(text.substr(1), file_size);
  }
  return 0;
}
