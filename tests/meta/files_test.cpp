// The FileStore of SqliteStore: one file per owner and path, grants that go with their file,
// byte-wise listing, and a put that succeeds at most once per path.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "meta/sqlite_store.h"
#include "testing/temp_dir.h"

namespace caas::meta {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store();
    add_user("alice", "alice@x.io");
    add_user("bob", "bob@x.io");
    add_user("carol", "carol@x.io");
  }

  std::unique_ptr<SqliteStore> open_store() {
    auto opened = SqliteStore::open({dir_.file("caas.db"), std::chrono::milliseconds(2000)});
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  FileStore& files() { return store_->files(); }

  void add_user(const std::string& id, const std::string& email) {
    AccountStore& accounts = store_->accounts();
    UserRecord user{id, email, "$argon2id$hash", "2026-12-02T00:00:00Z", "", false, 0};
    ASSERT_TRUE(
        accounts.put_pending_registration({email, "$argon2id$hash", "tag-" + id, 100, 0}).ok());
    ASSERT_TRUE(accounts.create_user_from_pending(user, "tag-" + id).ok());
  }

  static FileRecord file(const std::string& id, const std::string& owner, const std::string& path) {
    return FileRecord{id,
                      owner,
                      path,
                      1234,
                      "ab" + id,
                      "text/plain",
                      "blob-" + id,
                      "v1:dek-" + id,
                      "server",
                      "2026-12-02T00:00:00Z",
                      0,
                      ""};
  }

  static GrantRecord grant(const std::string& file_id, const std::string& grantee,
                           const std::string& dek = "v1:granted") {
    return GrantRecord{file_id, grantee, "", "read", dek, "2026-12-03T00:00:00Z", ""};
  }

  std::vector<std::string> paths(std::string_view prefix, std::string_view after = "",
                                 int limit = 1000) {
    auto listed = files().list_files("alice", prefix, after, limit);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> out;
    for (const FileRecord& f : *listed) {
      out.push_back(f.path);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(FilesTest, PutThenFindByPathAndById) {
  FileRecord f = file("f1", "alice", "docs/a.txt");
  auto put = files().put_file(f, {}, false);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_FALSE(put->has_value());
  EXPECT_EQ(**files().find_file("alice", "docs/a.txt"), f);
  EXPECT_EQ(**files().find_file_by_id("f1"), f);
  EXPECT_FALSE(files().find_file("bob", "docs/a.txt")->has_value());
  EXPECT_FALSE(files().find_file("alice", "docs/A.txt")->has_value());
  EXPECT_FALSE(files().find_file_by_id("nope")->has_value());
}

TEST_F(FilesTest, LargeSizesRoundTrip) {
  FileRecord f = file("f1", "alice", "big");
  f.size = (std::uint64_t{1} << 40) + 7;
  ASSERT_TRUE(files().put_file(f, {}, false).ok());
  EXPECT_EQ((*files().find_file_by_id("f1"))->size, f.size);
}

TEST_F(FilesTest, ExistingPathWithoutOverwriteIsAlreadyExistsAndKeepsTheOldRow) {
  FileRecord old = file("f1", "alice", "a");
  ASSERT_TRUE(files().put_file(old, {grant("f1", "bob")}, false).ok());
  auto put = files().put_file(file("f2", "alice", "a"), {grant("f2", "carol")}, false);
  EXPECT_EQ(put.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(**files().find_file("alice", "a"), old);
  EXPECT_FALSE(files().find_file_by_id("f2")->has_value());
  EXPECT_EQ(files().list_grants("f1")->size(), 1U);
  EXPECT_TRUE(files().list_shared("carol", 100)->empty());
  // Another owner's namespace is separate.
  EXPECT_TRUE(files().put_file(file("f3", "bob", "a"), {}, false).ok());
}

TEST_F(FilesTest, OverwriteReturnsTheOldRowAndDropsItsGrants) {
  FileRecord old = file("f1", "alice", "a");
  ASSERT_TRUE(files().put_file(old, {grant("f1", "bob"), grant("f1", "carol")}, false).ok());
  FileRecord fresh = file("f2", "alice", "a");
  auto put = files().put_file(fresh, {grant("f2", "carol", "v1:new")}, true);
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_TRUE(put->has_value());
  EXPECT_EQ(**put, old);
  EXPECT_EQ(**files().find_file("alice", "a"), fresh);
  EXPECT_FALSE(files().find_file_by_id("f1")->has_value());
  EXPECT_TRUE(files().list_grants("f1")->empty());
  EXPECT_FALSE(files().find_grant("f1", "bob")->has_value());
  auto grants = *files().list_grants("f2");
  ASSERT_EQ(grants.size(), 1U);
  EXPECT_EQ(grants[0].grantee_id, "carol");
  EXPECT_EQ(grants[0].wrapped_dek, "v1:new");
  EXPECT_FALSE(*files().blob_in_use("blob-f1"));
  EXPECT_TRUE(*files().blob_in_use("blob-f2"));
  // Overwriting where there is nothing behaves as a plain put.
  auto first = files().put_file(file("f3", "alice", "b"), {}, true);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
}

TEST_F(FilesTest, AFailedPutWritesNothing) {
  // The second grant names no user: the whole put rolls back, overwrite included.
  FileRecord old = file("f1", "alice", "a");
  ASSERT_TRUE(files().put_file(old, {grant("f1", "bob")}, false).ok());
  auto put = files().put_file(file("f2", "alice", "a"),
                              {grant("f2", "carol"), grant("f2", "ghost")}, true);
  EXPECT_FALSE(put.ok());
  EXPECT_EQ(**files().find_file("alice", "a"), old);
  EXPECT_EQ(files().list_grants("f1")->size(), 1U);
  EXPECT_FALSE(files().find_file_by_id("f2")->has_value());
  EXPECT_TRUE(files().list_shared("carol", 100)->empty());
}

TEST_F(FilesTest, PrefixIsByteWiseWithoutWildcards) {
  const std::vector<std::string> all = {"%a",
                                        "50%/x",
                                        "50x/y",
                                        "a_b",
                                        "aXb",
                                        "a_b/c",
                                        "abc",
                                        "r\xC3\xA9sum\xC3\xA9",  // résumé
                                        "r\xC3\xA9",
                                        "re",
                                        "r\xC3\xA8",  // rè
                                        "\xE6\x97\xA5\xE6\x9C\xAC/1",
                                        "\xE6\x97\xA5\xE6\x9C\xAC/2",  // 日本/
                                        "\xE6\x97\xA5x"};
  int n = 0;
  for (const std::string& path : all) {
    ASSERT_TRUE(files().put_file(file("f" + std::to_string(n++), "alice", path), {}, false).ok());
  }
  EXPECT_EQ(paths("50%"), (std::vector<std::string>{"50%/x"}));
  EXPECT_EQ(paths("%"), (std::vector<std::string>{"%a"}));
  EXPECT_EQ(paths("a_"), (std::vector<std::string>{"a_b", "a_b/c"}));
  EXPECT_EQ(paths("r\xC3\xA9"), (std::vector<std::string>{"r\xC3\xA9", "r\xC3\xA9sum\xC3\xA9"}));
  EXPECT_EQ(paths("\xE6\x97\xA5\xE6\x9C\xAC"),
            (std::vector<std::string>{"\xE6\x97\xA5\xE6\x9C\xAC/1", "\xE6\x97\xA5\xE6\x9C\xAC/2"}));
  // 'x' (0x78) sorts before the first byte of 本 (0xE6).
  EXPECT_EQ(paths("\xE6\x97\xA5"),
            (std::vector<std::string>{"\xE6\x97\xA5x", "\xE6\x97\xA5\xE6\x9C\xAC/1",
                                      "\xE6\x97\xA5\xE6\x9C\xAC/2"}));
  // A prefix ending inside a multibyte character still matches byte-wise.
  EXPECT_EQ(paths("\xE6\x97").size(), 3U);
  EXPECT_TRUE(paths("A").empty());  // case matters
  EXPECT_TRUE(paths("zzz").empty());
  // No prefix lists everything, in byte order: "re" < "r\xC3\xA8" < "r\xC3\xA9" ('e' is 0x65).
  std::vector<std::string> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(paths(""), sorted);
  EXPECT_EQ(paths(std::string_view()), sorted);
  EXPECT_TRUE(files().list_files("bob", "", "", 100)->empty());
}

TEST_F(FilesTest, PagesThroughManyFilesWithAfter) {
  char path[32];
  for (int i = 0; i < 250; ++i) {
    std::snprintf(path, sizeof(path), "dir/%03d", 249 - i);
    ASSERT_TRUE(files().put_file(file("f" + std::to_string(i), "alice", path), {}, false).ok());
  }
  ASSERT_TRUE(files().put_file(file("other", "alice", "zzz"), {}, false).ok());
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  for (;;) {
    std::vector<std::string> page = paths("dir/", after, 100);
    if (page.empty()) {
      break;
    }
    ++pages;
    EXPECT_LE(page.size(), 100U);
    seen.insert(seen.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 250U);
  for (int i = 0; i < 250; ++i) {
    std::snprintf(path, sizeof(path), "dir/%03d", i);
    EXPECT_EQ(seen[static_cast<std::size_t>(i)], path);
  }
  // Limits are clamped to 1..1000.
  EXPECT_EQ(paths("", "", 0).size(), 1U);
  EXPECT_EQ(paths("", "", -5).size(), 1U);
  EXPECT_EQ(paths("", "", 1000000).size(), 251U);
}

TEST_F(FilesTest, RemoveReturnsTheRowAndItsGrantsGo) {
  FileRecord f = file("f1", "alice", "a");
  ASSERT_TRUE(files().put_file(f, {grant("f1", "bob")}, false).ok());
  auto removed = files().remove_file("alice", "a");
  ASSERT_TRUE(removed.ok()) << removed.status();
  ASSERT_TRUE(removed->has_value());
  EXPECT_EQ(**removed, f);
  EXPECT_FALSE(files().find_file("alice", "a")->has_value());
  EXPECT_FALSE(files().find_grant("f1", "bob")->has_value());
  EXPECT_TRUE(files().list_shared("bob", 100)->empty());
  EXPECT_FALSE(*files().blob_in_use("blob-f1"));
  EXPECT_FALSE(files().remove_file("alice", "a")->has_value());
  // The path is free again.
  EXPECT_TRUE(files().put_file(file("f2", "alice", "a"), {}, false).ok());
}

TEST_F(FilesTest, GrantsArePutReplacedListedAndRemoved) {
  ASSERT_TRUE(files().put_file(file("f1", "alice", "a"), {}, false).ok());
  ASSERT_TRUE(files().put_grant(grant("f1", "carol", "v1:c")).ok());
  ASSERT_TRUE(files().put_grant(grant("f1", "bob", "v1:b")).ok());
  GrantRecord replacement = grant("f1", "bob", "v2:b");
  replacement.permission = "write";
  replacement.grantee_email = "ignored@x.io";
  ASSERT_TRUE(files().put_grant(replacement).ok());

  auto grants = *files().list_grants("f1");
  ASSERT_EQ(grants.size(), 2U);
  EXPECT_EQ(grants[0],
            (GrantRecord{"f1", "bob", "bob@x.io", "write", "v2:b", "2026-12-03T00:00:00Z", ""}));
  EXPECT_EQ(grants[1].grantee_email, "carol@x.io");
  EXPECT_EQ(grants[1].wrapped_dek, "v1:c");
  EXPECT_EQ(**files().find_grant("f1", "bob"), grants[0]);
  EXPECT_FALSE(files().find_grant("f1", "alice")->has_value());

  EXPECT_TRUE(*files().remove_grant("f1", "bob"));
  EXPECT_FALSE(*files().remove_grant("f1", "bob"));
  EXPECT_FALSE(files().find_grant("f1", "bob")->has_value());
  EXPECT_EQ(files().list_grants("f1")->size(), 1U);
  EXPECT_TRUE(files().list_grants("nope")->empty());
}

TEST_F(FilesTest, GrantOnAMissingFileOrUserIsNotFound) {
  EXPECT_EQ(files().put_grant(grant("nope", "bob")).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(files().put_file(file("f1", "alice", "a"), {}, false).ok());
  EXPECT_EQ(files().put_grant(grant("f1", "ghost")).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(files().remove_file("alice", "a").ok());
  EXPECT_EQ(files().put_grant(grant("f1", "bob")).code(), ErrorCode::kNotFound);
}

TEST_F(FilesTest, SharedFilesAreOrderedByOwnerEmailThenPath) {
  ASSERT_TRUE(files().put_file(file("c2", "carol", "z"), {grant("c2", "bob")}, false).ok());
  ASSERT_TRUE(files().put_file(file("a2", "alice", "b"), {grant("a2", "bob")}, false).ok());
  ASSERT_TRUE(files().put_file(file("a1", "alice", "a"), {grant("a1", "bob")}, false).ok());
  ASSERT_TRUE(files().put_file(file("c1", "carol", "a"), {grant("c1", "alice")}, false).ok());
  ASSERT_TRUE(files().put_file(file("b1", "bob", "own"), {}, false).ok());

  auto shared = files().list_shared("bob", 100);
  ASSERT_TRUE(shared.ok()) << shared.status();
  ASSERT_EQ(shared->size(), 3U);
  EXPECT_EQ((*shared)[0].file, file("a1", "alice", "a"));
  EXPECT_EQ((*shared)[0].owner_email, "alice@x.io");
  EXPECT_EQ((*shared)[0].grant, (GrantRecord{"a1", "bob", "bob@x.io", "read", "v1:granted",
                                             "2026-12-03T00:00:00Z", ""}));
  EXPECT_EQ((*shared)[1].file.id, "a2");
  EXPECT_EQ((*shared)[2].file.id, "c2");
  EXPECT_EQ((*shared)[2].owner_email, "carol@x.io");
  EXPECT_EQ(files().list_shared("bob", 2)->size(), 2U);
  EXPECT_EQ(files().list_shared("bob", 0)->size(), 1U);
  EXPECT_EQ(files().list_shared("alice", 100)->size(), 1U);
  EXPECT_TRUE(files().list_shared("nobody", 100)->empty());
}

TEST_F(FilesTest, ClientModeFieldsRoundTripEverywhereARowIsRead) {
  FileRecord f = file("z1", "alice", "zk/a.age");
  f.mode = "client";
  f.wrapped_dek = "";
  f.age_header_len = 187;
  f.content_hash = "blake3:abc_DEF-123";
  GrantRecord g = grant("z1", "bob", "");
  g.age_header = "age-encryption.org/v1\n-> X25519 abc\nbody\n--- mac\n";
  ASSERT_TRUE(files().put_file(f, {g}, false).ok());
  EXPECT_EQ(**files().find_file("alice", "zk/a.age"), f);
  EXPECT_EQ(**files().find_file_by_id("z1"), f);
  EXPECT_EQ(files().list_files("alice", "zk/", "", 10)->at(0), f);
  g.grantee_email = "bob@x.io";
  EXPECT_EQ(**files().find_grant("z1", "bob"), g);
  EXPECT_EQ(files().list_grants("z1")->at(0), g);
  auto shared = files().list_shared("bob", 10);
  ASSERT_EQ(shared->size(), 1U);
  EXPECT_EQ((*shared)[0].file, f);
  EXPECT_EQ((*shared)[0].grant, g);
  // Re-granting replaces the header; a server-mode grant stores none.
  g.age_header = "age-encryption.org/v1\n-> X25519 new\nbody\n--- mac\n";
  ASSERT_TRUE(files().put_grant(g).ok());
  EXPECT_EQ((*files().find_grant("z1", "bob"))->age_header, g.age_header);
  g.age_header.clear();
  ASSERT_TRUE(files().put_grant(g).ok());
  EXPECT_EQ((*files().find_grant("z1", "bob"))->age_header, "");
  EXPECT_EQ(**files().remove_file("alice", "zk/a.age"), f);
}

TEST_F(FilesTest, BlobInUseFollowsTheRows) {
  EXPECT_FALSE(*files().blob_in_use("blob-f1"));
  ASSERT_TRUE(files().put_file(file("f1", "alice", "a"), {}, false).ok());
  EXPECT_TRUE(*files().blob_in_use("blob-f1"));
  EXPECT_FALSE(*files().blob_in_use("blob-f2"));
}

TEST_F(FilesTest, ConcurrentPutsOfOnePathSucceedOnce) {
  // Two connections (as two processes would) and eight threads race for one path.
  std::unique_ptr<SqliteStore> second = open_store();
  ASSERT_NE(second, nullptr);
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    FileStore& store = i % 2 == 0 ? store_->files() : second->files();
    threads.emplace_back([&store, &won, &lost, i] {
      auto put = store.put_file(file("f" + std::to_string(i), "alice", "race"), {}, false);
      if (put.ok()) {
        ++won;
      } else if (put.status().code() == ErrorCode::kAlreadyExists) {
        ++lost;
      } else {
        ADD_FAILURE() << put.status();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 7);
  EXPECT_EQ(paths("race").size(), 1U);
}

}  // namespace
}  // namespace caas::meta
