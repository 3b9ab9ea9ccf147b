// The account operations of SqliteStore, above all the ones that must succeed at most once.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "meta/sqlite_store.h"
#include "testing/temp_dir.h"

namespace caas::meta {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open({dir_.file("caas.db"), std::chrono::milliseconds(500)});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(opened).value();
  }
  AccountStore& accounts() { return store_->accounts(); }

  UserRecord add_user(const std::string& id, const std::string& email) {
    UserRecord user{id, email, "$argon2id$hash", "2026-12-02T00:00:00Z", "", false, 0};
    EXPECT_TRUE(
        accounts().put_pending_registration({email, "$argon2id$hash", "tag-" + id, 100, 0}).ok());
    EXPECT_TRUE(accounts().create_user_from_pending(user, "tag-" + id).ok());
    return user;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AccountsTest, PendingRegistrationBecomesAUserOnce) {
  ASSERT_TRUE(accounts().put_pending_registration({"a@x.io", "hash1", "tag1", 100, 0}).ok());
  EXPECT_EQ(*accounts().count_pending_attempt("a@x.io"), 1);
  EXPECT_EQ(*accounts().count_pending_attempt("a@x.io"), 2);
  EXPECT_EQ(*accounts().count_pending_attempt("nobody@x.io"), 0);
  // Registering again replaces the code and resets the attempts.
  ASSERT_TRUE(accounts().put_pending_registration({"a@x.io", "hash2", "tag2", 200, 0}).ok());
  auto pending = *accounts().find_pending_registration("a@x.io");
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->password_hash, "hash2");
  EXPECT_EQ(pending->attempts, 0);

  UserRecord user{"u1", "a@x.io", "hash2", "2026-12-02T00:00:00Z", "", false, 0};
  EXPECT_EQ(accounts().create_user_from_pending(user, "tag1").code(), ErrorCode::kNotFound);
  ASSERT_TRUE(accounts().create_user_from_pending(user, "tag2").ok());
  EXPECT_EQ(accounts().create_user_from_pending(user, "tag2").code(), ErrorCode::kNotFound);
  EXPECT_FALSE(accounts().find_pending_registration("a@x.io")->has_value());
  auto found = *accounts().find_user_by_email("a@x.io");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "u1");
  EXPECT_EQ((*accounts().find_user("u1"))->email, "a@x.io");
}

TEST_F(AccountsTest, TakenEmailRollsBackTheWholeRegistration) {
  add_user("u1", "a@x.io");
  ASSERT_TRUE(accounts().put_pending_registration({"a@x.io", "h", "t", 100, 0}).ok());
  UserRecord duplicate{"u2", "a@x.io", "h", "2026-12-02T00:00:00Z", "", false, 0};
  EXPECT_EQ(accounts().create_user_from_pending(duplicate, "t").code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(accounts().find_pending_registration("a@x.io")->has_value());  // rolled back
  EXPECT_FALSE(accounts().find_user("u2")->has_value());
}

TEST_F(AccountsTest, TotpStepsOnlyMoveForward) {
  add_user("u1", "a@x.io");
  ASSERT_TRUE(accounts().update_totp("u1", "sealed", true).ok());
  EXPECT_TRUE(*accounts().advance_totp_step("u1", 100));
  EXPECT_FALSE(*accounts().advance_totp_step("u1", 100));
  EXPECT_FALSE(*accounts().advance_totp_step("u1", 99));
  EXPECT_TRUE(*accounts().advance_totp_step("u1", 101));
  auto user = *accounts().find_user("u1");
  EXPECT_TRUE(user->totp_enabled);
  EXPECT_EQ(user->totp_secret, "sealed");
  EXPECT_EQ(user->totp_last_step, 101);
}

TEST_F(AccountsTest, ConcurrentUsesOfOneTicketSucceedOnce) {
  add_user("u1", "a@x.io");
  ASSERT_TRUE(accounts().insert_login_ticket({"t1", "u1", "email", "tag", 100, 0}).ok());
  EXPECT_EQ(*accounts().count_ticket_attempt("t1"), 1);
  EXPECT_EQ((*accounts().find_login_ticket("t1"))->attempts, 1);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (*accounts().take_login_ticket("t1")) {
        ++wins;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(*accounts().count_ticket_attempt("t1"), 0);
}

TEST_F(AccountsTest, SessionsEndPerTokenOrPerUser) {
  add_user("u1", "a@x.io");
  add_user("u2", "b@x.io");
  for (const char* hash : {"s1", "s2", "s3"}) {
    ASSERT_TRUE(accounts().insert_session({hash, "u1", 10, 1000, 10}).ok());
  }
  ASSERT_TRUE(accounts().insert_session({"s4", "u2", 10, 1000, 10}).ok());
  ASSERT_TRUE(accounts().touch_session("s1", 50).ok());
  EXPECT_EQ((*accounts().find_session("s1"))->last_seen, 50);
  ASSERT_TRUE(accounts().delete_user_sessions("u1", "s2").ok());
  EXPECT_FALSE(accounts().find_session("s1")->has_value());
  EXPECT_TRUE(accounts().find_session("s2")->has_value());
  EXPECT_FALSE(accounts().find_session("s3")->has_value());
  EXPECT_TRUE(accounts().find_session("s4")->has_value());  // another user's
  ASSERT_TRUE(accounts().delete_session("s2").ok());
  EXPECT_FALSE(accounts().find_session("s2")->has_value());
}

TEST_F(AccountsTest, ApiKeysBelongToOneUser) {
  add_user("u1", "a@x.io");
  add_user("u2", "b@x.io");
  ASSERT_TRUE(accounts().insert_api_key({"k1", "u1", "ci", "hash1", "files:read", "t1"}).ok());
  ASSERT_TRUE(accounts().insert_api_key({"k2", "u1", "app", "hash2", "transit:*", "t2"}).ok());
  EXPECT_EQ(accounts().insert_api_key({"k3", "u2", "x", "hash1", "", "t3"}).code(),
            ErrorCode::kAlreadyExists);
  auto keys = *accounts().list_api_keys("u1");
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].name, "ci");
  EXPECT_EQ((*accounts().find_api_key("hash2"))->scopes, "transit:*");
  EXPECT_EQ(accounts().delete_api_key("u2", "k1").code(), ErrorCode::kNotFound);
  ASSERT_TRUE(accounts().delete_api_key("u1", "k1").ok());
  EXPECT_FALSE(accounts().find_api_key("hash1")->has_value());
  EXPECT_TRUE(accounts().list_api_keys("u2")->empty());
}

