#include "storage/fs_blob_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testing/random.h"
#include "testing/temp_dir.h"

namespace caas::storage {
namespace {

namespace fs = std::filesystem;

// A valid blob id whose shards vary with `rng`.
std::string random_id(std::mt19937& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(kBlobIdChars, '-');
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i != 8 && i != 13 && i != 18 && i != 23) {
      id[i] = kHex[rng() % 16];
    }
  }
  return id;
}

std::unique_ptr<FsBlobStore> open_store(const fs::path& root) {
  auto store = FsBlobStore::open_root(root);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Writes `data` in pieces of 1, 2, 3, ... 4099 bytes, then commits.
Result<BlobInfo> put(BlobStore& store, const std::string& id, ByteSpan data) {
  CAAS_ASSIGN_OR_RETURN(auto writer, store.create(id));
  std::size_t piece = 1;
  for (std::size_t done = 0; done < data.size(); done += piece, piece = piece % 4099 + 1) {
    CAAS_TRY(writer->write(data.subspan(done, std::min(piece, data.size() - done))));
  }
  return writer->commit();
}

Bytes get(BlobStore& store, const std::string& id) {
  auto reader = store.open(id);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) {
    return {};
  }
  Bytes out((*reader)->size());
  auto got = (*reader)->read_at(0, out);
  EXPECT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got.ok() ? *got : 0, out.size());
  return out;
}

std::map<std::string, std::uint64_t> list_all(BlobStore& store) {
  std::map<std::string, std::uint64_t> blobs;
  Status status = store.list([&](std::string_view id, std::uint64_t size) {
    EXPECT_TRUE(blobs.emplace(std::string(id), size).second) << "listed twice: " << id;
    return true;
  });
  EXPECT_TRUE(status.ok()) << status;
  return blobs;
}

std::size_t count_files(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(FsBlobStoreTest, RoundTripsEmptyOneByteAndOneMebibyteWrittenInOddPieces) {
  testing::TempDir dir;
  auto store = open_store(dir.path() / "blobs");
  std::mt19937 rng(1);
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1} << 20}) {
    SCOPED_TRACE(size);
    Bytes data = testing::random_bytes(rng, size);
    std::string id = random_id(rng);
    auto info = put(*store, id, data);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(*info, (BlobInfo{id, size}));
    EXPECT_EQ(get(*store, id), data);
  }
  EXPECT_EQ(count_files(dir.path() / "blobs" / "tmp"), 0U);
}

// Past one buffer the writer switches to O_DIRECT (where the file system has it) and writes the
// unaligned tail through the page cache: every size around those edges must come back intact.
TEST(FsBlobStoreTest, RoundTripsSizesAroundTheDirectWriteBuffer) {
  testing::TempDir dir;
  auto store = open_store(dir.path() / "blobs");
  std::mt19937 rng(2);
  constexpr std::size_t kBuffer = std::size_t{1} << 20;
  for (std::size_t size : {kBuffer - 1, kBuffer, kBuffer + 1, 2 * kBuffer + 4095,
                           3 * kBuffer + 4096, 3 * kBuffer + 65'552}) {
    SCOPED_TRACE(size);
    Bytes data = testing::random_bytes(rng, size);
    std::string id = random_id(rng);
    auto writer = std::move(store->create(id)).value();
    // One large write, then segment-sized ones, as the container writer does.
    std::size_t first = std::min(size, kBuffer + 100);
    ASSERT_TRUE(writer->write(ByteSpan(data).first(first)).ok());
    for (std::size_t done = first; done < size; done += 65'552) {
      ASSERT_TRUE(
          writer->write(ByteSpan(data).subspan(done, std::min<std::size_t>(65'552, size - done)))
              .ok());
    }
    ASSERT_TRUE(writer->commit().ok());
    EXPECT_EQ(get(*store, id), data);
  }
}

TEST(FsBlobStoreTest, ReadAtRandomOffsetsGivesTheSlices) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::mt19937 rng(2);
  Bytes data = testing::random_bytes(rng, 300'001);
  std::string id = random_id(rng);
  ASSERT_TRUE(put(*store, id, data).ok());
  auto reader = store->open(id);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_EQ((*reader)->size(), data.size());
  for (int i = 0; i < 200; ++i) {
    std::size_t offset = rng() % data.size();
    std::size_t length = rng() % (data.size() - offset + 1);
    Bytes out(length);
    auto got = (*reader)->read_at(offset, out);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(*got, length);
    ASSERT_TRUE(std::equal(out.begin(), out.end(), data.begin() + static_cast<long>(offset)));
  }
}

TEST(FsBlobStoreTest, ReadPastTheEndIsShortOrEmptyNotAnError) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string id = "0123abcd-0000-4000-8000-000000000001";
  ASSERT_TRUE(put(*store, id, as_bytes("hello")).ok());
  auto reader = store->open(id);
  ASSERT_TRUE(reader.ok());
  Bytes out(10, 0xee);
  auto got = (*reader)->read_at(3, out);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 2U);
  EXPECT_EQ(as_chars(ByteSpan(out).first(2)), "lo");
  for (std::uint64_t offset : {std::uint64_t{5}, std::uint64_t{6}, ~std::uint64_t{0}}) {
    got = (*reader)->read_at(offset, out);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, 0U);
  }
}

TEST(FsBlobStoreTest, AbortAndDestructionLeaveNoTempFileAndNoBlob) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string aborted = "aaaaaaaa-0000-4000-8000-000000000001";
  std::string dropped = "bbbbbbbb-0000-4000-8000-000000000002";
  {
    auto writer = store->create(aborted);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->write(Bytes(1000, 7)).ok());
    EXPECT_EQ(count_files(dir.path() / "tmp"), 1U);
    (*writer)->abort();
    (*writer)->abort();  // idempotent
    EXPECT_EQ(count_files(dir.path() / "tmp"), 0U);
  }
  {
    auto writer = store->create(dropped);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write(Bytes(std::size_t{300} * 1024, 7)).ok());
  }
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0U);
  EXPECT_EQ(store->open(aborted).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->open(dropped).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(list_all(*store).empty());
}

