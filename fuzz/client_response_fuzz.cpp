// Fuzzes what the caas client parses from a server it may not trust: stored key parameters
// (cli/zk_keys.h kdf_from_json), a wrapped identity (unwrap_identity) and error bodies
// (cli/api_client.h api_error). Properties:
// - nothing crashes or throws, whatever the bytes;
// - accepted key parameters are within the Argon2id bounds and round-trip through kdf_to_json,
//   so a hostile server cannot make a login allocate without limit;
// - a wrapped identity under a fixed key never opens unless it is a real wrap;
// - api_error always yields a non-OK Status whose message is bounded by the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "cli/api_client.h"
#include "cli/zk_keys.h"
#include "crypto/argon2id.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  caas::Result<caas::cli::KdfParams> params = caas::cli::kdf_from_json(input);
  if (params.ok()) {
    caas::crypto::Argon2idParams argon{.iterations = params->iterations,
                                       .memory_kib = params->memory_kib};
    CAAS_CHECK(argon.validate().ok());
    CAAS_CHECK(params->salt.size() == caas::crypto::kArgon2idSaltBytes);
    caas::Result<caas::cli::KdfParams> again =
        caas::cli::kdf_from_json(caas::cli::kdf_to_json(*params));
    CAAS_CHECK(again.ok() && *again == *params);
  }

  caas::crypto::SecretArray<32> key;
  CAAS_CHECK(!caas::cli::unwrap_identity(key, input, "age1fuzz").ok());

  caas::cli::HttpResponse response;
  response.status = 400 + static_cast<long>(size % 200);
  response.body = std::string(input);
  caas::Status status = caas::cli::api_error(response);
  CAAS_CHECK(!status.ok());
  CAAS_CHECK(status.message().size() <= size + 64);
  return 0;
}
