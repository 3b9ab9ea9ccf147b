// Unit tests of the caas client's building blocks: the zero-knowledge key derivation and
// identity wrap, the config folder, URL encoding, error mapping, QR rendering and exit codes.
// The end-to-end behaviour against a real caasd is in tests/integration/test_cli*.py.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/hex.h"
#include "cli/api_client.h"
#include "cli/config.h"
#include "cli/exit_codes.h"
#include "cli/http_client.h"
#include "cli/progress.h"
#include "cli/qr_code.h"
#include "cli/zk_keys.h"

namespace caas::cli {
namespace {

using format::age::X25519Identity;

ByteSpan text(std::string_view s) { return as_bytes(s); }

TEST(ZkKeys, KnownAnswerFromAnIndependentImplementation) {
  // tests/vectors/caas-client-kdf/make_vector.py (libsodium via ctypes + Python hmac).
  KdfParams params = default_kdf("alice@example.com");
  EXPECT_EQ(hex_encode(params.salt), "2e00e3ec8dc2487ded2a94310ce50a4c");
  EXPECT_EQ(params.iterations, 3U);
  EXPECT_EQ(params.memory_kib, 65536U);
  Result<DerivedKeys> keys = derive_keys(text("correct horse battery staple"), params);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(as_chars(keys->auth_secret.expose()),
            "eb7af5d1d2658c46800e48fc78d7936b01ca17493d40fe1e8ec93aed86e30f1f");
  EXPECT_EQ(hex_encode(keys->master_key.expose()),
            "229ea12c76979ae295ecca25571dfe77ada3f6e455c644cfca70920e29b207e6");
}

TEST(ZkKeys, SaltDependsOnTheEmailAndKeysOnThePassword) {
  KdfParams light = default_kdf("a@example.com");
  light.memory_kib = 64;  // small, so the test is fast; the derivation is the same code
  light.iterations = 1;
  KdfParams other_email = light;
  other_email.salt = default_kdf("b@example.com").salt;
  EXPECT_NE(light.salt, other_email.salt);
  auto a = derive_keys(text("password one!"), light);
  auto b = derive_keys(text("password two!"), light);
  auto c = derive_keys(text("password one!"), other_email);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_FALSE(a->master_key == b->master_key);
  EXPECT_FALSE(a->master_key == c->master_key);
  EXPECT_FALSE(a->auth_secret == b->auth_secret);
  // The secret the server sees is not the master key, in any spelling.
  EXPECT_NE(as_chars(a->auth_secret.expose()), hex_encode(a->master_key.expose()));
}

TEST(ZkKeys, KdfJsonRoundTripsAndRefusesWhatItCannotUse) {
  KdfParams params = default_kdf("a@example.com");
  Result<KdfParams> back = kdf_from_json(kdf_to_json(params));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, params);
  for (
      const char* bad : {
          "",
          "[]",
          "{}",
          R"({"algorithm":"scrypt","parallelism":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="})",
          R"({"algorithm":"argon2id","parallelism":1,"iterations":3,"memory_kib":65536,"salt":"AAAA"})",
          R"({"algorithm":"argon2id","parallelism":4,"iterations":3,"memory_kib":65536,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="})",
          R"({"algorithm":"argon2id","parallelism":1,"iterations":3,"memory_kib":4294967295,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="})",
          R"({"algorithm":"argon2id","parallelism":1,"iterations":0,"memory_kib":65536,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="})",
      }) {
    Result<KdfParams> parsed = kdf_from_json(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), ErrorCode::kDataLoss) << bad;
    }
  }
}

crypto::SecretArray<32> key_of(std::uint8_t fill) {
  crypto::SecretArray<32> key;
  std::fill(key.expose_mutable().begin(), key.expose_mutable().end(), fill);
  return key;
}

