// FileService over a real SqliteStore, FsBlobStore and SealManager: round trips through the
// container, ranges, overwrite, grants, namespaces, tampering on disk, limits and the orphan
// sweep. The HTTP side is in tests/integration/test_files.py.
#include "files/file_service.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "meta/sqlite_store.h"
#include "storage/fs_blob_store.h"
#include "testing/temp_dir.h"

namespace caas::files {
namespace {

namespace fs = std::filesystem;

Bytes as_bytes_copy(std::string_view text) {
  ByteSpan bytes = as_bytes(text);
  return {bytes.begin(), bytes.end()};
}

class FixedClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override {
    return TimePoint(std::chrono::seconds(1'700'000'000));
  }
};

class FileServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ =
        std::move(meta::SqliteStore::open({dir_.file("caas.db"), std::chrono::seconds(5)})).value();
    seal_ = std::move(kms::SealManager::load(*store_)).value();
    init_ = std::move(seal_->init(1, 1)).value();
    ASSERT_TRUE(seal_->unseal(init_.shares[0].expose()).ok());
    audit_ = std::make_unique<kms::AuditLog>(*store_, *seal_, clock_);
    alice_ = add_user("alice@x.io");
    bob_ = add_user("bob@x.io");
    carol_ = add_user("carol@x.io");
    blobs_ = std::move(storage::FsBlobStore::open_root(blob_root())).value();
    service_ = make_service({});
  }

  fs::path blob_root() const { return dir_.path() / "blobs"; }

  std::string add_user(const std::string& email) {
    std::string id = crypto::random_uuid();
    EXPECT_TRUE(store_->accounts().put_pending_registration({email, "h", "t", 9, 0}).ok());
    EXPECT_TRUE(store_->accounts()
                    .create_user_from_pending({id, email, "h", "2026", "", false, 0}, "t")
                    .ok());
    return id;
  }

  std::unique_ptr<FileService> make_service(FilesConfig config) {
    return std::make_unique<FileService>(store_->files(), store_->accounts(), *blobs_, *seal_,
                                         *audit_, clock_, config);
  }

  // Uploads `data` in chunks of `chunk` bytes.
  Result<FileInfo> put(const std::string& owner, const std::string& path, const Bytes& data,
                       bool overwrite = false, std::size_t chunk = 7777) {
    CAAS_ASSIGN_OR_RETURN(std::unique_ptr<Upload> upload,
                          service_->begin_upload(owner, path, "text/plain", overwrite));
    for (std::size_t at = 0; at < data.size(); at += chunk) {
      CAAS_TRY(upload->write(ByteSpan(data).subspan(at, std::min(chunk, data.size() - at))));
    }
    return upload->finish();
  }

  static Result<Bytes> read_all(Download& download, std::size_t chunk = 1 << 20) {
    Bytes out;
    Bytes buffer(chunk);
    for (;;) {
      CAAS_ASSIGN_OR_RETURN(std::size_t got, download.read(buffer));
      if (got == 0) {
        return out;
      }
      out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<long>(got));
    }
  }

  Result<Bytes> get(const std::string& owner, const std::string& path) {
    CAAS_ASSIGN_OR_RETURN(std::unique_ptr<Download> download, service_->open(owner, path));
    return read_all(*download);
  }

  std::size_t blob_count() const {
    std::size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(blob_root())) {
      count += static_cast<std::size_t>(entry.is_regular_file());
    }
    return count;
  }

  // The blob of file `file_id` (named by the row's blob_id, not the file id).
  fs::path blob_of(const std::string& file_id) {
    auto record = std::move(store_->files().find_file_by_id(file_id)).value();
    return record ? blob_file(record->blob_id) : fs::path();
  }

  fs::path blob_file(const std::string& id) const {
    for (const auto& entry : fs::recursive_directory_iterator(blob_root())) {
      if (entry.path().filename() == id) {
        return entry.path();
      }
    }
    return {};
  }

  testing::TempDir dir_;
  FixedClock clock_;
  std::unique_ptr<meta::SqliteStore> store_;
  std::unique_ptr<kms::SealManager> seal_;
  kms::InitResult init_;
  std::unique_ptr<kms::AuditLog> audit_;
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<FileService> service_;
  std::string alice_;
  std::string bob_;
  std::string carol_;
};

TEST_F(FileServiceTest, RoundTripsEverySizeAroundSegmentBoundaries) {
  const std::size_t segment = 64 * 1024;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, segment - 1, segment, segment + 1,
                           3 * segment, std::size_t{(1 << 20) + 3}}) {
    Bytes data = crypto::random_bytes(size);
    std::string path = "sizes/" + std::to_string(size);
    Result<FileInfo> info = put(alice_, path, data);
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->size, size);
    EXPECT_EQ(info->sha256, hex_encode(crypto::sha256(data)));
    EXPECT_EQ(info->content_type, "text/plain");
    Result<Bytes> back = get(alice_, path);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, data) << size;
  }
}

