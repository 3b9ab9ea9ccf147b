#include "kms/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "meta/sqlite_store.h"
#include "testing/temp_dir.h"

namespace caas::kms {
namespace {

class FixedClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override {
    return TimePoint(std::chrono::seconds(1'700'000'000));
  }
};

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ =
        std::move(meta::SqliteStore::open({dir_.file("caas.db"), std::chrono::seconds(1)})).value();
    seal_ = std::move(SealManager::load(*store_)).value();
    init_ = std::move(seal_->init(1, 1)).value();
    log_ = std::make_unique<AuditLog>(*store_, *seal_, clock_);
  }
  void unseal() { ASSERT_TRUE(seal_->unseal(init_.shares[0].expose()).ok()); }
  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("caas.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  testing::TempDir dir_;
  FixedClock clock_;
  std::unique_ptr<meta::SqliteStore> store_;
  std::unique_ptr<SealManager> seal_;
  InitResult init_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, EntriesChainAndVerify) {
  ASSERT_TRUE(log_->record_with(*init_.keyring, {"anonymous", "sys.init", "", "ok"}).ok());
  unseal();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->record({"operator", "sys.test", std::to_string(i), "ok"}).ok());
  }
  auto entries = *log_->list(0, 100);
  ASSERT_EQ(entries.size(), 6U);
  EXPECT_EQ(entries[0].prev_hash, std::string(64, '0'));
  EXPECT_EQ(entries[0].time, "2023-11-14T22:13:20.000Z");
  for (std::size_t i = 1; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].prev_hash, entries[i - 1].hash);
  }
  AuditVerifyReport report = *log_->verify();
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.entries, 6);
  EXPECT_FALSE(report.first_bad_seq.has_value());
}

TEST_F(AuditLogTest, EventsWhileSealedAreWrittenInOrderAfterUnseal) {
  ASSERT_TRUE(log_->record({"anonymous", "sys.unseal", "", "invalid_share"}).ok());
  ASSERT_TRUE(log_->record({"anonymous", "sys.unseal", "", "invalid_share"}).ok());
  EXPECT_TRUE(log_->list(0, 10)->empty());
  EXPECT_EQ(log_->verify().status().code(), ErrorCode::kFailedPrecondition);
  unseal();
  ASSERT_TRUE(log_->record({"anonymous", "sys.unseal", "", "ok"}).ok());
  auto entries = *log_->list(0, 10);
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[0].result, "invalid_share");
  EXPECT_EQ(entries[2].result, "ok");
  EXPECT_TRUE(log_->verify()->valid);
}

TEST_F(AuditLogTest, EditingAnyFieldOfAnyRowIsFoundAtThatRow) {
  unseal();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(log_->record({"operator", "sys.test", std::to_string(i), "ok"}).ok());
  }
  for (const char* column : {"time", "actor", "action", "target", "result", "prev_hash", "hash"}) {
    sql(std::string("UPDATE audit_log SET ") + column + " = " + column + " || 'x' WHERE seq = 4");
    AuditVerifyReport report = *log_->verify();
    EXPECT_FALSE(report.valid) << column;
    EXPECT_EQ(report.first_bad_seq, 4) << column;
    sql(std::string("UPDATE audit_log SET ") + column + " = substr(" + column + ", 1, length(" +
        column + ") - 1) WHERE seq = 4");
    EXPECT_TRUE(log_->verify()->valid) << column;
  }
}

TEST_F(AuditLogTest, DeletingOrRecomputingWithoutTheKeyIsFound) {
  unseal();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->record({"operator", "sys.test", std::to_string(i), "ok"}).ok());
  }
  sql("DELETE FROM audit_log WHERE seq = 3");
  EXPECT_EQ(log_->verify()->first_bad_seq, 4);
}

TEST_F(AuditLogTest, SensitiveValuesAreKeyedAndStable) {
  EXPECT_EQ(log_->sensitive("alice@example.com"), "hmac:sealed");
  unseal();
  std::string a = log_->sensitive("alice@example.com");
  EXPECT_EQ(a.rfind("hmac:", 0), 0U);
  EXPECT_EQ(a.size(), 5U + 64U);
  EXPECT_EQ(a, log_->sensitive("alice@example.com"));
  EXPECT_NE(a, log_->sensitive("bob@example.com"));
  EXPECT_EQ(a.find("alice"), std::string::npos);
}

TEST_F(AuditLogTest, QueueIsBounded) {
  for (std::size_t i = 0; i < AuditLog::kMaxQueued + 10; ++i) {
    ASSERT_TRUE(log_->record({"anonymous", "sys.unseal", std::to_string(i), "invalid_share"}).ok());
  }
  unseal();
  ASSERT_TRUE(log_->record({"anonymous", "sys.unseal", "", "ok"}).ok());
  auto entries = *log_->list(0, 2000);
  ASSERT_EQ(entries.size(), AuditLog::kMaxQueued + 1);
  EXPECT_EQ(entries.front().target, "10");  // the oldest were dropped
}

}  // namespace
}  // namespace caas::kms