TEST_F(AccountsTest, PurgeRemovesOnlyExpiredRows) {
  add_user("u1", "a@x.io");
  ASSERT_TRUE(accounts().put_pending_registration({"old@x.io", "h", "t", 50, 0}).ok());
  ASSERT_TRUE(accounts().put_pending_registration({"new@x.io", "h", "t", 500, 0}).ok());
  ASSERT_TRUE(accounts().insert_login_ticket({"t-old", "u1", "email", "", 50, 0}).ok());
  ASSERT_TRUE(accounts().insert_session({"s-old", "u1", 0, 50, 0}).ok());
  ASSERT_TRUE(accounts().insert_session({"s-new", "u1", 0, 500, 0}).ok());
  ASSERT_TRUE(accounts().purge_expired(100).ok());
  EXPECT_FALSE(accounts().find_pending_registration("old@x.io")->has_value());
  EXPECT_TRUE(accounts().find_pending_registration("new@x.io")->has_value());
  EXPECT_FALSE(accounts().find_login_ticket("t-old")->has_value());
  EXPECT_FALSE(accounts().find_session("s-old")->has_value());
  EXPECT_TRUE(accounts().find_session("s-new")->has_value());
}

TEST_F(AccountsTest, UserKeysArePutAndReplacedForExistingUsersOnly) {
  add_user("u1", "a@x.io");
  add_user("u2", "b@x.io");
  EXPECT_FALSE(accounts().find_user_key("u1")->has_value());
  UserKeyRecord key{"u1", "age1first", "ZW5j", R"({"alg":"argon2id"})", "2026-12-02T00:00:00Z"};
  ASSERT_TRUE(accounts().put_user_key(key).ok());
  EXPECT_EQ(**accounts().find_user_key("u1"), key);
  EXPECT_FALSE(accounts().find_user_key("u2")->has_value());

  UserKeyRecord next{"u1", "age1second", "bmV3", R"({"alg":"argon2id","t":3})",
                     "2026-12-03T00:00:00Z"};
  ASSERT_TRUE(accounts().put_user_key(next).ok());
  EXPECT_EQ(**accounts().find_user_key("u1"), next);

  EXPECT_EQ(accounts().put_user_key({"ghost", "age1x", "eA==", "{}", "t"}).code(),
            ErrorCode::kNotFound);
  EXPECT_FALSE(accounts().find_user_key("ghost")->has_value());
}

}  // namespace
}  // namespace caas::meta
