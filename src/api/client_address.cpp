#include "api/client_address.h"

#include <algorithm>
#include <cctype>

namespace caas::api {
namespace {

constexpr std::size_t kMaxAddressBytes = 45;  // the longest textual IPv6 address

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Plausible IPv4 or IPv6 text: hex digits, '.', ':' only. Anything else (names, ports, junk)
// ends the walk, since a hop we cannot read cannot be trusted either.
bool plausible_address(std::string_view text) {
  return !text.empty() && text.size() <= kMaxAddressBytes &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':';
         });
}

bool is_trusted(std::string_view address, const std::vector<std::string>& trusted) {
  return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
}

}  // namespace

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  if (!is_trusted(peer, trusted_proxies)) {
    return std::string(peer);
  }
  std::string_view rest = forwarded_for;
  std::string_view client = peer;
  while (!rest.empty()) {
    std::size_t comma = rest.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!plausible_address(hop)) {
      break;
    }
    client = hop;
    if (!is_trusted(hop, trusted_proxies)) {
      break;
    }
  }
  return std::string(client);
}

}  // namespace caas::api
