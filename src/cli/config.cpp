#include "cli/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/age_keys.h"
#include "cli/io.h"

namespace caas::cli {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

Status io_error(const std::string& what, const std::string& path) {
  return error(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

Result<std::string> ensure_dir() {
  CAAS_ASSIGN_OR_RETURN(std::string dir, config_dir());
  // The parent (~/.config) may not exist on a fresh account.
  std::string parent = dir.substr(0, dir.rfind('/'));
  if (!parent.empty() && ::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("cannot create", parent);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("cannot create", dir);
  }
  return dir;
}

// Writes `bytes` to dir/name through a 0600 temp file, fsync and rename, so a crash leaves the
// old file or the new one, never half of one.
Status write_private_file(const std::string& name, ByteSpan bytes) {
  CAAS_ASSIGN_OR_RETURN(std::string dir, ensure_dir());
  std::string path = dir + "/" + name;
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return io_error("cannot write", temp);
  }
  // An existing temp file keeps its old mode through O_TRUNC; make sure it is private.
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < bytes.size()) {
    ssize_t put = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    ok = put > 0;
    done += ok ? static_cast<std::size_t>(put) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    Status status = io_error("cannot write", path);
    ::unlink(temp.c_str());
    return status;
  }
  return ok_status();
}

// The file's bytes, or nullopt when it does not exist.
Result<std::optional<crypto::SecretBytes>> read_private_file(const std::string& name) {
  CAAS_ASSIGN_OR_RETURN(std::string dir, config_dir());
  std::string path = dir + "/" + name;
  if (::access(path.c_str(), F_OK) != 0) {
    return std::optional<crypto::SecretBytes>();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes bytes, read_small_file(path, kMaxConfigBytes));
  return std::optional<crypto::SecretBytes>(std::move(bytes));
}

Status remove_private_file(const std::string& name) {
  CAAS_ASSIGN_OR_RETURN(std::string dir, config_dir());
  std::string path = dir + "/" + name;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io_error("cannot remove", path);
  }
  return ok_status();
}

Result<boost::json::object> read_json_object(const std::string& name) {
  CAAS_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> bytes, read_private_file(name));
  if (!bytes.has_value()) {
    return boost::json::object();
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(as_chars(bytes->expose()), ec);
  if (ec || !value.is_object()) {
    return error(ErrorCode::kDataLoss, name + " in the caas config folder is not a JSON object");
  }
  return std::move(value.get_object());
}

std::string string_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* field = object.if_contains(key);
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : "";
}

}  // namespace

Result<std::string> config_dir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/caas";
  }
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') {
    return std::string(home) + "/.config/caas";
  }
  return error(ErrorCode::kFailedPrecondition,
               "cannot find a config folder: set XDG_CONFIG_HOME or HOME");
}

Result<ClientConfig> load_config() {
  CAAS_ASSIGN_OR_RETURN(boost::json::object object, read_json_object("config.json"));
  ClientConfig config;
  config.server = string_field(object, "server");
  config.email = string_field(object, "email");
  config.user_id = string_field(object, "user_id");
  std::string token = string_field(object, "token");
  config.token = crypto::SecretBytes::copy_of(as_bytes(token));
  crypto::detail::secure_wipe(token.data(), token.size());
  return config;
}

Status save_config(const ClientConfig& config) {
  std::string_view token = as_chars(config.token.expose());
  for (char c : token) {
    // Tokens are printable ASCII without quotes; anything else would need JSON escaping.
    if (c <= ' ' || c > '~' || c == '"' || c == '\\') {
      return error(ErrorCode::kInvalidArgument, "the server's token has unexpected characters");
    }
  }
  boost::json::object object;
  object["server"] = config.server;
  object["email"] = config.email;
  object["user_id"] = config.user_id;
  std::string head = boost::json::serialize(object);
  head.pop_back();  // the closing brace: the token goes last, assembled in wiped memory
  crypto::SecretBytes text = crypto::SecretBytes::copy_of(as_bytes(head));
  text.append(as_bytes(",\"token\":\""));
  text.append(config.token.expose());
  text.append(as_bytes("\"}\n"));
  return write_private_file("config.json", text.expose());
}

Status save_identity(const format::age::X25519Identity& identity) {
  crypto::SecretBytes file = format_identity_file(identity);
  return write_private_file("identity", file.expose());
}

Result<std::optional<format::age::X25519Identity>> load_identity() {
  CAAS_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> bytes, read_private_file("identity"));
  if (!bytes.has_value()) {
    return std::optional<format::age::X25519Identity>();
  }
  std::string_view text = as_chars(bytes->expose());
  std::size_t start = text.find("AGE-SECRET-KEY-1");
  if (start == std::string_view::npos) {
    return error(ErrorCode::kDataLoss, "the saved identity file holds no age identity");
  }
  std::size_t end = text.find('\n', start);
  std::string_view line =
      text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  CAAS_ASSIGN_OR_RETURN(format::age::X25519Identity identity,
                        format::age::X25519Identity::parse(line));
  return std::optional<format::age::X25519Identity>(std::move(identity));
}

Status forget_session() {
  CAAS_ASSIGN_OR_RETURN(ClientConfig config, load_config());
  config.token.clear();
  config.user_id.clear();
  if (Status status = save_config(config); !status.ok()) {
    return status;
  }
  return remove_private_file("identity");
}

Result<KnownKeys> load_known_keys() {
  CAAS_ASSIGN_OR_RETURN(boost::json::object object, read_json_object("known_keys.json"));
  KnownKeys keys;
  for (const auto& [email, key] : object) {
    if (key.is_string()) {
      keys.emplace(std::string(email), std::string(key.get_string()));
    }
  }
  return keys;
}

Status save_known_keys(const KnownKeys& keys) {
  boost::json::object object;
  for (const auto& [email, key] : keys) {
    object[email] = key;
  }
  std::string text = boost::json::serialize(object) + "\n";
  return write_private_file("known_keys.json", as_bytes(text));
}

}  // namespace caas::cli