TEST(ZkKeys, IdentityWrapRoundTripsOnlyUnderTheSameKeyAndPublicKey) {
  X25519Identity identity = X25519Identity::generate();
  std::string public_key = identity.recipient().to_string();
  Result<std::string> wrapped = wrap_identity(key_of(1), identity);
  ASSERT_TRUE(wrapped.ok());
  // The wrap never shows the identity.
  EXPECT_EQ(wrapped->find("AGE-SECRET-KEY"), std::string::npos);

  Result<X25519Identity> back = unwrap_identity(key_of(1), *wrapped, public_key);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->recipient().to_string(), public_key);

  Result<X25519Identity> wrong_key = unwrap_identity(key_of(2), *wrapped, public_key);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.status().code(), ErrorCode::kDecryptionFailed);

  // Another public key beside the wrap (a server swapping keys) fails the associated data.
  std::string other = X25519Identity::generate().recipient().to_string();
  EXPECT_FALSE(unwrap_identity(key_of(1), *wrapped, other).ok());

  std::string tampered = *wrapped;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(unwrap_identity(key_of(1), tampered, public_key).ok());
  EXPECT_FALSE(unwrap_identity(key_of(1), "not base64!", public_key).ok());
  EXPECT_FALSE(unwrap_identity(key_of(1), "", public_key).ok());
}

TEST(ZkKeys, ContentHashIsKeyedByTheIdentity) {
  X25519Identity one = X25519Identity::generate();
  X25519Identity two = X25519Identity::generate();
  auto hash = [](const X25519Identity& identity, std::string_view data) {
    ContentHasher hasher(identity);
    hasher.update(as_bytes(data.substr(0, data.size() / 2)));
    hasher.update(as_bytes(data.substr(data.size() / 2)));
    return hasher.finish();
  };
  std::string a = hash(one, "the same bytes");
  EXPECT_EQ(a, hash(one, "the same bytes"));
  EXPECT_NE(a, hash(one, "other bytes"));
  EXPECT_NE(a, hash(two, "the same bytes"));  // equal files of two users do not match
  ASSERT_EQ(a.size(), 3U + 64U);
  EXPECT_EQ(a.substr(0, 3), "h1-");
}

TEST(ZkKeys, FingerprintIsSshStyle) {
  std::string fingerprint = key_fingerprint("age1example");
  EXPECT_EQ(fingerprint.substr(0, 7), "SHA256:");
  EXPECT_EQ(fingerprint.size(), 7U + 43U);  // unpadded base64 of 32 bytes
  EXPECT_NE(fingerprint, key_fingerprint("age1examplf"));
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("caas-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static unsigned mode_of(const std::filesystem::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 0777U;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, SavesPrivatelyAndLoadsBack) {
  Result<ClientConfig> empty = load_config();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->token.empty());

  ClientConfig config;
  config.server = "http://127.0.0.1:8200";
  config.email = "a@example.com";
  config.user_id = "u-1";
  config.token = crypto::SecretBytes::copy_of(text("caas_s_token.value-1"));
  ASSERT_TRUE(save_config(config).ok());
  EXPECT_EQ(mode_of(dir_ / "caas"), 0700U);
  EXPECT_EQ(mode_of(dir_ / "caas" / "config.json"), 0600U);

  Result<ClientConfig> back = load_config();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->server, config.server);
  EXPECT_EQ(back->email, config.email);
  EXPECT_EQ(back->user_id, config.user_id);
  EXPECT_TRUE(back->token == config.token);

  X25519Identity identity = X25519Identity::generate();
  ASSERT_TRUE(save_identity(identity).ok());
  EXPECT_EQ(mode_of(dir_ / "caas" / "identity"), 0600U);
  auto loaded = load_identity();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->recipient().to_string(), identity.recipient().to_string());

  // Logout forgets the token and the identity, keeps the server.
  ASSERT_TRUE(forget_session().ok());
  back = load_config();
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->token.empty());
  EXPECT_EQ(back->server, config.server);
  loaded = load_identity();
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "caas" / "identity"));
}

TEST_F(ConfigTest, RefusesATokenThatWouldBreakTheFile) {
  ClientConfig config;
  config.token = crypto::SecretBytes::copy_of(text("abc\",\"server\":\"http://evil"));
  EXPECT_FALSE(save_config(config).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "caas" / "config.json"));
}

TEST_F(ConfigTest, CorruptFilesAreErrorsNotCrashes) {
  std::filesystem::create_directories(dir_ / "caas");
  std::ofstream(dir_ / "caas" / "config.json") << "{not json";
  std::ofstream(dir_ / "caas" / "identity") << "# no key here\n";
  EXPECT_EQ(load_config().status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(load_identity().status().code(), ErrorCode::kDataLoss);
}

TEST_F(ConfigTest, KnownKeysRoundTrip) {
  KnownKeys keys{{"a@example.com", "age1aaa"}, {"b@example.com", "age1bbb"}};
  ASSERT_TRUE(save_known_keys(keys).ok());
  Result<KnownKeys> back = load_known_keys();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, keys);
}

