// What FileService, its uploads and its downloads share (files/file_service.h). Server mode
// (CAAS containers) lives in file_service.cpp, client mode (age files stored as they are) in
// client_mode.cpp. Thread-safe as the service is: the members are thread-safe or read-only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "files/file_service.h"
#include "kms/audit_log.h"
#include "kms/keyring.h"
#include "kms/seal_manager.h"
#include "meta/accounts.h"
#include "meta/file_store.h"
#include "storage/blob_store.h"

namespace caas::files {

// An aggregate: what the service and its uploads and downloads share.
class FileService::Impl {
 public:
  // The keyring, or kms::sealed_error().
  Result<std::shared_ptr<const kms::Keyring>> keyring() const;
  // Audits an action of the owner; a failure is logged, not returned.
  void record(std::string_view owner_id, std::string_view action, std::string_view target,
              std::string_view result);
  // Removes a blob whose row is gone; a failure leaves an orphan for the next start's sweep.
  void drop_blob(std::string_view blob_id);
  // The owner's file at `path`. Errors: invalid_path, kNotFound.
  Result<meta::FileRecord> owned(std::string_view owner_id, std::string_view path);

  // Server mode: opens the container under the holder's wrap of the DEK.
  Result<std::unique_ptr<Download>> open_download(meta::FileRecord record,
                                                  std::string_view holder_id,
                                                  std::string_view wrapped_dek,
                                                  std::string owner_email);

  // Client mode (client_mode.cpp). Takes `record` (id, owner, path, content type, blob id and
  // content hash set) and the blob being written; the upload checks the body is an age file.
  std::unique_ptr<Upload> client_upload(meta::FileRecord record,
                                        std::unique_ptr<storage::BlobWriter> blob, bool overwrite);
  // The stored age file as it is (`grant_header` nullopt: the owner), or for a grantee the
  // grant's header followed by the stored payload. Errors: kDataLoss when the blob does not
  // match the row or the grant holds no header; sealed.
  Result<std::unique_ptr<Download>> open_client_download(const meta::FileRecord& record,
                                                         std::optional<std::string> grant_header,
                                                         std::string owner_email);

  meta::FileStore& files;
  meta::AccountStore& accounts;
  storage::BlobStore& blobs;
  kms::SealManager& seal;
  kms::AuditLog& audit;
  const Clock& clock;
  FilesConfig config;
};

// What the uploads of both modes share: the size limit, the finish/abort life cycle, and the
// durable end (blob commit → row in one transaction → audit). A mode writes its body through
// write() and fills in the row in complete_record().
class BlobUpload : public Upload {
 public:
  BlobUpload(FileService::Impl& service, meta::FileRecord record,
             std::unique_ptr<storage::BlobWriter> blob, bool overwrite);
  ~BlobUpload() override;  // aborts unless finished

  Result<FileInfo> finish() final;
  void abort() final;

 protected:
  // Before taking `more` bytes after `so_far`: kFailedPrecondition once ended, kOutOfRange past
  // max_file_bytes.
  Status admit(std::uint64_t so_far, std::size_t more) const;
  // Completes record_ (size, sha256, mode, key fields) and returns the grants to store with it.
  virtual Result<std::vector<meta::GrantRecord>> complete_record() = 0;

  FileService::Impl& service_;
  meta::FileRecord record_;
  std::unique_ptr<storage::BlobWriter> blob_;
  bool overwrite_;

 private:
  Result<FileInfo> commit();

  bool done_ = false;
};

// The FileInfo of a row.
FileInfo info_of(const meta::FileRecord& record);

// Empty, or 1..kMaxContentHashBytes of [0-9A-Za-z:_-]. Errors: kInvalidArgument.
Status validate_content_hash(std::string_view content_hash);
// One whole age v1 header of at most kMaxClientHeaderBytes. Errors: "invalid_age: …".
Status validate_grant_header(std::string_view header);

}  // namespace caas::files
