// TransitService over a real SqliteStore and SealManager: namespaces, rotation, the
// min_decryption_version, the nonce budget, sealing, and keys reopened by a new process.
#include "transit/transit_service.h"

#include <gtest/gtest.h>

#include "meta/sqlite_store.h"
#include "testing/temp_dir.h"

namespace caas::transit {
namespace {

class StepClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return TimePoint(std::chrono::seconds(seconds)); }
  std::int64_t seconds = 1'700'000'000;
};

std::string str(const crypto::SecretBytes& bytes) {
  return {bytes.expose().begin(), bytes.expose().end()};
}

class TransitServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ =
        std::move(meta::SqliteStore::open({dir_.file("caas.db"), std::chrono::seconds(1)})).value();
    seal_ = std::move(kms::SealManager::load(*store_)).value();
    init_ = std::move(seal_->init(1, 1)).value();
    unseal();
    audit_ = std::make_unique<kms::AuditLog>(*store_, *seal_, clock_);
    for (const char* user : {"alice", "bob"}) {
      std::string email = std::string(user) + "@x.io";
      ASSERT_TRUE(store_->accounts().put_pending_registration({email, "h", "t", 9, 0}).ok());
      ASSERT_TRUE(store_->accounts()
                      .create_user_from_pending({user, email, "h", "2026", "", false, 0}, "t")
                      .ok());
    }
    service_ = make_service({});
  }
  void unseal() { ASSERT_TRUE(seal_->unseal(init_.shares[0].expose()).ok()); }
  std::unique_ptr<TransitService> make_service(TransitConfig config) {
    auto service =
        std::make_unique<TransitService>(store_->transit(), *seal_, *audit_, clock_, config);
    seal_->add_seal_listener([raw = service.get()] { raw->clear_cache(); });
    return service;
  }

  testing::TempDir dir_;
  StepClock clock_;
  std::unique_ptr<meta::SqliteStore> store_;
  std::unique_ptr<kms::SealManager> seal_;
  kms::InitResult init_;
  std::unique_ptr<kms::AuditLog> audit_;
  std::unique_ptr<TransitService> service_;
};

TEST_F(TransitServiceTest, KeysLiveInTheirOwnersNamespace) {
  ASSERT_TRUE(service_->create_key("alice", "orders", KeyType::kAes256Gcm, false).ok());
  EXPECT_EQ(service_->create_key("alice", "orders", KeyType::kHmac, false).status().code(),
            ErrorCode::kAlreadyExists);
  // Bob may have a key of the same name; it is another key.
  ASSERT_TRUE(service_->create_key("bob", "orders", KeyType::kAes256Gcm, false).ok());
  std::string ciphertext = *service_->encrypt("alice", "orders", as_bytes("pay 10"), {}, {});
  EXPECT_TRUE(ciphertext.starts_with("caas:v1:"));
  EXPECT_EQ(str(*service_->decrypt("alice", "orders", ciphertext, {}, {})), "pay 10");
  EXPECT_EQ(service_->decrypt("bob", "orders", ciphertext, {}, {}).status().code(),
            ErrorCode::kDecryptionFailed);
  EXPECT_EQ(service_->encrypt("carol", "orders", as_bytes("x"), {}, {}).status().code(),
            ErrorCode::kNotFound);
}

