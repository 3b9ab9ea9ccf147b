// FileService: server-side encrypted file storage (API.md, "Files (server-side encryption)").
//
// Upload: body bytes → SHA-256 of the plaintext → ContainerWriter under a fresh random DEK →
// BlobWriter, one chunk at a time (memory: a container segment and the blob writer's buffer).
// finish() seals the container, commits the blob durably, and only then writes the row (the
// DEK wrapped under the owner's KEK, kms/file_keys.h) in one transaction, so a row never names
// a blob that is not durable. A failed or cut upload aborts the blob: no row, no blob. A crash
// between blob commit and row leaves an orphan blob, which sweep_orphans() removes at start.
//
// Download: the row's wrapped DEK opens under the holder's KEK (owner, or grantee through the
// grant's own wrap); ContainerReader checks the header and the final segment on open, then
// decrypts only the segments that cover the requested range. A segment that fails
// authentication ends the stream with kDataLoss and an error log line naming the file: the
// caller must not send anything it did not get from read().
//
// Client mode (zero-knowledge, API.md): the body is an age v1 file the client encrypted. The
// upload checks that it starts with a header Header::parse accepts (within kMaxClientHeaderBytes)
// and that the payload length is one an age payload can have, then stores it as it is: no
// container, no DEK. A grant on such a file holds an age header the owner's client made for the
// grantee; the grantee reads that header followed by the stored payload. An overwrite that
// involves client mode (old or new file) drops the file's grants, which hold the old file key.
//
// Namespaces: every call names the caller's user id and reaches only that user's files, or
// files granted to them; anything else is kNotFound, never "forbidden", so ids and paths of
// others cannot be probed.
//
// Errors: kInvalidArgument ("invalid_path: …" for paths, "invalid_age: …" for client-mode bodies
// and grant headers that are not age), kNotFound ("user_not_found" when a
// grant names an unknown email), kAlreadyExists (file exists and no overwrite), kOutOfRange
// (file over max_file_bytes), kUnavailable "sealed", kDataLoss (a damaged blob or row),
// kResourceExhausted (storage full), kIo. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"
#include "meta/accounts.h"
#include "meta/file_store.h"
#include "storage/blob_store.h"

namespace caas::files {

struct FilesConfig {
  std::uint64_t max_file_bytes = std::uint64_t{64} << 30;  // 64 GiB
  std::uint32_t segment_bytes = 64 * 1024;                 // format/container/writer.h
};

// The most bytes a client-mode upload may hold before its age header ends, and the largest age
// header a client-mode grant may carry.
inline constexpr std::size_t kMaxClientHeaderBytes = std::size_t{64} * 1024;
// An opaque value clients attach to a file (X-Caas-Content-Hash): 1..128 of [0-9A-Za-z:_-].
inline constexpr std::size_t kMaxContentHashBytes = 128;

enum class FileMode { kServer, kClient };

struct UploadOptions {
  std::string_view content_type;  // empty: application/octet-stream
  bool overwrite = false;
  FileMode mode = FileMode::kServer;
  std::string_view content_hash;  // empty: none
};

struct FileInfo {
  std::string id;
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;
  std::string content_type;
  std::string created_at;
  std::string mode;
  std::string owner_email;   // files shared with the caller only
  std::string content_hash;  // empty: none given
};

struct GrantInfo {
  std::string email;
  std::string permission;
  std::string created_at;
};

struct FilePage {
  std::vector<FileInfo> files;
  std::optional<std::string> next_cursor;  // the last path of this page, when more may follow
};

// One upload in progress; see the header comment. Used by one thread at a time.
class Upload {
 public:
  Upload() = default;
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  virtual ~Upload() = default;  // aborts unless finished

  // Errors: kOutOfRange past max_file_bytes; the blob store's.
  virtual Status write(ByteSpan plaintext) = 0;
  virtual Result<FileInfo> finish() = 0;
  virtual void abort() = 0;
};

// One download: a verified file open for reading a byte range.
class Download {
 public:
  Download() = default;
  Download(const Download&) = delete;
  Download& operator=(const Download&) = delete;
  virtual ~Download() = default;

  // info().size is the size of what read() gives (for a grantee of a client-mode file: its
  // header plus the payload), and what Range applies to.
  [[nodiscard]] virtual const FileInfo& info() const = 0;
  // An entity tag for what read() gives: the sha256, unless the bytes differ from the stored
  // file's (a grantee's header).
  [[nodiscard]] virtual std::string etag() const { return info().sha256; }
  // Limits read() to plaintext [begin, end). Errors: kOutOfRange unless begin <= end <= size.
  virtual Status select(std::uint64_t begin, std::uint64_t end) = 0;
  // The next bytes of the range; 0 at its end. Errors: kDataLoss (integrity), kIo.
  virtual Result<std::size_t> read(MutableByteSpan out) = 0;
};

class FileService {
 public:
  // Everything passed must outlive the service.
  FileService(meta::FileStore& files, meta::AccountStore& accounts, storage::BlobStore& blobs,
              kms::SealManager& seal, kms::AuditLog& audit, const Clock& clock,
              FilesConfig config = {});

  [[nodiscard]] const FilesConfig& config() const;

  // Checks the path, the seal and (without overwrite) that the path is free, then opens the
  // blob. Answering kAlreadyExists here saves reading a body that would be refused; finish()
  // checks again, atomically.
  // Errors also: kInvalidArgument for a malformed content hash.
  Result<std::unique_ptr<Upload>> begin_upload(std::string_view owner_id, std::string_view path,
                                               const UploadOptions& options);
  // A server-mode upload without content hash.
  Result<std::unique_ptr<Upload>> begin_upload(std::string_view owner_id, std::string_view path,
                                               std::string_view content_type, bool overwrite);

  Result<FileInfo> stat(std::string_view owner_id, std::string_view path);
  Result<std::unique_ptr<Download>> open(std::string_view owner_id, std::string_view path);
  // A file granted to `grantee_id`, by id.
  Result<std::unique_ptr<Download>> open_shared(std::string_view grantee_id,
                                                std::string_view file_id);

  // Files whose path starts with `prefix`, after the path `cursor`, up to `limit` (1–1000).
  Result<FilePage> list(std::string_view owner_id, std::string_view prefix, std::string_view cursor,
                        int limit);
  // Deletes the row with its wrapped keys first, then the blob.
  Status remove(std::string_view owner_id, std::string_view path);

  // `age_header` (the decoded bytes) is required for client-mode files and refused for
  // server-mode ones (kInvalidArgument); it must be one whole age header ("invalid_age: …").
  Result<GrantInfo> grant(std::string_view owner_id, std::string_view path,
                          std::string_view grantee_email, std::string_view permission,
                          const std::optional<std::string>& age_header = std::nullopt);
  Result<std::vector<GrantInfo>> grants(std::string_view owner_id, std::string_view path);
  Status revoke(std::string_view owner_id, std::string_view path, std::string_view grantee_email);
  // Each size is what open_shared() gives (for a client-mode file: the grantee's header plus
  // the payload); sha256 stays that of the stored file.
  Result<std::vector<FileInfo>> shared_with(std::string_view grantee_id, int limit);

  // Removes blobs no row names (uploads a crash cut between blob commit and row). Call at start,
  // before serving. Returns how many were removed.
  Result<std::size_t> sweep_orphans();

  class Impl;  // the upload and download classes share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace caas::files
