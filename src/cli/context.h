// What every `caas` command shares: the global flags, the saved config, a lazily built
// ApiClient, and one way to print results (a human sentence, or JSON with --json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "base/result.h"
#include "cli/api_client.h"
#include "cli/config.h"

namespace caas::cli {

// Where the server is when neither --server, CAAS_SERVER nor a saved login says: `make run`.
inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:8200";

class Context {
 public:
  std::string server_flag;  // --server
  bool json = false;        // --json

  // The server: --server, else CAAS_SERVER, else the saved login's, else kDefaultServer.
  Result<std::string> server_url();
  // A client for the server, with the token of CAAS_TOKEN or the saved login when there is one.
  Result<ApiClient*> api();
  // As api(), but a token is required. Errors: kUnauthenticated "not logged in: …".
  Result<ApiClient*> session();
  // The saved config (loaded once).
  Result<ClientConfig*> config();
  // The saved identity of the logged-in user. Errors: kFailedPrecondition when there is none.
  Result<const format::age::X25519Identity*> identity();

  // Prints `json` (with --json) or `human` (a line, newline added unless empty) to stdout.
  void emit(const boost::json::value& json, std::string_view human) const;

 private:
  std::optional<ClientConfig> config_;
  std::optional<ApiClient> api_;
  std::optional<format::age::X25519Identity> identity_;
};

}  // namespace caas::cli