TEST(FsBlobStoreTest, CommitOfAnExistingIdFailsAndKeepsTheOldBlob) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string id = "cccccccc-0000-4000-8000-000000000003";
  ASSERT_TRUE(put(*store, id, as_bytes("first")).ok());
  auto again = put(*store, id, as_bytes("second, longer"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "commit blob " + id + ": already exists");
  EXPECT_EQ(get(*store, id), to_bytes("first"));
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0U);
}

TEST(FsBlobStoreTest, RejectsIdsThatAreNotLowerCaseUuids) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  for (const char* id :
       {"", "ABCDEF01-0000-4000-8000-000000000000", "abcdef01-0000-4000-8000-00000000000", "../x",
        "ab/cd", "abcdef01-0000-4000-8000-0000000000000", "abcdef01/0000-4000-8000-000000000000",
        "abcdef0100004000800000000000000000000", "tmp"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(store->create(id).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->open(id).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->remove(id).code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0U);
}

TEST(FsBlobStoreTest, RemoveThenOpenIsNotFound) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string id = "dddddddd-0000-4000-8000-000000000004";
  ASSERT_TRUE(put(*store, id, as_bytes("x")).ok());
  ASSERT_TRUE(store->remove(id).ok());
  EXPECT_EQ(store->open(id).status().code(), ErrorCode::kNotFound);
  Status again = store->remove(id);
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
  EXPECT_EQ(again.message().rfind("remove blob " + id + ": ", 0), 0U) << again;
  EXPECT_TRUE(list_all(*store).empty());
}

TEST(FsBlobStoreTest, ListSeesExactlyTheCommittedBlobs) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::mt19937 rng(3);
  std::map<std::string, std::uint64_t> expected;
  for (std::uint64_t i = 0; i < 40; ++i) {
    std::string id = random_id(rng);
    ASSERT_TRUE(put(*store, id, Bytes(i, 1)).ok());
    expected[id] = i;
  }
  auto in_progress = store->create(random_id(rng));  // a temp file, not a blob
  ASSERT_TRUE(in_progress.ok());
  ASSERT_TRUE((*in_progress)->write(Bytes(10, 2)).ok());
  std::ofstream stray(dir.path() / expected.begin()->first.substr(0, 2) / "stray");  // not an id
  stray.close();
  EXPECT_EQ(list_all(*store), expected);

  int visited = 0;
  ASSERT_TRUE(store->list([&](std::string_view, std::uint64_t) { return ++visited < 5; }).ok());
  EXPECT_EQ(visited, 5);
}

TEST(FsBlobStoreTest, ReopeningRemovesLeftoverTempFiles) {
  testing::TempDir dir;
  std::string id = "eeeeeeee-0000-4000-8000-000000000005";
  {
    auto store = open_store(dir.path());
    EXPECT_EQ(store->removed_temp_files(), 0U);
    ASSERT_TRUE(put(*store, id, as_bytes("kept")).ok());
  }
  // What a crash mid-upload leaves behind, plus a file that is not ours.
  std::ofstream(dir.path() / "tmp" / (id + ".0011223344556677.part")) << "partial";
  std::ofstream(dir.path() / "tmp" / "ffffffff-0000-4000-8000-000000000006.aa.part") << "x";
  std::ofstream(dir.path() / "tmp" / "notes.txt") << "not ours";
  auto store = open_store(dir.path());
  EXPECT_EQ(store->removed_temp_files(), 2U);
  EXPECT_EQ(count_files(dir.path() / "tmp"), 1U);
  EXPECT_EQ(get(*store, id), to_bytes("kept"));
  EXPECT_EQ(list_all(*store).size(), 1U);
}

