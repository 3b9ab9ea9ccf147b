#include "meta/sqlite_store.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "meta/schema.h"
#include "testing/temp_dir.h"

namespace caas::meta {
namespace {

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto store = SqliteStore::open({path, std::chrono::milliseconds(200)});
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(store).value();
}

AuditEntry next_entry(const AuditEntry* last, const std::string& action) {
  AuditEntry entry;
  entry.seq = last != nullptr ? last->seq + 1 : 1;
  entry.time = "2026-12-02T00:00:00.000Z";
  entry.actor = "tester";
  entry.action = action;
  entry.prev_hash = last != nullptr ? last->hash : "genesis";
  entry.hash = "h" + std::to_string(entry.seq);
  return entry;
}

TEST(SqliteStoreTest, AppliesEveryMigrationOnceAndCreatesFilePrivate) {
  testing::TempDir dir;
  std::string path = dir.file("caas.db");
  {
    auto store = open_store(path);
    ASSERT_EQ(*store->schema_version(), migrations().back().version);
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  auto reopened = open_store(path);  // migrations already applied: nothing to do, no error
  EXPECT_EQ(*reopened->schema_version(), migrations().back().version);
}

// A database written by a caasd that knew migrations 1..4 (files, no zero-knowledge mode).
void create_version_4_database(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto exec = [db](const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "") << " in " << sql;
    sqlite3_free(message);
  };
  exec(
      "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL)");
  for (const Migration& migration : migrations()) {
    if (migration.version <= 4) {
      exec(migration.sql);
      exec("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) +
           ", 'old', 'then')");
    }
  }
  exec(
      "INSERT INTO users (id, email, password_hash, created_at) VALUES "
      "('alice', 'alice@x.io', 'h', 't'), ('bob', 'bob@x.io', 'h', 't')");
  exec(
      "INSERT INTO files VALUES ('f1', 'alice', 'a.txt', 5, 'ab', 'text/plain', 'b1', 'v1:k', "
      "'server', 't')");
  exec("INSERT INTO file_grants VALUES ('f1', 'bob', 'read', 'v1:g', 't')");
  sqlite3_close(db);
}

TEST(SqliteStoreTest, MigratesAVersion4DatabaseKeepingItsFilesAndGrants) {
  testing::TempDir dir;
  std::string path = dir.file("caas.db");
  create_version_4_database(path);
  auto store = open_store(path);
  ASSERT_EQ(*store->schema_version(), 5);
  auto file = store->files().find_file("alice", "a.txt");
  ASSERT_TRUE(file.ok() && file->has_value()) << file.status();
  EXPECT_EQ((*file)->wrapped_dek, "v1:k");
  EXPECT_EQ((*file)->age_header_len, 0U);
  EXPECT_EQ((*file)->content_hash, "");
  auto grant = store->files().find_grant("f1", "bob");
  ASSERT_TRUE(grant.ok() && grant->has_value()) << grant.status();
  EXPECT_EQ((*grant)->wrapped_dek, "v1:g");
  EXPECT_EQ((*grant)->age_header, "");
  EXPECT_FALSE(store->accounts().find_user_key("alice")->has_value());
  ASSERT_TRUE(store->accounts().put_user_key({"alice", "age1k", "ZQ==", "{}", "t"}).ok());
}

TEST(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  testing::TempDir dir;
  std::string path = dir.file("caas.db");
  open_store(path).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (9999, 'future', 'now')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::open({path, std::chrono::milliseconds(200)});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(SqliteStoreTest, SettingsAreInsertedAllOrNothing) {
  testing::TempDir dir;
  auto store = open_store(dir.file("caas.db"));
  EXPECT_FALSE(store->get_setting("a")->has_value());
  ASSERT_TRUE(store->insert_settings({{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(**store->get_setting("a"), "1");
  // "c" is new but "b" exists: nothing of the batch is written.
  Status again = store->insert_settings({{"c", "3"}, {"b", "9"}});
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(store->get_setting("c")->has_value());
  EXPECT_EQ(**store->get_setting("b"), "2");
}

TEST(SqliteStoreTest, AuditAppendsChainAndPagesInOrder) {
  testing::TempDir dir;
  auto store = open_store(dir.file("caas.db"));
  for (int i = 0; i < 25; ++i) {
    auto written = store->append_audit(
        [&](const AuditEntry* last) { return next_entry(last, "a" + std::to_string(i)); });
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_EQ(written->seq, i + 1);
  }
  auto first = store->list_audit(0, 10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 10U);
  EXPECT_EQ(first->front().seq, 1);
  EXPECT_EQ(first->front().prev_hash, "genesis");
  auto rest = store->list_audit(20, 100);
  ASSERT_EQ(rest->size(), 5U);
  EXPECT_EQ(rest->back().seq, 25);
  EXPECT_EQ(rest->back().prev_hash, "h24");
}

TEST(SqliteStoreTest, ConcurrentAppendsFromManyThreadsLeaveNoGapsOrForks) {
  testing::TempDir dir;
  auto store = open_store(dir.file("caas.db"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(
            store->append_audit([](const AuditEntry* last) { return next_entry(last, "x"); }).ok());
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto all = store->list_audit(0, 1000);
  ASSERT_EQ(all->size(), 200U);
  for (std::size_t i = 1; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].seq, (*all)[i - 1].seq + 1);
    EXPECT_EQ((*all)[i].prev_hash, (*all)[i - 1].hash);
  }
}

TEST(SqliteStoreTest, TwoStoresOnOneFileShareTheChain) {
  // Two processes (here two connections) appending to one database: BEGIN IMMEDIATE makes
  // each append see the other's last entry.
  testing::TempDir dir;
  auto a = open_store(dir.file("caas.db"));
  auto b = open_store(dir.file("caas.db"));
  for (int i = 0; i < 10; ++i) {
    MetadataStore& store = i % 2 == 0 ? static_cast<MetadataStore&>(*a) : *b;
    ASSERT_TRUE(
        store.append_audit([](const AuditEntry* last) { return next_entry(last, "y"); }).ok());
  }
  EXPECT_EQ(a->list_audit(0, 100)->size(), 10U);
  EXPECT_EQ(b->list_audit(9, 100)->front().prev_hash, "h9");
}

TEST(SqliteStoreTest, ABusyDatabaseAnswersUnavailableAfterTheBoundedWait) {
  testing::TempDir dir;
  std::string path = dir.file("caas.db");
  auto store = open_store(path);
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status status = store->insert_settings({{"k", "v"}});
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << status;
  sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(locker);
  EXPECT_TRUE(store->insert_settings({{"k", "v"}}).ok());  // and it recovers
}

TEST(SqliteStoreTest, UnwritablePathIsAnIoError) {
  auto store = SqliteStore::open({"/proc/caas-no-such-dir/caas.db", std::chrono::milliseconds(10)});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace caas::meta
