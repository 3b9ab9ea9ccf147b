#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

#include "auth/principal.h"

namespace caas::server {
namespace {

// One configuration key: where it lives in Config and what it accepts.
struct Key {
  std::string_view section;
  std::string_view name;
  std::variant<std::string* (*)(Config&), std::int64_t* (*)(Config&), bool* (*)(Config&),
               std::vector<std::string>* (*)(Config&)>
      field;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

#define CAAS_FIELD(member) [](Config& c) { return &c.member; }

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"server", "listen", CAAS_FIELD(server.listen)},
      {"server", "data_dir", CAAS_FIELD(server.data_dir)},
      {"server", "threads", CAAS_FIELD(server.threads), 0, 256},
      {"server", "worker_threads", CAAS_FIELD(server.worker_threads), 0, 256},
      {"server", "worker_queue_limit", CAAS_FIELD(server.worker_queue_limit), 1, 1'000'000},
      {"server", "file_io_threads", CAAS_FIELD(server.file_io_threads), 1, 1024},
      {"http", "max_connections", CAAS_FIELD(http.max_connections), 1, 1'000'000},
      {"http", "header_limit_bytes", CAAS_FIELD(http.header_limit_bytes), 1024, 1 << 20},
      {"http", "json_body_limit_bytes", CAAS_FIELD(http.json_body_limit_bytes), 1024, 64 << 20},
      {"http", "header_timeout_ms", CAAS_FIELD(http.header_timeout_ms), 100, 600'000},
      {"http", "body_timeout_ms", CAAS_FIELD(http.body_timeout_ms), 100, 3'600'000},
      {"http", "idle_timeout_ms", CAAS_FIELD(http.idle_timeout_ms), 100, 3'600'000},
      {"http", "shutdown_timeout_ms", CAAS_FIELD(http.shutdown_timeout_ms), 0, 600'000},
      {"http", "trusted_proxies", CAAS_FIELD(http.trusted_proxies)},
      {"tls", "cert_file", CAAS_FIELD(tls.cert_file)},
      {"tls", "key_file", CAAS_FIELD(tls.key_file)},
      {"log", "level", CAAS_FIELD(log.level)},
      {"log", "access", CAAS_FIELD(log.access)},
      {"metadata", "backend", CAAS_FIELD(metadata.backend)},
      {"metadata", "sqlite_path", CAAS_FIELD(metadata.sqlite_path)},
      {"metadata", "busy_timeout_ms", CAAS_FIELD(metadata.busy_timeout_ms), 0, 600'000},
      {"auth", "argon2_iterations", CAAS_FIELD(auth.argon2_iterations), 1, 16},
      {"auth", "argon2_memory_kib", CAAS_FIELD(auth.argon2_memory_kib), 8, 4 << 20},
      {"auth", "otp_ttl_s", CAAS_FIELD(auth.otp_ttl_s), 1, 3600},
      {"auth", "otp_max_attempts", CAAS_FIELD(auth.otp_max_attempts), 1, 20},
      {"auth", "session_ttl_s", CAAS_FIELD(auth.session_ttl_s), 1, 90 * 86400},
      {"auth", "session_idle_s", CAAS_FIELD(auth.session_idle_s), 1, 90 * 86400},
      {"auth", "client_burst", CAAS_FIELD(auth.client_burst), 1, 1'000'000},
      {"auth", "client_per_minute", CAAS_FIELD(auth.client_per_minute), 1, 60'000'000},
      {"auth", "account_burst", CAAS_FIELD(auth.account_burst), 1, 1'000'000},
      {"auth", "account_per_minute", CAAS_FIELD(auth.account_per_minute), 1, 60'000'000},
      {"auth", "lockout_failures", CAAS_FIELD(auth.lockout_failures), 1, 1000},
      {"auth", "lockout_seconds", CAAS_FIELD(auth.lockout_seconds), 1, 86400},
      {"auth", "lockout_max_seconds", CAAS_FIELD(auth.lockout_max_seconds), 1, 30 * 86400},
      {"auth", "credential_cache_s", CAAS_FIELD(auth.credential_cache_s), 0, 60},
      {"smtp", "url", CAAS_FIELD(smtp.url)},
      {"smtp", "from", CAAS_FIELD(smtp.from)},
      {"smtp", "user", CAAS_FIELD(smtp.user)},
      {"smtp", "password", CAAS_FIELD(smtp.password)},
      {"smtp", "timeout_ms", CAAS_FIELD(smtp.timeout_ms), 100, 120'000},
      {"smtp", "require_tls", CAAS_FIELD(smtp.require_tls)},
      {"transit", "compat_key", CAAS_FIELD(transit.compat_key)},
      {"transit", "rotate_after_encryptions", CAAS_FIELD(transit.rotate_after_encryptions), 1,
       std::int64_t{1} << 32},
      {"storage", "backend", CAAS_FIELD(storage.backend)},
      {"storage", "fs_path", CAAS_FIELD(storage.fs_path)},
      // The container's bound is 2^32 segments of 64 KiB (256 TiB); 16 TiB is plenty.
      {"storage", "max_file_bytes", CAAS_FIELD(storage.max_file_bytes), 0, std::int64_t{1} << 44},
  };
  return table;
}

#undef CAAS_FIELD

std::string key_name(const Key& key) {
  return std::string(key.section) + "." + std::string(key.name);
}

std::string env_name(const Key& key) {
  std::string name = "CAAS_" + std::string(key.section) + "_" + std::string(key.name);
  for (char& c : name) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

const Key* find_key(std::string_view section, std::string_view name) {
  for (const Key& key : keys()) {
    if (key.section == section && key.name == name) {
      return &key;
    }
  }
  return nullptr;
}

Status bad_value(std::string_view where, std::string_view what) {
  return invalid_argument(std::string(where) + ": " + std::string(what));
}

Status set_int(const Key& key, std::int64_t* field, std::int64_t value, std::string_view where) {
  if (value < key.min || value > key.max) {
    return bad_value(where,
                     "must be from " + std::to_string(key.min) + " to " + std::to_string(key.max));
  }
  *field = value;
  return ok_status();
}

Status apply_toml_node(Config& config, const Key& key, const toml::node& node) {
  std::string where = key_name(key);
  return std::visit(
      [&](auto accessor) -> Status {
        auto* field = accessor(config);
        using Field = std::remove_pointer_t<decltype(field)>;
        if constexpr (std::is_same_v<Field, std::string>) {
          if (!node.is_string()) {
            return bad_value(where, "must be a string");
          }
          *field = node.as_string()->get();
        } else if constexpr (std::is_same_v<Field, std::int64_t>) {
          if (!node.is_integer()) {
            return bad_value(where, "must be an integer");
          }
          return set_int(key, field, node.as_integer()->get(), where);
        } else if constexpr (std::is_same_v<Field, bool>) {
          if (!node.is_boolean()) {
            return bad_value(where, "must be true or false");
          }
          *field = node.as_boolean()->get();
        } else {
          const toml::array* array = node.as_array();
          if (array == nullptr) {
            return bad_value(where, "must be an array of strings");
          }
          field->clear();
          for (const toml::node& item : *array) {
            if (!item.is_string()) {
              return bad_value(where, "must be an array of strings");
            }
            field->push_back(item.as_string()->get());
          }
        }
        return ok_status();
      },
      key.field);
}

Status apply_env_value(Config& config, const Key& key, const std::string& value) {
  std::string where = env_name(key);
  return std::visit(
      [&](auto accessor) -> Status {
        auto* field = accessor(config);
        using Field = std::remove_pointer_t<decltype(field)>;
        if constexpr (std::is_same_v<Field, std::string>) {
          *field = value;
        } else if constexpr (std::is_same_v<Field, std::int64_t>) {
          std::int64_t number = 0;
          auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
          if (ec != std::errc() || ptr != value.data() + value.size()) {
            return bad_value(where, "must be an integer");
          }
          return set_int(key, field, number, where);
        } else if constexpr (std::is_same_v<Field, bool>) {
          if (value == "true" || value == "1") {
            *field = true;
          } else if (value == "false" || value == "0") {
            *field = false;
          } else {
            return bad_value(where, "must be true, false, 1 or 0");
          }
        } else {
          field->clear();
          std::stringstream items(value);
          for (std::string item; std::getline(items, item, ',');) {
            if (!item.empty()) {
              field->push_back(item);
            }
          }
        }
        return ok_status();
      },
      key.field);
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): at start
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Status apply_toml(Config& config, std::string_view text, std::string_view origin) {
  // Debian's toml++ is built with exceptions: its parse error is caught here, at the boundary.
  toml::table parsed;
  try {
    parsed = toml::parse(text, origin);
  } catch (const toml::parse_error& failure) {
    return invalid_argument(
        std::string(origin) + ":" + std::to_string(failure.source().begin.line) + ":" +
        std::to_string(failure.source().begin.column) + ": " + std::string(failure.description()));
  }
  for (const auto& [section, node] : parsed) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return invalid_argument(std::string(origin) + ": " + std::string(section.str()) +
                              ": expected a [section]");
    }
    for (const auto& [name, value] : *table) {
      const Key* key = find_key(section.str(), name.str());
      if (key == nullptr) {
        return invalid_argument(std::string(origin) + ": unknown key " +
                                std::string(section.str()) + "." + std::string(name.str()));
      }
      CAAS_TRY(apply_toml_node(config, *key, value).with_context(origin));
    }
  }
  return ok_status();
}

Status apply_env(Config& config, const EnvLookup& env) {
  for (const Key& key : keys()) {
    if (std::optional<std::string> value = env(env_name(key))) {
      CAAS_TRY(apply_env_value(config, key, *value));
    }
  }
  return ok_status();
}

std::vector<std::string> unknown_caas_variables(const std::vector<std::string>& environment) {
  std::vector<std::string> unknown;
  for (const std::string& entry : environment) {
    std::string name = entry.substr(0, entry.find('='));
    if (name.rfind("CAAS_", 0) != 0) {
      continue;
    }
    bool known = std::any_of(keys().begin(), keys().end(),
                             [&](const Key& key) { return env_name(key) == name; });
    if (!known) {
      unknown.push_back(name);
    }
  }
  return unknown;
}

Result<ListenAddress> parse_listen(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return invalid_argument("listen: expected HOST:PORT, got \"" + std::string(text) + "\"");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return invalid_argument("listen: bad port in \"" + std::string(text) + "\"");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

Status validate(const Config& config) {
  CAAS_TRY(parse_listen(config.server.listen).status());
  static const std::vector<std::string> levels = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
  if (std::find(levels.begin(), levels.end(), config.log.level) == levels.end()) {
    return invalid_argument("log.level: must be one of trace, debug, info, warn, error, off");
  }
  if (config.metadata.backend != "sqlite") {
    return invalid_argument("metadata.backend: only \"sqlite\" is available in this build");
  }
  if (config.storage.backend != "fs") {
    return invalid_argument("storage.backend: only \"fs\" is available in this build");
  }
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return invalid_argument("tls.cert_file and tls.key_file: set both (HTTPS) or neither");
  }
  if (!auth::is_transit_key_name(config.transit.compat_key)) {
    return invalid_argument("transit.compat_key: 1 to 64 characters of A-Z a-z 0-9 _ - .");
  }
  if (config.server.data_dir.empty()) {
    return invalid_argument("server.data_dir: must not be empty");
  }
  return ok_status();
}

std::vector<std::string> config_keys() {
  std::vector<std::string> names;
  for (const Key& key : keys()) {
    names.push_back(key_name(key));
  }
  return names;
}

}  // namespace caas::server