TEST_F(FileServiceTest, RangesDecryptToTheRightSlice) {
  Bytes data = crypto::random_bytes(300'000);
  ASSERT_TRUE(put(alice_, "r", data).ok());
  std::mt19937_64 random(7);
  for (int i = 0; i < 50; ++i) {
    std::uint64_t begin = random() % data.size();
    std::uint64_t end = begin + random() % (data.size() - begin + 1);
    auto download = std::move(service_->open(alice_, "r")).value();
    ASSERT_TRUE(download->select(begin, end).ok());
    Bytes slice = *read_all(*download, 1 + random() % 100'000);
    EXPECT_EQ(slice,
              Bytes(data.begin() + static_cast<long>(begin), data.begin() + static_cast<long>(end)))
        << begin << "-" << end;
  }
  auto download = std::move(service_->open(alice_, "r")).value();
  EXPECT_EQ(download->select(5, 4).code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(download->select(0, data.size() + 1).code(), ErrorCode::kOutOfRange);
}

TEST_F(FileServiceTest, AnAbortedOrAbandonedUploadLeavesNothing) {
  {
    auto upload = std::move(service_->begin_upload(alice_, "gone", "", false)).value();
    ASSERT_TRUE(upload->write(crypto::random_bytes(200'000)).ok());
    upload->abort();
  }
  {
    auto upload = std::move(service_->begin_upload(alice_, "gone", "", false)).value();
    ASSERT_TRUE(upload->write(crypto::random_bytes(200'000)).ok());
  }  // destroyed without finish
  EXPECT_EQ(service_->stat(alice_, "gone").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(blob_count(), 0U);
  EXPECT_TRUE(fs::is_empty(blob_root() / "tmp"));
}

TEST_F(FileServiceTest, ExistingPathNeedsOverwriteWhichReplacesTheBlobAndKeepsGrants) {
  ASSERT_TRUE(put(alice_, "doc", as_bytes_copy("v1")).ok());
  EXPECT_EQ(service_->begin_upload(alice_, "doc", "", false).status().code(),
            ErrorCode::kAlreadyExists);
  ASSERT_TRUE(service_->grant(alice_, "doc", "bob@x.io", "read").ok());
  FileInfo old = *service_->stat(alice_, "doc");
  FileInfo fresh = *put(alice_, "doc", as_bytes_copy("v2 longer"), true);
  EXPECT_EQ(fresh.id, old.id) << "shared links survive new versions";
  EXPECT_EQ(*get(alice_, "doc"), as_bytes_copy("v2 longer"));
  EXPECT_EQ(blob_count(), 1U) << "the old blob is removed";
  auto shared = std::move(service_->open_shared(bob_, fresh.id)).value();
  EXPECT_EQ(*read_all(*shared), as_bytes_copy("v2 longer"));
  EXPECT_EQ(shared->info().owner_email, "alice@x.io");
}

TEST_F(FileServiceTest, OfTwoRacingUploadsToOnePathOneWinsAndTheOtherLeavesNoBlob) {
  auto first = std::move(service_->begin_upload(alice_, "race", "", false)).value();
  auto second = std::move(service_->begin_upload(alice_, "race", "", false)).value();
  ASSERT_TRUE(first->write(as_bytes_copy("first")).ok());
  ASSERT_TRUE(second->write(as_bytes_copy("second")).ok());
  ASSERT_TRUE(first->finish().ok());
  EXPECT_EQ(second->finish().status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*get(alice_, "race"), as_bytes_copy("first"));
  EXPECT_EQ(blob_count(), 1U);
}

TEST_F(FileServiceTest, NamespacesAreSeparateAndGrantsOpenExactlyOneFile) {
  FileInfo secret = *put(alice_, "same/path", as_bytes_copy("alice's"));
  EXPECT_EQ(service_->open(bob_, "same/path").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->remove(bob_, "same/path").code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->grant(bob_, "same/path", "carol@x.io", "read").status().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(put(bob_, "same/path", as_bytes_copy("bob's")).ok());
  EXPECT_EQ(*get(alice_, "same/path"), as_bytes_copy("alice's"));
  EXPECT_EQ(service_->list(bob_, "", "", 10)->files.size(), 1U);

  EXPECT_EQ(service_->open_shared(bob_, secret.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->open_shared(bob_, "not-a-uuid").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(service_->grant(alice_, "same/path", "bob@x.io", "read").ok());
  EXPECT_EQ(*read_all(*std::move(service_->open_shared(bob_, secret.id)).value()),
            as_bytes_copy("alice's"));
  EXPECT_EQ(service_->open_shared(carol_, secret.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->shared_with(bob_, 100)->size(), 1U);
  EXPECT_EQ((*service_->grants(alice_, "same/path"))[0].email, "bob@x.io");

  EXPECT_EQ(service_->grant(alice_, "same/path", "nobody@x.io", "read").status().message(),
            "user_not_found");
  EXPECT_EQ(service_->grant(alice_, "same/path", "bob@x.io", "write").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->grant(alice_, "same/path", "alice@x.io", "read").status().code(),
            ErrorCode::kInvalidArgument);

  ASSERT_TRUE(service_->revoke(alice_, "same/path", "bob@x.io").ok());
  EXPECT_EQ(service_->open_shared(bob_, secret.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->revoke(alice_, "same/path", "bob@x.io").code(), ErrorCode::kNotFound);
}

TEST_F(FileServiceTest, DeleteRemovesRowGrantsAndBlob) {
  FileInfo info = *put(alice_, "d", as_bytes_copy("bytes"));
  ASSERT_TRUE(service_->grant(alice_, "d", "bob@x.io", "read").ok());
  ASSERT_TRUE(service_->remove(alice_, "d").ok());
  EXPECT_EQ(service_->stat(alice_, "d").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->open_shared(bob_, info.id).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(service_->shared_with(bob_, 100)->empty());
  EXPECT_EQ(blob_count(), 0U);
  EXPECT_EQ(service_->remove(alice_, "d").code(), ErrorCode::kNotFound);
}

TEST_F(FileServiceTest, AFlippedByteOnDiskStopsTheReadAtItsSegment) {
  Bytes data = crypto::random_bytes(5 * 64 * 1024);
  FileInfo info = *put(alice_, "f", data);
  fs::path blob = blob_of(info.id);
  {
    std::fstream file(blob, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(52 + 2 * (64 * 1024 + 16) + 100);  // inside the third segment
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(-1, std::ios::cur);
    byte = static_cast<char>(byte ^ 0x01);
    file.write(&byte, 1);
  }
  auto download = std::move(service_->open(alice_, "f")).value();  // header and last are fine
  Bytes buffer(64 * 1024);
  EXPECT_EQ(*download->read(buffer), buffer.size());
  EXPECT_EQ(*download->read(buffer), buffer.size());
  EXPECT_EQ(download->read(buffer).status().code(), ErrorCode::kDataLoss);
}

TEST_F(FileServiceTest, SwappedBlobsFailBoth) {
  FileInfo a = *put(alice_, "a", crypto::random_bytes(1000));
  FileInfo b = *put(alice_, "b", crypto::random_bytes(1000));
  fs::path pa = blob_of(a.id);
  fs::path pb = blob_of(b.id);
  fs::rename(pa, dir_.path() / "swap");
  fs::rename(pb, pa);
  fs::rename(dir_.path() / "swap", pb);
  EXPECT_EQ(service_->open(alice_, "a").status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(service_->open(alice_, "b").status().code(), ErrorCode::kDataLoss);
  fs::remove(pa);
  EXPECT_EQ(service_->open(alice_, "a").status().code(), ErrorCode::kDataLoss) << "blob missing";
}

TEST_F(FileServiceTest, SealedRefusesAndLimitsHold) {
  service_ = make_service({.max_file_bytes = 100});
  auto upload = std::move(service_->begin_upload(alice_, "big", "", false)).value();
  ASSERT_TRUE(upload->write(Bytes(100)).ok());
  EXPECT_EQ(upload->write(Bytes(1)).code(), ErrorCode::kOutOfRange);
  upload->abort();
  ASSERT_TRUE(put(alice_, "small", Bytes(10)).ok());
  seal_->seal();
  EXPECT_EQ(service_->begin_upload(alice_, "x", "", false).status().message(), "sealed");
  EXPECT_EQ(service_->open(alice_, "small").status().message(), "sealed");
}

TEST_F(FileServiceTest, ListPagesThroughPathsInOrderWithAPrefix) {
  for (int i = 0; i < 25; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "p/%02d", i);
    ASSERT_TRUE(put(alice_, name, Bytes(1)).ok());
  }
  ASSERT_TRUE(put(alice_, "q/other", Bytes(1)).ok());
  std::vector<std::string> seen;
  std::string cursor;
  for (;;) {
    FilePage page = *service_->list(alice_, "p/", cursor, 10);
    for (const FileInfo& info : page.files) {
      seen.push_back(info.path);
    }
    if (!page.next_cursor) {
      break;
    }
    cursor = *page.next_cursor;
  }
  ASSERT_EQ(seen.size(), 25U);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), "p/00");
}

TEST_F(FileServiceTest, TheSweepRemovesOnlyBlobsNoRowNames) {
  FileInfo kept = *put(alice_, "kept", Bytes(10));
  auto orphan = std::move(blobs_->create(crypto::random_uuid())).value();
  ASSERT_TRUE(orphan->write(Bytes(10)).ok());
  ASSERT_TRUE(orphan->commit().ok());
  EXPECT_EQ(blob_count(), 2U);
  EXPECT_EQ(*service_->sweep_orphans(), 1U);
  EXPECT_EQ(blob_count(), 1U);
  EXPECT_FALSE(blob_of(kept.id).empty());
  EXPECT_EQ(*get(alice_, "kept"), Bytes(10));
}

TEST_F(FileServiceTest, ConcurrentUploadsAndDownloadsOfManyFiles) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Bytes data = crypto::random_bytes(1000 * static_cast<std::size_t>(t * 10 + i));
        std::string path = "c/" + std::to_string(t) + "/" + std::to_string(i);
        if (!put(alice_, path, data).ok() || *get(alice_, path) != data) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(service_->list(alice_, "c/", "", 1000)->files.size(), 80U);
}

}  // namespace
}  // namespace caas::files