TEST(FsBlobStoreTest, ConcurrentWritersAllCommitIntactBlobs) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  constexpr int kThreads = 16;
  constexpr int kBlobsPerThread = 20;
  std::mutex mutex;
  std::map<std::string, Bytes> written;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(100 + t));
      for (int i = 0; i < kBlobsPerThread; ++i) {
        std::string id = random_id(rng);
        Bytes data = testing::random_bytes(rng, rng() % 20'000);
        auto info = put(*store, id, data);
        EXPECT_TRUE(info.ok()) << info.status();
        std::lock_guard lock(mutex);
        written.emplace(id, std::move(data));
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(written.size(), static_cast<std::size_t>(kThreads) * kBlobsPerThread);
  auto listed = list_all(*store);
  ASSERT_EQ(listed.size(), written.size());
  for (const auto& [id, data] : written) {
    EXPECT_EQ(listed[id], data.size());
    EXPECT_EQ(get(*store, id), data) << id;
  }
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0U);
}

TEST(FsBlobStoreTest, ReadOnlyRootFailsCreateWithIoAndAClearMessage) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root ignores file permissions";
  }
  testing::TempDir dir;
  auto store = open_store(dir.path() / "blobs");
  ASSERT_EQ(::chmod((dir.path() / "blobs" / "tmp").c_str(), 0500), 0);
  std::string id = "abababab-0000-4000-8000-000000000007";
  auto writer = store->create(id);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), ErrorCode::kIo);
  EXPECT_EQ(writer.status().message(), "create blob " + id + ": open temp file: Permission denied");
  ASSERT_EQ(::chmod((dir.path() / "blobs" / "tmp").c_str(), 0700), 0);
  store.reset();

  fs::path read_only = dir.path() / "read-only";
  ASSERT_EQ(::mkdir(read_only.c_str(), 0500), 0);
  auto refused = FsBlobStore::open_root(read_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kIo);
  EXPECT_NE(refused.status().message().find("Permission denied"), std::string::npos)
      << refused.status();
  ::chmod(read_only.c_str(), 0700);
}

TEST(FsBlobStoreTest, FilesAre0600AndFoldersAre0700InShardedLayout) {
  testing::TempDir dir;
  fs::path root = dir.path() / "a" / "b";
  auto store = open_store(root);
  std::string id = "12345678-0000-4000-8000-000000000008";
  auto writer = store->create(id);
  ASSERT_TRUE(writer.ok());
  ASSERT_EQ(count_files(root / "tmp"), 1U);
  EXPECT_EQ(mode_of(fs::directory_iterator(root / "tmp")->path()), 0600U);
  ASSERT_TRUE((*writer)->commit().ok());
  EXPECT_EQ(mode_of(root), 0700U);
  EXPECT_EQ(mode_of(root / "tmp"), 0700U);
  EXPECT_EQ(mode_of(root / "12"), 0700U);
  EXPECT_EQ(mode_of(root / "12" / "34"), 0700U);
  EXPECT_EQ(mode_of(root / "12" / "34" / id), 0600U);
}

TEST(FsBlobStoreTest, RefusesARootThatIsAFile) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  auto store = FsBlobStore::open_root(dir.path() / "file");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.status().message(), "storage root " + dir.file("file") + " is not a folder");
}

TEST(FsBlobStoreTest, RefusesASecondStoreOnTheSameRoot) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  auto second = FsBlobStore::open_root(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition);
  store.reset();
  EXPECT_TRUE(FsBlobStore::open_root(dir.path()).ok());
}

TEST(FsBlobStoreTest, CommitAsyncReportsTheResult) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string id = "fedcba98-0000-4000-8000-000000000009";
  auto writer = store->create(id);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->write(as_bytes("async")).ok());
  std::optional<Result<BlobInfo>> result;
  (*writer)->commit_async([&](Result<BlobInfo> done) { result = std::move(done); });
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ(**result, (BlobInfo{id, 5}));
  EXPECT_EQ(get(*store, id), to_bytes("async"));
}

TEST(FsBlobStoreTest, AnOpenReaderSurvivesRemoval) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  std::string id = "01010101-0000-4000-8000-00000000000a";
  ASSERT_TRUE(put(*store, id, as_bytes("still here")).ok());
  auto reader = store->open(id);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(store->remove(id).ok());
  Bytes out(10);
  auto got = (*reader)->read_at(0, out);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(as_chars(out), "still here");
}

}  // namespace
}  // namespace caas::storage
