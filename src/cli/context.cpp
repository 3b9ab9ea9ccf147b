#include "cli/context.h"

#include <cstdio>
#include <cstdlib>

#include <boost/json/serialize.hpp>

namespace caas::cli {

Result<ClientConfig*> Context::config() {
  if (!config_.has_value()) {
    CAAS_ASSIGN_OR_RETURN(ClientConfig loaded, load_config());
    config_.emplace(std::move(loaded));
  }
  return &*config_;
}

Result<std::string> Context::server_url() {
  if (!server_flag.empty()) {
    return server_flag;
  }
  if (const char* env = std::getenv("CAAS_SERVER"); env != nullptr && env[0] != '\0') {
    return std::string(env);
  }
  CAAS_ASSIGN_OR_RETURN(ClientConfig * saved, config());
  return saved->server.empty() ? std::string(kDefaultServer) : saved->server;
}

Result<ApiClient*> Context::api() {
  if (api_.has_value()) {
    return &*api_;
  }
  CAAS_ASSIGN_OR_RETURN(std::string url, server_url());
  CAAS_ASSIGN_OR_RETURN(HttpClient http, HttpClient::create(url));
  CAAS_ASSIGN_OR_RETURN(ClientConfig * saved, config());
  if (const char* env = std::getenv("CAAS_TOKEN"); env != nullptr && env[0] != '\0') {
    http.set_token(crypto::SecretBytes::copy_of(as_bytes(std::string_view(env))));
  } else if (!saved->token.empty() && (saved->server.empty() || saved->server == http.base_url())) {
    // A saved token goes only to the server that issued it.
    http.set_token(saved->token.clone());
  }
  api_.emplace(std::move(http));
  return &*api_;
}

Result<ApiClient*> Context::session() {
  CAAS_ASSIGN_OR_RETURN(ApiClient * client, api());
  if (!client->http().has_token()) {
    return error(ErrorCode::kUnauthenticated, "not logged in: run `caas login EMAIL` first");
  }
  return client;
}

Result<const format::age::X25519Identity*> Context::identity() {
  if (!identity_.has_value()) {
    CAAS_ASSIGN_OR_RETURN(std::optional<format::age::X25519Identity> saved, load_identity());
    if (!saved.has_value()) {
      return error(ErrorCode::kFailedPrecondition,
                   "no key is saved on this device: run `caas login EMAIL` first");
    }
    identity_.emplace(std::move(*saved));
  }
  return &*identity_;
}

void Context::emit(const boost::json::value& value, std::string_view human) const {
  if (json) {
    std::string text = boost::json::serialize(value);
    std::printf("%s\n", text.c_str());
  } else if (!human.empty()) {
    std::fwrite(human.data(), 1, human.size(), stdout);
    if (human.back() != '\n') {
      std::fputc('\n', stdout);
    }
  }
  std::fflush(stdout);
}

}  // namespace caas::cli