TEST(UrlEncode, KeepsUnreservedAndOptionallySlashes) {
  EXPECT_EQ(url_encode("a b/c?d#e%f", true), "a%20b/c%3Fd%23e%25f");
  EXPECT_EQ(url_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(url_encode("\xC3\xA9t\xC3\xA9.txt", true), "%C3%A9t%C3%A9.txt");
  EXPECT_EQ(url_encode("A-z_0.9~", false), "A-z_0.9~");
  EXPECT_EQ(file_target("dir/a+b"), "/v1/files/dir/a%2Bb");
}

TEST(ApiError, UsesTheServersSentenceAndMapsTheStatus) {
  HttpResponse response;
  response.status = 404;
  response.body = R"({"error":{"code":"not_found","message":"no such file"}})";
  Status status = api_error(response);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(status.message(), "no such file (not_found)");
  EXPECT_EQ(exit_code_for(status), kExitNotFound);

  response.status = 401;
  response.body = R"({"error":{"code":"login_failed","message":"wrong email or password"}})";
  EXPECT_EQ(exit_code_for(api_error(response)), kExitAuth);

  response.status = 429;
  response.headers["retry-after"] = "7";
  response.body = "<html>not caas</html>";
  status = api_error(response);
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);  // try later: exit 6
  EXPECT_EQ(status.message(), "the server answered HTTP 429; retry after 7 s");

  // The error code wins over the status where it says that data does not verify.
  response = HttpResponse{};
  response.status = 400;
  response.body = R"({"error":{"code":"decryption_failed","message":"decryption failed"}})";
  EXPECT_EQ(exit_code_for(api_error(response)), kExitIntegrity);
  response.status = 500;
  response.body = R"({"error":{"code":"integrity_error","message":"stored data is damaged"}})";
  EXPECT_EQ(exit_code_for(api_error(response)), kExitIntegrity);

  response = HttpResponse{};
  response.status = 503;
  EXPECT_EQ(exit_code_for(api_error(response)), kExitUnavailable);
  response.status = 409;
  EXPECT_EQ(exit_code_for(api_error(response)), kExitConflict);
  EXPECT_EQ(exit_code_for(error(ErrorCode::kDataLoss, "x")), kExitIntegrity);
  EXPECT_EQ(exit_code_for(error(ErrorCode::kInvalidArgument, "x")), kExitFailure);
}

TEST(HttpClient, RefusesUrlsThatAreNotHttp) {
  EXPECT_FALSE(HttpClient::create("ftp://example.com").ok());
  EXPECT_FALSE(HttpClient::create("127.0.0.1:8200").ok());
  Result<HttpClient> ok = HttpClient::create("http://127.0.0.1:8200///");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->base_url(), "http://127.0.0.1:8200");
}

TEST(HttpClient, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  Result<HttpClient> client = HttpClient::create("http://127.0.0.1:1");
  ASSERT_TRUE(client.ok());
  HttpRequest request;
  request.target = "/v1/sys/health";
  Result<HttpResponse> response = client->send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(exit_code_for(response.status()), kExitUnavailable);
}

TEST(QrCode, RendersASquareWithAQuietZone) {
  Result<std::string> qr =
      render_qr("otpauth://totp/caas:a%40example.com?secret=ABCDEFGH&issuer=caas");
  ASSERT_TRUE(qr.ok());
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = qr->find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(qr->substr(start, end - start));
  }
  ASSERT_FALSE(lines.empty());
  // Each character cell is one UTF-8 block (3 bytes) or a space; count cells.
  auto cells = [](const std::string& line) {
    std::size_t n = 0;
    for (char c : line) {
      n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    }
    return n;
  };
  std::size_t width = cells(lines[0]);
  // QR versions have 17 + 4v modules, plus a quiet zone of 2 on each side.
  ASSERT_EQ((width - 4 - 17) % 4, 0U) << width;
  EXPECT_EQ(lines.size(), (width + 1) / 2);
  for (const std::string& line : lines) {
    EXPECT_EQ(cells(line), width);
  }
  // The quiet zone's first row is all light (full blocks).
  EXPECT_EQ(lines[0].find(' '), std::string::npos);
}

TEST(Progress, FormatsBytesForHumans) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(std::uint64_t{64} << 20), "64.0 MiB");
  EXPECT_EQ(format_bytes(std::uint64_t{3} << 30), "3.0 GiB");
}

}  // namespace
}  // namespace caas::cli
