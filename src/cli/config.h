// What the client remembers between commands, in $XDG_CONFIG_HOME/caas/ (else ~/.config/caas/),
// a folder created 0700 whose files are written 0600, atomically (temp file, fsync, rename):
//
//   config.json      {"server", "email", "user_id", "token"}: the session of the last login
//   identity         the age X25519 identity of that user, as `caas age keygen` writes it
//                    (recovered from the server at login, removed at logout)
//   known_keys.json  {"<email>": "age1…"}: the keys seen when sharing (trust on first use)
//
// Never a password, never the master key: those live only in the memory of `caas login`.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "crypto/secret.h"
#include "format/age/x25519.h"

namespace caas::cli {

struct ClientConfig {
  std::string server;
  std::string email;
  std::string user_id;
  crypto::SecretBytes token;
};

// The folder, without creating it. Errors: kFailedPrecondition when neither XDG_CONFIG_HOME
// nor HOME is set.
Result<std::string> config_dir();

// The saved config; an empty one when there is no file yet. Errors: kIo, kDataLoss (not JSON).
Result<ClientConfig> load_config();
Status save_config(const ClientConfig& config);

Status save_identity(const format::age::X25519Identity& identity);
// nullopt when no identity is saved. Errors: kIo, kDataLoss.
Result<std::optional<format::age::X25519Identity>> load_identity();

// Removes the token from config.json (keeping the server) and the identity file.
Status forget_session();

using KnownKeys = std::map<std::string, std::string>;  // email → "age1…"
Result<KnownKeys> load_known_keys();
Status save_known_keys(const KnownKeys& keys);

}  // namespace caas::cli
