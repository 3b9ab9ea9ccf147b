#include "kms/seal_manager.h"

#include <algorithm>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "meta/sqlite_store.h"
#include "testing/temp_dir.h"

namespace caas::kms {
namespace {

class SealManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  // A new manager over the same database: what a restart of caasd sees.
  void reopen() {
    manager_.reset();
    store_.reset();
    store_ =
        std::move(meta::SqliteStore::open({dir_.file("caas.db"), std::chrono::seconds(1)})).value();
    manager_ = std::move(SealManager::load(*store_)).value();
  }

  testing::TempDir dir_;
  std::unique_ptr<meta::SqliteStore> store_;
  std::unique_ptr<SealManager> manager_;
};

TEST_F(SealManagerTest, StartsUninitializedAndSealed) {
  SealStatus status = manager_->status();
  EXPECT_FALSE(status.initialized);
  EXPECT_TRUE(status.sealed);
  EXPECT_EQ(manager_->keyring(), nullptr);
  EXPECT_EQ(manager_->unseal(Bytes(33, 1)).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(manager_->is_root_token("caas-root-anything"));
}

TEST_F(SealManagerTest, InitValidatesTheSplit) {
  for (auto [n, k] :
       std::vector<std::pair<unsigned, unsigned>>{{0, 0}, {256, 2}, {3, 4}, {3, 1}, {3, 0}}) {
    EXPECT_EQ(manager_->init(n, k).status().code(), ErrorCode::kInvalidArgument) << n << "/" << k;
  }
  EXPECT_FALSE(manager_->status().initialized);
}

TEST_F(SealManagerTest, AnyThresholdSubsetInAnyOrderUnsealsAfterRestart) {
  InitResult init = std::move(manager_->init(5, 3)).value();
  ASSERT_EQ(init.shares.size(), 5U);
  EXPECT_TRUE(manager_->status().sealed);  // init leaves the server sealed
  EXPECT_EQ(manager_->init(5, 3).status().code(), ErrorCode::kAlreadyExists);
  std::string token(as_chars(init.root_token.expose()));
  ByteSpan expected_files_key_bytes = init.keyring->key("files", 1).value();
  Bytes expected_files_key(expected_files_key_bytes.begin(), expected_files_key_bytes.end());

  std::mt19937 rng(42);
  for (int round = 0; round < 10; ++round) {
    reopen();
    EXPECT_TRUE(manager_->status().initialized);
    EXPECT_TRUE(manager_->status().sealed);
    EXPECT_TRUE(manager_->is_root_token(token));
    std::vector<std::size_t> order = {0, 1, 2, 3, 4};
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i < 3; ++i) {
      SealStatus status = *manager_->unseal(init.shares[order[i]].expose());
      EXPECT_EQ(status.sealed, i < 2);
      EXPECT_EQ(status.progress, i < 2 ? i + 1 : 0);
    }
    auto keyring = manager_->keyring();
    ASSERT_NE(keyring, nullptr);
    EXPECT_TRUE(crypto::constant_time_equal(*keyring->key("files", 1), expected_files_key));
  }
}

TEST_F(SealManagerTest, AWrongShareResetsProgressAndRightSharesStillUnseal) {
  InitResult init = std::move(manager_->init(5, 3)).value();
  Bytes forged(init.shares[2].expose().begin(), init.shares[2].expose().end());
  forged[10] ^= 0x40;
  ASSERT_TRUE(manager_->unseal(init.shares[0].expose()).ok());
  ASSERT_TRUE(manager_->unseal(init.shares[1].expose()).ok());
  EXPECT_EQ(manager_->unseal(forged).status().code(), ErrorCode::kDecryptionFailed);
  EXPECT_EQ(manager_->status().progress, 0U);
  EXPECT_TRUE(manager_->status().sealed);
  // Malformed shares are refused at once, and also reset progress.
  ASSERT_TRUE(manager_->unseal(init.shares[0].expose()).ok());
  EXPECT_EQ(manager_->unseal(Bytes(32, 1)).status().code(), ErrorCode::kInvalidArgument);
  Bytes zero_x(33, 5);
  zero_x[0] = 0;
  EXPECT_EQ(manager_->unseal(zero_x).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(manager_->status().progress, 0U);
  for (std::size_t i : {std::size_t{4}, std::size_t{2}, std::size_t{3}}) {
    ASSERT_TRUE(manager_->unseal(init.shares[i].expose()).ok());
  }
  EXPECT_FALSE(manager_->status().sealed);
}

TEST_F(SealManagerTest, TheSameShareTwiceCountsOnce) {
  InitResult init = std::move(manager_->init(3, 2)).value();
  EXPECT_EQ(manager_->unseal(init.shares[1].expose())->progress, 1U);
  EXPECT_EQ(manager_->unseal(init.shares[1].expose())->progress, 1U);
  EXPECT_TRUE(manager_->status().sealed);
  EXPECT_FALSE(manager_->unseal(init.shares[0].expose())->sealed);
}

TEST_F(SealManagerTest, SharesOfAnotherInitializationAreRefused) {
  InitResult init = std::move(manager_->init(3, 2)).value();
  testing::TempDir other_dir;
  auto other_store =
      std::move(meta::SqliteStore::open({other_dir.file("caas.db"), std::chrono::seconds(1)}))
          .value();
  auto other = std::move(SealManager::load(*other_store)).value();
  InitResult foreign = std::move(other->init(3, 2)).value();
  ASSERT_TRUE(manager_->unseal(foreign.shares[0].expose()).ok());
  EXPECT_EQ(manager_->unseal(foreign.shares[1].expose()).status().code(),
            ErrorCode::kDecryptionFailed);
}

TEST_F(SealManagerTest, SealDropsTheKeyringButReadersKeepTheirCopyUntilDone) {
  InitResult init = std::move(manager_->init(1, 1)).value();
  ASSERT_FALSE(manager_->unseal(init.shares[0].expose())->sealed);
  std::shared_ptr<const Keyring> in_flight = manager_->keyring();
  manager_->seal();
  EXPECT_TRUE(manager_->status().sealed);
  EXPECT_EQ(manager_->keyring(), nullptr);
  EXPECT_TRUE(in_flight->key("audit", 1).ok());
  manager_->seal();  // idempotent
}

TEST_F(SealManagerTest, ConcurrentInitsProduceExactlyOneRootKey) {
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (manager_->init(3, 2).ok()) {
        ++successes;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(successes.load(), 1);
}

TEST_F(SealManagerTest, RootTokenIsCheckedByHashOnly) {
  InitResult init = std::move(manager_->init(1, 1)).value();
  std::string token(as_chars(init.root_token.expose()));
  EXPECT_EQ(token.rfind("caas-root-", 0), 0U);
  EXPECT_TRUE(manager_->is_root_token(token));
  EXPECT_FALSE(manager_->is_root_token(token.substr(0, token.size() - 1)));
  EXPECT_FALSE(manager_->is_root_token(""));
  auto stored = store_->get_setting("root_token.sha256");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->find(token), std::string::npos);
}

}  // namespace
}  // namespace caas::kms
