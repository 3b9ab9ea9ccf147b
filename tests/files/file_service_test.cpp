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
#include "files/detail/age_body_check.h"
#include "format/age/age.h"
#include "format/age/x25519.h"
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

  // Uploads `data` in client mode, in chunks of `chunk` bytes.
  Result<FileInfo> put_client(const std::string& owner, const std::string& path, ByteSpan data,
                              bool overwrite = false, std::size_t chunk = 7777,
                              std::string_view content_hash = "") {
    UploadOptions options{"application/age", overwrite, FileMode::kClient, content_hash};
    CAAS_ASSIGN_OR_RETURN(std::unique_ptr<Upload> upload,
                          service_->begin_upload(owner, path, options));
    for (std::size_t at = 0; at < data.size(); at += chunk) {
      CAAS_TRY(upload->write(data.subspan(at, std::min(chunk, data.size() - at))));
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

// Client mode: age files made here with our own age implementation, for identities of alice
// and bob that the server never sees.
class ClientModeTest : public FileServiceTest {
 protected:
  ClientModeTest()
      : alice_key_(format::age::X25519Identity::generate()),
        bob_key_(format::age::X25519Identity::generate()) {}

  Bytes age_file(ByteSpan plaintext) {
    format::age::X25519Recipient recipient = alice_key_.recipient();
    const format::age::Recipient* recipients[] = {&recipient};
    return std::move(format::age::encrypt(recipients, plaintext)).value();
  }

  // The header alice's client makes for bob: her header with a stanza for bob, new MAC.
  std::string header_for_bob(ByteSpan file) {
    format::age::ParsedHeader parsed = std::move(format::age::read_header(file)).value();
    const format::age::Identity* mine[] = {&alice_key_};
    format::age::FileKey key = std::move(format::age::unwrap_file_key(parsed.header, mine)).value();
    format::age::X25519Recipient bob = bob_key_.recipient();
    const format::age::Recipient* added[] = {&bob};
    Bytes header =
        std::move(format::age::add_recipients(parsed.header, key, added)).value().serialize();
    return {header.begin(), header.end()};
  }

  Bytes decrypt(const format::age::X25519Identity& identity, ByteSpan file) {
    const format::age::Identity* identities[] = {&identity};
    Result<crypto::SecretBytes> plain = format::age::decrypt(identities, file);
    EXPECT_TRUE(plain.ok()) << plain.status().to_string();
    if (!plain.ok()) {
      return {};
    }
    ByteSpan bytes = plain->expose();
    return {bytes.begin(), bytes.end()};
  }

  format::age::X25519Identity alice_key_;
  format::age::X25519Identity bob_key_;
};

TEST_F(ClientModeTest, StoresTheAgeFileByteForByteAndReadsRanges) {
  Bytes plaintext = crypto::random_bytes(3 * 65536 + 100);
  Bytes file = age_file(plaintext);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{100}, std::size_t{1} << 20}) {
    std::string path = "zk/" + std::to_string(chunk);
    Result<FileInfo> info = put_client(alice_, path, file, false, chunk, "b3:abc");
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->mode, "client");
    EXPECT_EQ(info->size, file.size());
    EXPECT_EQ(info->sha256, hex_encode(crypto::sha256(file)));
    EXPECT_EQ(info->content_hash, "b3:abc");
    EXPECT_EQ(*get(alice_, path), file);
  }
  EXPECT_EQ(decrypt(alice_key_, *get(alice_, "zk/100")), plaintext);
  auto download = std::move(service_->open(alice_, "zk/100")).value();
  EXPECT_EQ(download->etag(), hex_encode(crypto::sha256(file)));
  ASSERT_TRUE(download->select(10, 70'000).ok());
  EXPECT_EQ(*read_all(*download, 4096), Bytes(file.begin() + 10, file.begin() + 70'000));
  EXPECT_EQ(download->select(0, file.size() + 1).code(), ErrorCode::kOutOfRange);
  auto listed = service_->list(alice_, "zk/", "", 10);
  ASSERT_EQ(listed->files.size(), 3U);
  EXPECT_EQ(listed->files[0].mode, "client");
  EXPECT_EQ(listed->files[0].content_hash, "b3:abc");
}

TEST_F(ClientModeTest, AnEmptyPlaintextIsAValidFile) {
  Bytes file = age_file({});
  ASSERT_TRUE(put_client(alice_, "empty.age", file).ok());
  EXPECT_EQ(decrypt(alice_key_, *get(alice_, "empty.age")), Bytes{});
}

TEST_F(ClientModeTest, BodiesThatAreNotAgeAreRefusedAndLeaveNothing) {
  Bytes file = age_file(crypto::random_bytes(65536 + 50));
  const std::size_t header = std::move(format::age::read_header(file)).value().header_bytes;
  Bytes garbage = crypto::random_bytes(5000);
  Bytes armored = as_bytes_copy("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n");
  Bytes no_end = as_bytes_copy("age-encryption.org/v1\n-> X25519 abc\n");
  no_end.resize(kMaxClientHeaderBytes + 10, 'A');
  Bytes bad_header(file);
  bad_header[header - 2] = '!';  // inside the MAC's base64
  std::vector<std::pair<std::string, Bytes>> cases = {
      {"garbage", garbage},
      {"armored", armored},
      {"empty", {}},
      {"header cut", Bytes(file.begin(), file.begin() + static_cast<long>(header) - 1)},
      {"no header end", no_end},
      {"bad header", bad_header},
      {"header only", Bytes(file.begin(), file.begin() + static_cast<long>(header))},
      {"nonce cut", Bytes(file.begin(), file.begin() + static_cast<long>(header) + 10)},
      {"last chunk cut to its tag's middle",
       Bytes(file.begin(), file.begin() + static_cast<long>(header) + 16 + 65552 + 5)},
      {"empty last chunk after a full one",
       Bytes(file.begin(), file.begin() + static_cast<long>(header) + 16 + 65552 + 16)},
  };
  for (const auto& [name, body] : cases) {
    for (std::size_t chunk : {std::size_t{3}, std::size_t{1} << 20}) {
      Result<FileInfo> info = put_client(alice_, "bad", body, false, chunk);
      ASSERT_FALSE(info.ok()) << name;
      EXPECT_EQ(info.status().code(), ErrorCode::kInvalidArgument) << name;
      EXPECT_TRUE(info.status().message().starts_with("invalid_age: ")) << name;
    }
  }
  EXPECT_EQ(service_->stat(alice_, "bad").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(blob_count(), 0U);
  EXPECT_TRUE(fs::is_empty(blob_root() / "tmp"));
}

TEST_F(ClientModeTest, PayloadLengthsFollowTheChunkRule) {
  const std::uint64_t chunk = 65536 + 16;
  EXPECT_FALSE(detail::valid_age_payload_length(0));
  EXPECT_FALSE(detail::valid_age_payload_length(15));
  EXPECT_FALSE(detail::valid_age_payload_length(16));      // a nonce and no chunk
  EXPECT_TRUE(detail::valid_age_payload_length(16 + 16));  // the empty file's one empty chunk
  EXPECT_TRUE(detail::valid_age_payload_length(16 + 17));  // one byte of plaintext
  EXPECT_TRUE(detail::valid_age_payload_length(16 + chunk));
  EXPECT_FALSE(
      detail::valid_age_payload_length(16 + chunk + 16));  // an empty chunk after a full one
  EXPECT_FALSE(detail::valid_age_payload_length(16 + chunk + 5));
  EXPECT_TRUE(detail::valid_age_payload_length(16 + chunk + 17));
  EXPECT_TRUE(detail::valid_age_payload_length(16 + 3 * chunk));
  EXPECT_FALSE(detail::valid_age_payload_length(16 + 1));
}

TEST_F(ClientModeTest, AGranteeReadsItsHeaderWithTheStoredPayload) {
  Bytes plaintext = crypto::random_bytes(200'000);
  Bytes file = age_file(plaintext);
  FileInfo info = *put_client(alice_, "shared.age", file);
  std::string header = header_for_bob(file);
  ASSERT_TRUE(service_->grant(alice_, "shared.age", "bob@x.io", "read", header).ok());

  const std::size_t old_header = std::move(format::age::read_header(file)).value().header_bytes;
  Bytes expected(header.begin(), header.end());
  expected.insert(expected.end(), file.begin() + static_cast<long>(old_header), file.end());
  auto shared = std::move(service_->open_shared(bob_, info.id)).value();
  EXPECT_EQ(shared->info().size, expected.size());
  EXPECT_EQ(shared->info().mode, "client");
  EXPECT_EQ(shared->etag(),
            info.sha256 + "." + hex_encode(crypto::sha256(as_bytes(header))).substr(0, 16));
  Bytes got = *read_all(*shared, 1000);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(decrypt(bob_key_, got), plaintext);
  // Ranges across the seam between the grant's header and the payload.
  for (auto [begin, end] : {std::pair<std::uint64_t, std::uint64_t>{0, 5},
                            {header.size() - 3, header.size() + 40},
                            {header.size(), expected.size()},
                            {100, 150'000}}) {
    auto ranged = std::move(service_->open_shared(bob_, info.id)).value();
    ASSERT_TRUE(ranged->select(begin, end).ok());
    EXPECT_EQ(*read_all(*ranged, 777), Bytes(expected.begin() + static_cast<long>(begin),
                                             expected.begin() + static_cast<long>(end)));
  }
  EXPECT_EQ(service_->open_shared(carol_, info.id).status().code(), ErrorCode::kNotFound);
  auto listed = service_->shared_with(bob_, 10);
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].size, expected.size());
  EXPECT_EQ((*listed)[0].mode, "client");
}

TEST_F(ClientModeTest, GrantHeadersAreCheckedAgainstTheFileMode) {
  Bytes file = age_file(as_bytes_copy("secret"));
  ASSERT_TRUE(put_client(alice_, "c.age", file).ok());
  ASSERT_TRUE(put(alice_, "s.txt", as_bytes_copy("server")).ok());
  std::string header = header_for_bob(file);
  EXPECT_EQ(service_->grant(alice_, "c.age", "bob@x.io", "read").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->grant(alice_, "s.txt", "bob@x.io", "read", header).status().code(),
            ErrorCode::kInvalidArgument);
  for (const std::string& bad : {std::string("not age"), header + "x", header.substr(1),
                                 std::string(kMaxClientHeaderBytes + 1, 'a')}) {
    Result<GrantInfo> refused = service_->grant(alice_, "c.age", "bob@x.io", "read", bad);
    EXPECT_TRUE(refused.status().message().starts_with("invalid_age: "))
        << refused.status().to_string();
  }
  EXPECT_TRUE(service_->grants(alice_, "c.age")->empty());
}

TEST_F(ClientModeTest, AnOverwriteInvolvingClientModeDropsTheGrants) {
  Bytes file = age_file(as_bytes_copy("v1"));
  ASSERT_TRUE(put_client(alice_, "doc", file).ok());
  ASSERT_TRUE(service_->grant(alice_, "doc", "bob@x.io", "read", header_for_bob(file)).ok());
  Bytes next = age_file(as_bytes_copy("v2"));
  FileInfo fresh = *put_client(alice_, "doc", next, true);  // client → client
  EXPECT_TRUE(service_->grants(alice_, "doc")->empty());
  EXPECT_EQ(service_->open_shared(bob_, fresh.id).status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(service_->grant(alice_, "doc", "bob@x.io", "read", header_for_bob(next)).ok());
  ASSERT_TRUE(put(alice_, "doc", as_bytes_copy("plain"), true).ok());  // client → server
  EXPECT_TRUE(service_->grants(alice_, "doc")->empty());
  ASSERT_TRUE(service_->grant(alice_, "doc", "bob@x.io", "read").ok());
  ASSERT_TRUE(put_client(alice_, "doc", next, true).ok());  // server → client
  EXPECT_TRUE(service_->grants(alice_, "doc")->empty());
  EXPECT_EQ(blob_count(), 1U);
  ASSERT_TRUE(service_->remove(alice_, "doc").ok());
  EXPECT_EQ(blob_count(), 0U);
}

TEST_F(ClientModeTest, ContentHashesAreBoundedOpaqueTokens) {
  Bytes file = age_file(as_bytes_copy("x"));
  for (std::string_view bad :
       {std::string_view("has space"), std::string_view("a/b"), std::string_view("é")}) {
    EXPECT_EQ(put_client(alice_, "h", file, false, 7777, bad).status().code(),
              ErrorCode::kInvalidArgument);
  }
  std::string longest(kMaxContentHashBytes, 'z');
  EXPECT_EQ(put_client(alice_, "h", file, false, 7777, longest + "z").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(put_client(alice_, "h", file, false, 7777, longest)->content_hash, longest);
  // Server mode keeps one too.
  UploadOptions options{"", false, FileMode::kServer, "sha256:0a-B_"};
  auto upload = std::move(service_->begin_upload(alice_, "s", options)).value();
  ASSERT_TRUE(upload->write(as_bytes("data")).ok());
  EXPECT_EQ(upload->finish()->content_hash, "sha256:0a-B_");
  EXPECT_EQ(service_->stat(alice_, "s")->content_hash, "sha256:0a-B_");
  EXPECT_EQ(service_->open(alice_, "s").value()->info().mode, "server");
}

TEST_F(ClientModeTest, TheSweepKeepsClientBlobs) {
  ASSERT_TRUE(put_client(alice_, "keep", age_file(as_bytes_copy("k"))).ok());
  EXPECT_EQ(*service_->sweep_orphans(), 0U);
  EXPECT_EQ(blob_count(), 1U);
}

}  // namespace
}  // namespace caas::files
