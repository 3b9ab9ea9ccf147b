// Fuzzes email normalization (auth/email.h) for its properties, not just for crashes:
// - an accepted address is a fixed point: normalizing it again gives the same bytes;
// - an accepted address is at most kMaxEmailBytes and holds no CR, LF or NUL;
// - every error is kInvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/email.h"
#include "base/bytes.h"
#include "base/check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = caas::as_chars(caas::ByteSpan(data, size));
  caas::Result<std::string> once = caas::auth::normalize_email(text);
  if (!once.ok()) {
    CAAS_CHECK(once.status().code() == caas::ErrorCode::kInvalidArgument);
    return 0;
  }
  CAAS_CHECK(once->size() <= caas::auth::kMaxEmailBytes);
  CAAS_CHECK(once->find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  caas::Result<std::string> twice = caas::auth::normalize_email(*once);
  CAAS_CHECK(twice.ok() && *twice == *once);
  return 0;
}
