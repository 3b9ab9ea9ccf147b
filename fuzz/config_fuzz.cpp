// Fuzzes the TOML configuration reader (server/config.h) for its properties:
// - any input either applies or is refused with a message that names where (never empty);
// - a refused document leaves no half-applied value that validate() would accept silently:
//   applying the same text again gives the same verdict (the reader is deterministic);
// - whatever was applied, every integer key stays within its declared bounds, which
//   validate() and the server rely on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  caas::server::Config config;
  caas::Status status = caas::server::apply_toml(config, text, "fuzz.toml");
  if (!status.ok()) {
    CAAS_CHECK(status.code() == caas::ErrorCode::kInvalidArgument);
    CAAS_CHECK(!status.message().empty());
  }
  caas::server::Config again;
  CAAS_CHECK(caas::server::apply_toml(again, text, "fuzz.toml").ok() == status.ok());
  if (status.ok()) {
    CAAS_CHECK(config.http.max_connections >= 1 && config.http.max_connections <= 1'000'000);
    CAAS_CHECK(config.http.header_limit_bytes >= 1024);
    CAAS_CHECK(config.http.json_body_limit_bytes >= 1024);
    CAAS_CHECK(config.server.threads >= 0 && config.server.threads <= 256);
    (void)caas::server::validate(config);
  }
  return 0;
}
