// caasd's configuration: built-in defaults, then a TOML file, then environment variables
// CAAS_<SECTION>_<KEY> (upper case), then command-line flags. Every key is declared once, in
// config.cpp's table, with its type and bounds; unknown sections or keys, wrong types and values
// out of bounds are errors naming the key, never silently ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace caas::server {

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8200";
    std::string data_dir = "caas-data";
    std::int64_t threads = 0;         // 0: one per core
    std::int64_t worker_threads = 0;  // for password hashing and mail; 0: one per core
    std::int64_t worker_queue_limit = 256;
    std::int64_t file_io_threads = 16;  // file routes and streamed bodies (mostly disk waits)
  } server;
  struct Http {
    std::int64_t max_connections = 4096;
    std::int64_t header_limit_bytes = 16 * 1024;
    std::int64_t json_body_limit_bytes = 1024 * 1024;
    std::int64_t header_timeout_ms = 10'000;
    std::int64_t body_timeout_ms = 30'000;
    std::int64_t idle_timeout_ms = 60'000;
    std::int64_t shutdown_timeout_ms = 10'000;
    std::vector<std::string> trusted_proxies;
  } http;
  struct Tls {
    std::string cert_file;
    std::string key_file;
  } tls;
  struct Log {
    std::string level = "info";
    bool access = true;
  } log;
  struct Metadata {
    std::string backend = "sqlite";
    std::string sqlite_path;  // empty: DATA_DIR/caas.db
    std::int64_t busy_timeout_ms = 5000;
  } metadata;
  struct Auth {
    std::int64_t argon2_iterations = 2;
    std::int64_t argon2_memory_kib = 19456;  // 19 MiB (OWASP's floor for Argon2id)
    std::int64_t otp_ttl_s = 300;
    std::int64_t otp_max_attempts = 5;
    std::int64_t session_ttl_s = 12 * 3600;
    std::int64_t session_idle_s = 3600;
    std::int64_t client_burst = 30;  // per client address, over register, login and verifies
    std::int64_t client_per_minute = 30;
    std::int64_t account_burst = 10;  // per email address
    std::int64_t account_per_minute = 6;
    std::int64_t lockout_failures = 5;
    std::int64_t lockout_seconds = 60;  // doubles with every further failure, up to the max
    std::int64_t lockout_max_seconds = 3600;
    std::int64_t credential_cache_s = 2;  // a revocation on another node shows within this
  } auth;
  struct Smtp {
    std::string url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
    std::string from;
    std::string user;
    std::string password;
    std::int64_t timeout_ms = 10'000;
    bool require_tls = false;  // smtp:// only; always required when a user is set
  } smtp;
  struct Transit {
    std::string compat_key = "compat";  // the key POST /encrypt and /decrypt use
    // Random-nonce AEAD keys rotate at this many encryptions (NIST SP 800-38D: 2^32 at most).
    std::int64_t rotate_after_encryptions = (std::int64_t{1} << 32) - (std::int64_t{1} << 24);
  } transit;
  struct Storage {
    std::string backend = "fs";
    std::string fs_path;                                   // empty: DATA_DIR/blobs
    std::int64_t max_file_bytes = std::int64_t{64} << 30;  // one upload's plaintext
  } storage;
};

// Reads an environment variable; injected so that tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// Applies the TOML document `text` (from `origin`, for messages) over `config`.
// Errors (kInvalidArgument): unparsable TOML (with line and column), unknown section or key,
// wrong type, value out of bounds.
Status apply_toml(Config& config, std::string_view text, std::string_view origin);

// Applies every CAAS_<SECTION>_<KEY> that `env` defines. Booleans: true/false/1/0; lists:
// comma-separated. Errors as apply_toml, naming the variable.
Status apply_env(Config& config, const EnvLookup& env);

// Names of CAAS_* variables in `environment` (NAME=VALUE strings) that are no configuration
// key: most likely typos, which would otherwise be ignored silently. caasd warns about them.
std::vector<std::string> unknown_caas_variables(const std::vector<std::string>& environment);

// Checks cross-key rules (a listen address with a port, known backends and log level).
Status validate(const Config& config);

// Splits "HOST:PORT" ("[::1]:8200" for IPv6). Errors: kInvalidArgument.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
Result<ListenAddress> parse_listen(std::string_view text);

// "section.key" of every configuration key, for docs and tests.
std::vector<std::string> config_keys();

}  // namespace caas::server
