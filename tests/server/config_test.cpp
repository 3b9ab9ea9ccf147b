#include "server/config.h"

#include <map>

#include <gtest/gtest.h>

namespace caas::server {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TEST(ConfigTest, DefaultsAreValid) {
  Config config;
  EXPECT_TRUE(validate(config).ok());
  EXPECT_EQ(config.server.listen, "127.0.0.1:8200");
  EXPECT_EQ(config.http.json_body_limit_bytes, 1024 * 1024);
}

TEST(ConfigTest, TomlSetsEveryKindOfValue) {
  Config config;
  Status status = apply_toml(config, R"(
[server]
listen = "0.0.0.0:9000"
threads = 3
[http]
header_timeout_ms = 2500
trusted_proxies = ["10.0.0.1", "10.0.0.2"]
[log]
access = false
)",
                             "test.toml");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.server.threads, 3);
  EXPECT_EQ(config.http.header_timeout_ms, 2500);
  EXPECT_EQ(config.http.trusted_proxies.size(), 2U);
  EXPECT_FALSE(config.log.access);
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  Config config;
  ASSERT_TRUE(apply_toml(config, "[http]\njson_body_limit_bytes = 2048\n", "f").ok());
  ASSERT_TRUE(apply_env(config, fake_env({{"CAAS_HTTP_JSON_BODY_LIMIT_BYTES", "8192"},
                                          {"CAAS_LOG_ACCESS", "0"},
                                          {"CAAS_HTTP_TRUSTED_PROXIES", "a,b,,c"},
                                          {"CAAS_TLS_CERT_FILE", "/x.pem"}}))
                  .ok());
  EXPECT_EQ(config.http.json_body_limit_bytes, 8192);
  EXPECT_FALSE(config.log.access);
  EXPECT_EQ(config.http.trusted_proxies, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(config.tls.cert_file, "/x.pem");
}

TEST(ConfigTest, BadInputNamesTheKey) {
  struct Case {
    std::string toml;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {"[http]\nnope = 1\n", "http.nope"},
           {"[nosection]\nx = 1\n", "nosection.x"},
           {"[http]\nmax_connections = \"many\"\n", "http.max_connections"},
           {"[http]\nmax_connections = 0\n", "http.max_connections"},
           {"[log]\naccess = 1\n", "log.access"},
           {"[http]\ntrusted_proxies = [1]\n", "http.trusted_proxies"},
           {"listen = \"x\"\n", "listen"},
           {"[http\n", "t.toml:1"},
       }) {
    Config config;
    Status status = apply_toml(config, c.toml, "t.toml");
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.toml;
    EXPECT_NE(status.message().find(c.names), std::string::npos) << status.message();
  }
  Config config;
  Status env = apply_env(config, fake_env({{"CAAS_HTTP_MAX_CONNECTIONS", "12abc"}}));
  EXPECT_NE(env.message().find("CAAS_HTTP_MAX_CONNECTIONS"), std::string::npos);
  EXPECT_FALSE(apply_env(config, fake_env({{"CAAS_LOG_ACCESS", "yes"}})).ok());
}

TEST(ConfigTest, ValidateChecksCrossKeyRules) {
  Config config;
  config.log.level = "loud";
  EXPECT_FALSE(validate(config).ok());
  config = Config{};
  config.server.listen = "localhost";
  EXPECT_FALSE(validate(config).ok());
  config = Config{};
  config.metadata.backend = "oracle";
  EXPECT_FALSE(validate(config).ok());
}

TEST(ConfigTest, UnknownCaasVariablesAreReported) {
  std::vector<std::string> unknown = unknown_caas_variables(
      {"CAAS_HTTP_MAX_CONNECTIONS=5", "CAAS_HTTP_MAX_CONECTIONS=5", "HOME=/root", "CAAS_X"});
  EXPECT_EQ(unknown, (std::vector<std::string>{"CAAS_HTTP_MAX_CONECTIONS", "CAAS_X"}));
}

TEST(ConfigTest, TlsNeedsBothFiles) {
  Config config;
  config.tls.cert_file = "/cert.pem";
  EXPECT_FALSE(validate(config).ok());
  config.tls.key_file = "/key.pem";
  EXPECT_TRUE(validate(config).ok());
}

TEST(ConfigTest, ParseListenHandlesIpv4Ipv6AndBadPorts) {
  EXPECT_EQ(parse_listen("127.0.0.1:0")->port, 0);
  EXPECT_EQ(parse_listen("[::1]:8200")->host, "::1");
  EXPECT_EQ(parse_listen("0.0.0.0:65535")->port, 65535);
  EXPECT_FALSE(parse_listen("127.0.0.1:65536").ok());
  EXPECT_FALSE(parse_listen("127.0.0.1:").ok());
  EXPECT_FALSE(parse_listen(":80").ok());
  EXPECT_FALSE(parse_listen("127.0.0.1:8x").ok());
}

TEST(ConfigTest, EveryKeyHasAnEnvironmentName) {
  std::vector<std::string> keys = config_keys();
  EXPECT_GE(keys.size(), 20U);
  Config config;
  for (const std::string& key : keys) {
    std::string env = "CAAS_" + key;
    for (char& c : env) {
      c = c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    // An invalid value through the environment must be refused with that variable named —
    // proof that the key is reachable from the environment. Strings accept anything, so only
    // non-string keys are probed with a non-number.
    Status status = apply_env(config, fake_env({{env, "not-a-number-or-bool"}}));
    if (!status.ok()) {
      EXPECT_NE(status.message().find(env), std::string::npos) << key;
    }
  }
}

}  // namespace
}  // namespace caas::server
