#include "cli/age_keys.h"

#include <ctime>

#include "cli/io.h"

namespace caas::cli {
namespace {

using format::age::X25519Identity;
using format::age::X25519Recipient;

std::string_view trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    line.remove_prefix(1);
  }
  return line;
}

// Calls `visit(line, number)` for every line that is not empty or a comment; stops at the
// first error.
template <typename Visit>
Status for_each_key_line(std::string_view text, Visit visit) {
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    CAAS_TRY(visit(line, number));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<format::age::Recipient>> parse_recipient(std::string_view text) {
  if (text.starts_with("age1")) {
    auto recipient = X25519Recipient::parse(text);
    if (!recipient.ok()) {
      return invalid_argument("malformed recipient \"" + std::string(text) + "\"");
    }
    return std::unique_ptr<format::age::Recipient>(
        std::make_unique<X25519Recipient>(std::move(recipient).value()));
  }
  if (text.starts_with("ssh-")) {
    return invalid_argument("ssh recipients are not supported");
  }
  return invalid_argument("unknown recipient type: \"" + std::string(text) + "\"");
}

Status read_recipients_file(const std::string& path, RecipientList& out) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes text, read_small_file(path, kMaxKeyFileBytes));
  std::size_t before = out.size();
  Status status = for_each_key_line(
      as_chars(text.expose()), [&](std::string_view line, std::size_t number) -> Status {
        auto recipient = parse_recipient(line);
        if (!recipient.ok()) {
          return invalid_argument("recipients file \"" + path + "\": line " +
                                  std::to_string(number) + ": " + recipient.status().message());
        }
        out.push_back(std::move(recipient).value());
        return ok_status();
      });
  CAAS_TRY(status);
  if (out.size() == before) {
    return invalid_argument("recipients file \"" + path + "\": no recipients found");
  }
  return ok_status();
}

Result<std::vector<X25519Identity>> read_identity_file(const std::string& path) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes text, read_small_file(path, kMaxKeyFileBytes));
  std::vector<X25519Identity> identities;
  Status status = for_each_key_line(
      as_chars(text.expose()), [&](std::string_view line, std::size_t number) -> Status {
        auto identity = X25519Identity::parse(line);
        if (!identity.ok()) {
          return invalid_argument("identity file \"" + path + "\": malformed secret key at line " +
                                  std::to_string(number));
        }
        identities.push_back(std::move(identity).value());
        return ok_status();
      });
  CAAS_TRY(status);
  if (identities.empty()) {
    return invalid_argument("identity file \"" + path + "\": no secret keys found");
  }
  return identities;
}

crypto::SecretBytes format_identity_file(const X25519Identity& identity) {
  std::string head =
      "# created: " + rfc3339_now() + "\n# public key: " + identity.recipient().to_string() + "\n";
  crypto::SecretBytes out = crypto::SecretBytes::copy_of(as_bytes(head));
  out.append(identity.to_secret_string().expose());
  out.append(as_bytes("\n"));
  return out;
}

std::string rfc3339_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32] = {};
  std::size_t size = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {text, size};
}

}  // namespace caas::cli