TEST_F(TransitServiceTest, RotationKeepsOldVersionsUntilTheMinimumMoves) {
  ASSERT_TRUE(service_->create_key("alice", "k", KeyType::kChaCha20Poly1305, false).ok());
  std::string v1 = *service_->encrypt("alice", "k", as_bytes("one"), {}, as_bytes("aad"));
  KeyInfo info = *service_->rotate("alice", "k");
  EXPECT_EQ(info.latest_version, 2U);
  ASSERT_EQ(info.versions.size(), 2U);
  std::string v2 = *service_->encrypt("alice", "k", as_bytes("two"), {}, as_bytes("aad"));
  EXPECT_TRUE(v2.starts_with("caas:v2:"));
  EXPECT_EQ(str(*service_->decrypt("alice", "k", v1, {}, as_bytes("aad"))), "one");
  std::string rewrapped = *service_->rewrap("alice", "k", v1, {}, as_bytes("aad"));
  EXPECT_TRUE(rewrapped.starts_with("caas:v2:"));
  EXPECT_EQ(str(*service_->decrypt("alice", "k", rewrapped, {}, as_bytes("aad"))), "one");
  ASSERT_TRUE(service_->set_min_decryption_version("alice", "k", 2).ok());
  EXPECT_EQ(service_->decrypt("alice", "k", v1, {}, as_bytes("aad")).status().code(),
            ErrorCode::kDecryptionFailed);
  EXPECT_EQ(str(*service_->decrypt("alice", "k", v2, {}, as_bytes("aad"))), "two");
  EXPECT_EQ(service_->set_min_decryption_version("alice", "k", 3).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(TransitServiceTest, ANewProcessOpensTheStoredVersions) {
  ASSERT_TRUE(service_->create_key("alice", "sig", KeyType::kEd25519, false).ok());
  ASSERT_TRUE(service_->create_key("alice", "d", KeyType::kXChaCha20Poly1305, true).ok());
  std::string signature = *service_->sign("alice", "sig", as_bytes("msg"));
  std::string ciphertext = *service_->encrypt("alice", "d", as_bytes("p"), as_bytes("ctx"), {});
  std::string public_key = service_->key_info("alice", "sig")->versions[0].public_key;
  EXPECT_FALSE(public_key.empty());
  auto other = make_service({});  // another process: an empty cache over the same database
  EXPECT_TRUE(*other->verify("alice", "sig", as_bytes("msg"), signature));
  EXPECT_FALSE(*other->verify("alice", "sig", as_bytes("msh"), signature));
  EXPECT_EQ(str(*other->decrypt("alice", "d", ciphertext, as_bytes("ctx"), {})), "p");
  EXPECT_EQ(other->key_info("alice", "sig")->versions[0].public_key, public_key);
}

TEST_F(TransitServiceTest, ARotationElsewhereShowsOnTheNextDecrypt) {
  ASSERT_TRUE(service_->create_key("alice", "k", KeyType::kAes256Gcm, false).ok());
  auto other = make_service({});
  ASSERT_TRUE(other->encrypt("alice", "k", as_bytes("warm"), {}, {}).ok());  // cached at v1
  ASSERT_TRUE(service_->rotate("alice", "k").ok());
  std::string v2 = *service_->encrypt("alice", "k", as_bytes("new"), {}, {});
  // Unknown versions re-read the key at most once a second (no database read per forged one).
  EXPECT_EQ(other->decrypt("alice", "k", v2, {}, {}).status().code(), ErrorCode::kDecryptionFailed);
  clock_.seconds += 1;
  EXPECT_EQ(str(*other->decrypt("alice", "k", v2, {}, {})), "new");
}

TEST_F(TransitServiceTest, TheNonceBudgetRotatesTheKeyAndSurvivesRestarts) {
  TransitConfig config;
  config.rotate_after_encryptions = 10;
  config.reserve_block = 4;
  auto service = make_service(config);
  ASSERT_TRUE(service->create_key("alice", "gcm", KeyType::kAes256Gcm, false).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(service->encrypt("alice", "gcm", as_bytes("x"), {}, {}).ok());
  }
  KeyInfo info = *service->key_info("alice", "gcm");
  EXPECT_EQ(info.latest_version, 2U) << "rotates on reaching the budget";
  EXPECT_EQ(info.versions[0].encryptions, 10U);
  EXPECT_TRUE(service->encrypt("alice", "gcm", as_bytes("x"), {}, {})->starts_with("caas:v2:"));
  // A restart counts what was reserved, never less than what was used.
  auto restarted = make_service(config);
  EXPECT_GE(restarted->key_info("alice", "gcm")->versions[0].encryptions, 10U);
  // XChaCha20 has no such bound.
  ASSERT_TRUE(service->create_key("alice", "x", KeyType::kXChaCha20Poly1305, false).ok());
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(service->encrypt("alice", "x", as_bytes("x"), {}, {}).ok());
  }
  EXPECT_EQ(service->key_info("alice", "x")->latest_version, 1U);
}

TEST_F(TransitServiceTest, KeysAndVersionsPerOwnerAreBounded) {
  TransitConfig config;
  config.max_keys_per_owner = 2;
  config.max_versions_per_key = 3;
  auto service = make_service(config);
  ASSERT_TRUE(service->create_key("alice", "a", KeyType::kHmac, false).ok());
  ASSERT_TRUE(service->create_key("alice", "b", KeyType::kHmac, false).ok());
  EXPECT_EQ(service->create_key("alice", "c", KeyType::kHmac, false).status().code(),
            ErrorCode::kResourceExhausted);
  EXPECT_TRUE(service->create_key("bob", "c", KeyType::kHmac, false).ok());  // per owner
  ASSERT_TRUE(service->rotate("alice", "a").ok());
  ASSERT_TRUE(service->rotate("alice", "a").ok());
  EXPECT_EQ(service->rotate("alice", "a").status().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(service->key_info("alice", "a")->latest_version, 3U);
}

TEST_F(TransitServiceTest, SealingDropsTheCacheAndRefuses) {
  ASSERT_TRUE(service_->create_key("alice", "k", KeyType::kHmac, false).ok());
  std::string tag = *service_->hmac("alice", "k", as_bytes("in"), {});
  seal_->seal();
  EXPECT_EQ(service_->hmac("alice", "k", as_bytes("in"), {}).status().code(),
            ErrorCode::kUnavailable);
  EXPECT_EQ(service_->create_key("alice", "n", KeyType::kHmac, false).status().code(),
            ErrorCode::kUnavailable);
  unseal();
  EXPECT_TRUE(*service_->verify_hmac("alice", "k", as_bytes("in"), tag, {}));
  EXPECT_FALSE(*service_->verify_hmac("alice", "k", as_bytes("im"), tag, {}));
}

TEST_F(TransitServiceTest, DataKeysAndDerivedContexts) {
  ASSERT_TRUE(service_->create_key("alice", "d", KeyType::kAes256Gcm, true).ok());
  DataKey key = *service_->datakey("alice", "d", as_bytes("tenant-1"), 256);
  EXPECT_EQ(key.plaintext.size(), 32U);
  EXPECT_TRUE(*service_->decrypt("alice", "d", key.ciphertext, as_bytes("tenant-1"), {}) ==
              key.plaintext);
  EXPECT_EQ(
      service_->decrypt("alice", "d", key.ciphertext, as_bytes("tenant-2"), {}).status().code(),
      ErrorCode::kDecryptionFailed);
  Status no_context = service_->encrypt("alice", "d", as_bytes("p"), {}, {}).status();
  EXPECT_EQ(no_context.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(no_context.message().starts_with("context_required")) << no_context.message();
  EXPECT_EQ(service_->create_key("alice", "e", KeyType::kEd25519, true).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace caas::transit
