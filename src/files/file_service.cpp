#include "files/file_service.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/hex.h"
#include "base/time_format.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "files/detail/service_impl.h"
#include "files/file_path.h"
#include "format/container/reader.h"
#include "format/container/writer.h"
#include "kms/file_keys.h"

namespace caas::files {

FileInfo info_of(const meta::FileRecord& record) {
  FileInfo info;
  info.id = record.id;
  info.path = record.path;
  info.size = record.size;
  info.sha256 = record.sha256;
  info.content_type = record.content_type;
  info.created_at = record.created_at;
  info.mode = record.mode;
  info.content_hash = record.content_hash;
  return info;
}

namespace {

constexpr int kMaxListLimit = 1000;

Status no_such_file() { return error(ErrorCode::kNotFound, "no such file"); }

// The container binding: the file's and the owner's UUIDs in binary (format/container/binding.h).
Result<format::Binding> binding_of(std::string_view file_id, std::string_view owner_id) {
  auto uuid_bytes = [](std::string_view uuid, std::array<std::uint8_t, 16>& out) -> Status {
    std::string digits;
    for (char c : uuid) {
      if (c != '-') {
        digits += c;
      }
    }
    Result<Bytes> raw = hex_decode(digits);
    if (!raw.ok() || raw->size() != out.size()) {
      return error(ErrorCode::kDataLoss, "a stored id is not a UUID");
    }
    std::copy(raw->begin(), raw->end(), out.begin());
    return ok_status();
  };
  format::Binding binding;
  CAAS_TRY(uuid_bytes(file_id, binding.file_id));
  CAAS_TRY(uuid_bytes(owner_id, binding.owner_id));
  return binding;
}

// The container reader's view of a blob. The reader asks for one segment at a time; this
// reads ahead in windows of kWindowBytes, so a download costs one read call per window instead
// of one per 64 KiB segment, and the disk sees large sequential requests.
class BlobSource final : public format::RandomAccessSource {
 public:
  static constexpr std::size_t kWindowBytes = std::size_t{1} << 20;

  explicit BlobSource(std::unique_ptr<storage::BlobReader> reader) : reader_(std::move(reader)) {}
  [[nodiscard]] std::uint64_t size() const override { return reader_->size(); }

  Status read_at(std::uint64_t offset, MutableByteSpan out) override {
    if (out.size() >= kWindowBytes) {
      return read_exact(offset, out);
    }
    if (offset < window_begin_ || offset + out.size() > window_begin_ + window_.size()) {
      const std::uint64_t available = reader_->size() > offset ? reader_->size() - offset : 0;
      window_.resize(static_cast<std::size_t>(
          std::max<std::uint64_t>(out.size(), std::min<std::uint64_t>(kWindowBytes, available))));
      window_begin_ = offset;
      if (Status status = read_exact(offset, window_); !status.ok()) {
        window_.clear();
        return status;
      }
    }
    const auto skip = static_cast<std::size_t>(offset - window_begin_);
    std::copy_n(window_.begin() + static_cast<long>(skip), out.size(), out.begin());
    return ok_status();
  }

 private:
  Status read_exact(std::uint64_t offset, MutableByteSpan out) {
    while (!out.empty()) {
      CAAS_ASSIGN_OR_RETURN(std::size_t got, reader_->read_at(offset, out));
      if (got == 0) {
        return error(ErrorCode::kDataLoss, "blob shorter than its container");
      }
      offset += got;
      out = out.subspan(got);
    }
    return ok_status();
  }

  std::unique_ptr<storage::BlobReader> reader_;
  Bytes window_;  // ciphertext only: nothing here needs wiping
  std::uint64_t window_begin_ = 0;
};

}  // namespace

Result<std::shared_ptr<const kms::Keyring>> FileService::Impl::keyring() const {
  std::shared_ptr<const kms::Keyring> keyring = seal.keyring();
  if (!keyring) {
    return kms::sealed_error();
  }
  return keyring;
}

void FileService::Impl::record(std::string_view owner_id, std::string_view action,
                               std::string_view target, std::string_view result) {
  Status status = audit.record({"user:" + std::string(owner_id), std::string(action),
                                audit.sensitive(target), std::string(result)});
  if (!status.ok()) {
    spdlog::error("audit of {} failed: {}", action, status.to_string());
  }
}

void FileService::Impl::drop_blob(std::string_view blob_id) {
  Status removed = blobs.remove(blob_id);
  if (!removed.ok() && removed.code() != ErrorCode::kNotFound) {
    spdlog::warn("blob {} left for the orphan sweep: {}", blob_id, removed.to_string());
  }
}

Result<meta::FileRecord> FileService::Impl::owned(std::string_view owner_id,
                                                  std::string_view path) {
  CAAS_TRY(validate_file_path(path));
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::FileRecord> record, files.find_file(owner_id, path));
  if (!record) {
    return no_such_file();
  }
  return std::move(*record);
}

BlobUpload::BlobUpload(FileService::Impl& service, meta::FileRecord record,
                       std::unique_ptr<storage::BlobWriter> blob, bool overwrite)
    : service_(service),
      record_(std::move(record)),
      blob_(std::move(blob)),
      overwrite_(overwrite) {}

BlobUpload::~BlobUpload() { abort(); }

Status BlobUpload::admit(std::uint64_t so_far, std::size_t more) const {
  if (done_) {
    return error(ErrorCode::kFailedPrecondition, "upload already ended");
  }
  if (more > service_.config.max_file_bytes - so_far) {
    return error(
        ErrorCode::kOutOfRange,
        "file over the limit of " + std::to_string(service_.config.max_file_bytes) + " bytes");
  }
  return ok_status();
}

Result<FileInfo> BlobUpload::finish() {
  if (done_) {
    return error(ErrorCode::kFailedPrecondition, "upload already ended");
  }
  done_ = true;
  Result<FileInfo> info = commit();
  if (!info.ok()) {
    blob_->abort();
  }
  return info;
}

void BlobUpload::abort() {
  if (!done_) {
    done_ = true;
    blob_->abort();
  }
}

// The blob is durable before the row names it; the row and its grants go in one transaction.
Result<FileInfo> BlobUpload::commit() {
  CAAS_ASSIGN_OR_RETURN(std::vector<meta::GrantRecord> grants, complete_record());
  CAAS_TRY(blob_->commit().status());
  record_.created_at = format_rfc3339(service_.clock.now());
  Result<std::optional<meta::FileRecord>> replaced =
      service_.files.put_file(record_, grants, overwrite_);
  if (!replaced.ok()) {
    service_.drop_blob(record_.blob_id);  // committed, but no row will ever name it
    return replaced.status();
  }
  if (*replaced) {
    service_.drop_blob((*replaced)->blob_id);
  }
  service_.record(record_.owner_id, *replaced ? "file.overwrite" : "file.upload", record_.path,
                  "ok");
  return info_of(record_);
}

namespace {

class ServerUpload final : public BlobUpload {
 public:
  ServerUpload(FileService::Impl& service, meta::FileRecord record, kms::Dek dek,
               std::unique_ptr<storage::BlobWriter> blob, bool overwrite)
      : BlobUpload(service, std::move(record), std::move(blob), overwrite), dek_(std::move(dek)) {}

  Status start(const format::Binding& binding) {
    storage::BlobWriter* blob = blob_.get();
    CAAS_ASSIGN_OR_RETURN(format::ContainerWriter writer,
                          format::ContainerWriter::create(
                              dek_, binding, [blob](ByteSpan bytes) { return blob->write(bytes); },
                              {service_.config.segment_bytes}));
    writer_.emplace(std::move(writer));
    return ok_status();
  }

  Status write(ByteSpan plaintext) override {
    CAAS_TRY(admit(writer_->plaintext_bytes(), plaintext.size()));
    hash_.update(plaintext);
    return writer_->write(plaintext);
  }

 private:
  Result<std::vector<meta::GrantRecord>> complete_record() override {
    CAAS_TRY(writer_->finish());
    record_.size = writer_->plaintext_bytes();
    record_.sha256 = hex_encode(hash_.finish());
    CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const kms::Keyring> keyring, service_.keyring());
    CAAS_ASSIGN_OR_RETURN(
        record_.wrapped_dek,
        kms::wrap_dek(*keyring, dek_, {record_.id, record_.owner_id, record_.owner_id}));
    if (!overwrite_) {
      return std::vector<meta::GrantRecord>();
    }
    return rewrapped_grants(*keyring);
  }

  // An overwrite keeps the path's grants: the new DEK wrapped for each grantee of the old file.
  // Not those of a client-mode file: they hold age headers, which the server cannot turn into
  // wraps of a DEK (the put drops them with the old row).
  Result<std::vector<meta::GrantRecord>> rewrapped_grants(const kms::Keyring& keyring) {
    std::vector<meta::GrantRecord> grants;
    CAAS_ASSIGN_OR_RETURN(std::optional<meta::FileRecord> old,
                          service_.files.find_file(record_.owner_id, record_.path));
    if (!old || old->mode == "client") {
      return grants;
    }
    CAAS_ASSIGN_OR_RETURN(grants, service_.files.list_grants(old->id));
    for (meta::GrantRecord& grant : grants) {
      grant.file_id = record_.id;
      CAAS_ASSIGN_OR_RETURN(
          grant.wrapped_dek,
          kms::wrap_dek(keyring, dek_, {record_.id, record_.owner_id, grant.grantee_id}));
    }
    return grants;
  }

  kms::Dek dek_;
  std::optional<format::ContainerWriter> writer_;
  crypto::Sha256 hash_;
};

class ServerDownload final : public Download {
 public:
  ServerDownload(FileInfo info, std::unique_ptr<BlobSource> source, format::ContainerReader reader)
      : info_(std::move(info)),
        source_(std::move(source)),
        reader_(std::move(reader)),
        end_(info_.size) {}

  [[nodiscard]] const FileInfo& info() const override { return info_; }

  Status select(std::uint64_t begin, std::uint64_t end) override {
    if (begin > end || end > info_.size) {
      return error(ErrorCode::kOutOfRange, "range outside the file");
    }
    position_ = begin;
    end_ = end;
    return ok_status();
  }

  Result<std::size_t> read(MutableByteSpan out) override {
    const std::uint64_t stop = std::min<std::uint64_t>(end_, position_ + out.size());
    std::size_t filled = 0;
    Status status = reader_.read(position_, stop, [&](ByteSpan plaintext) {
      std::copy(plaintext.begin(), plaintext.end(), out.begin() + static_cast<long>(filled));
      filled += plaintext.size();
      return ok_status();
    });
    if (!status.ok()) {
      // Verified bytes before the bad segment were copied, but none is handed out: the caller
      // ends the response here.
      spdlog::error("integrity: file {} failed authentication at plaintext offset {}: {}", info_.id,
                    position_, status.to_string());
      return error(ErrorCode::kDataLoss, "file " + info_.id + " is damaged");
    }
    position_ = stop;
    return filled;
  }

 private:
  FileInfo info_;
  std::unique_ptr<BlobSource> source_;  // the reader borrows it
  format::ContainerReader reader_;
  std::uint64_t position_ = 0;
  std::uint64_t end_;
};

}  // namespace

Result<std::unique_ptr<Download>> FileService::Impl::open_download(meta::FileRecord record,
                                                                   std::string_view holder_id,
                                                                   std::string_view wrapped_dek,
                                                                   std::string owner_email) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const kms::Keyring> ring, keyring());
  auto damaged = [&record](std::string_view why) {
    spdlog::error("integrity: file {} cannot be opened: {}", record.id, why);
    return error(ErrorCode::kDataLoss, "file " + record.id + " is damaged");
  };
  Result<kms::Dek> dek =
      kms::unwrap_dek(*ring, wrapped_dek, {record.id, record.owner_id, holder_id});
  if (!dek.ok()) {
    return damaged("its wrapped key does not open");
  }
  CAAS_ASSIGN_OR_RETURN(format::Binding binding, binding_of(record.id, record.owner_id));
  Result<std::unique_ptr<storage::BlobReader>> blob = blobs.open(record.blob_id);
  if (!blob.ok()) {
    return blob.status().code() == ErrorCode::kNotFound ? damaged("its blob is missing")
                                                        : blob.status();
  }
  auto source = std::make_unique<BlobSource>(std::move(*blob));
  Result<format::ContainerReader> reader = format::ContainerReader::open(*source, *dek, binding);
  if (!reader.ok()) {
    return reader.status().code() == ErrorCode::kDecryptionFailed
               ? damaged("its container fails authentication")
               : reader.status();
  }
  if (reader->plaintext_bytes() != record.size) {
    return damaged("its size differs from the recorded size");
  }
  FileInfo info = info_of(record);
  info.owner_email = std::move(owner_email);
  return std::unique_ptr<Download>(
      std::make_unique<ServerDownload>(std::move(info), std::move(source), std::move(*reader)));
}

FileService::FileService(meta::FileStore& files, meta::AccountStore& accounts,
                         storage::BlobStore& blobs, kms::SealManager& seal, kms::AuditLog& audit,
                         const Clock& clock, FilesConfig config)
    : impl_(std::shared_ptr<Impl>(new Impl{files, accounts, blobs, seal, audit, clock, config})) {}

const FilesConfig& FileService::config() const { return impl_->config; }

Result<std::unique_ptr<Upload>> FileService::begin_upload(std::string_view owner_id,
                                                          std::string_view path,
                                                          std::string_view content_type,
                                                          bool overwrite) {
  UploadOptions options;
  options.content_type = content_type;
  options.overwrite = overwrite;
  return begin_upload(owner_id, path, options);
}

Result<std::unique_ptr<Upload>> FileService::begin_upload(std::string_view owner_id,
                                                          std::string_view path,
                                                          const UploadOptions& options) {
  CAAS_TRY(validate_file_path(path));
  CAAS_TRY(validate_content_hash(options.content_hash));
  // Client mode needs no key, but the file routes answer alike sealed or not whatever the mode
  // (and the audit entry hides the path under a keyed hash).
  CAAS_TRY(impl_->keyring().status());
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::FileRecord> existing,
                        impl_->files.find_file(owner_id, path));
  if (existing && !options.overwrite) {
    return error(ErrorCode::kAlreadyExists, "a file exists at this path");
  }
  meta::FileRecord record;
  // An overwrite keeps the file's id, so links to /v1/shared/{id} survive new versions; the
  // blob is always new (blobs are immutable), and so is the DEK.
  record.id = existing ? existing->id : crypto::random_uuid();
  record.owner_id = std::string(owner_id);
  record.path = std::string(path);
  record.content_type =
      options.content_type.empty() ? "application/octet-stream" : options.content_type;
  record.blob_id = crypto::random_uuid();
  record.content_hash = std::string(options.content_hash);
  if (options.mode == FileMode::kClient) {
    CAAS_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobWriter> blob,
                          impl_->blobs.create(record.blob_id));
    return impl_->client_upload(std::move(record), std::move(blob), options.overwrite);
  }
  CAAS_ASSIGN_OR_RETURN(format::Binding binding, binding_of(record.id, record.owner_id));
  CAAS_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobWriter> blob,
                        impl_->blobs.create(record.blob_id));
  auto upload = std::make_unique<ServerUpload>(*impl_, std::move(record), kms::new_dek(),
                                               std::move(blob), options.overwrite);
  CAAS_TRY(upload->start(binding));
  return std::unique_ptr<Upload>(std::move(upload));
}

Result<FileInfo> FileService::stat(std::string_view owner_id, std::string_view path) {
  CAAS_ASSIGN_OR_RETURN(meta::FileRecord record, impl_->owned(owner_id, path));
  return info_of(record);
}

Result<std::unique_ptr<Download>> FileService::open(std::string_view owner_id,
                                                    std::string_view path) {
  CAAS_ASSIGN_OR_RETURN(meta::FileRecord record, impl_->owned(owner_id, path));
  if (record.mode == "client") {
    return impl_->open_client_download(record, std::nullopt, {});
  }
  std::string wrapped = record.wrapped_dek;
  return impl_->open_download(std::move(record), owner_id, wrapped, {});
}

Result<std::unique_ptr<Download>> FileService::open_shared(std::string_view grantee_id,
                                                           std::string_view file_id) {
  if (storage::validate_blob_id(file_id).ok()) {  // a UUID: anything else cannot exist
    CAAS_ASSIGN_OR_RETURN(std::optional<meta::GrantRecord> grant,
                          impl_->files.find_grant(file_id, grantee_id));
    CAAS_ASSIGN_OR_RETURN(std::optional<meta::FileRecord> record,
                          impl_->files.find_file_by_id(file_id));
    if (grant && record) {
      CAAS_ASSIGN_OR_RETURN(std::optional<meta::UserRecord> owner,
                            impl_->accounts.find_user(record->owner_id));
      if (record->mode == "client") {
        return impl_->open_client_download(*record, std::move(grant->age_header),
                                           owner ? owner->email : "");
      }
      return impl_->open_download(std::move(*record), grantee_id, grant->wrapped_dek,
                                  owner ? owner->email : "");
    }
  }
  return no_such_file();
}

Result<FilePage> FileService::list(std::string_view owner_id, std::string_view prefix,
                                   std::string_view cursor, int limit) {
  CAAS_TRY(validate_path_prefix(prefix));
  limit = std::clamp(limit, 1, kMaxListLimit);
  CAAS_ASSIGN_OR_RETURN(std::vector<meta::FileRecord> records,
                        impl_->files.list_files(owner_id, prefix, cursor, limit));
  FilePage page;
  for (const meta::FileRecord& record : records) {
    page.files.push_back(info_of(record));
  }
  if (static_cast<int>(records.size()) == limit) {
    page.next_cursor = records.back().path;
  }
  return page;
}

Status FileService::remove(std::string_view owner_id, std::string_view path) {
  CAAS_TRY(validate_file_path(path));
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::FileRecord> removed,
                        impl_->files.remove_file(owner_id, path));
  if (!removed) {
    return no_such_file();
  }
  impl_->drop_blob(removed->blob_id);
  impl_->record(owner_id, "file.delete", path, "ok");
  return ok_status();
}

Result<GrantInfo> FileService::grant(std::string_view owner_id, std::string_view path,
                                     std::string_view grantee_email, std::string_view permission,
                                     const std::optional<std::string>& age_header) {
  if (permission != "read") {
    return invalid_argument("permission: only \"read\" is supported");
  }
  CAAS_ASSIGN_OR_RETURN(meta::FileRecord record, impl_->owned(owner_id, path));
  const bool client_mode = record.mode == "client";
  if (client_mode && !age_header) {
    return invalid_argument("header: required for client-mode files");
  }
  if (!client_mode && age_header) {
    return invalid_argument("header: only for client-mode files");
  }
  if (client_mode) {
    CAAS_TRY(validate_grant_header(*age_header));
  }
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::UserRecord> grantee,
                        impl_->accounts.find_user_by_email(grantee_email));
  if (!grantee) {
    return error(ErrorCode::kNotFound, "user_not_found");
  }
  if (grantee->id == owner_id) {
    return invalid_argument("a file cannot be granted to its owner");
  }
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const kms::Keyring> keyring, impl_->keyring());
  meta::GrantRecord grant;
  grant.file_id = record.id;
  grant.grantee_id = grantee->id;
  grant.permission = "read";
  grant.created_at = format_rfc3339(impl_->clock.now());
  if (client_mode) {
    // The owner's client wrapped the file key for the grantee; the server only keeps the header.
    grant.age_header = *age_header;
  } else {
    CAAS_ASSIGN_OR_RETURN(kms::Dek dek,
                          kms::unwrap_dek(*keyring, record.wrapped_dek,
                                          {record.id, record.owner_id, record.owner_id}));
    CAAS_ASSIGN_OR_RETURN(grant.wrapped_dek,
                          kms::wrap_dek(*keyring, dek, {record.id, record.owner_id, grantee->id}));
  }
  Status stored = impl_->files.put_grant(grant);
  if (stored.code() == ErrorCode::kNotFound) {
    return no_such_file();  // deleted meanwhile
  }
  CAAS_TRY(stored);
  impl_->record(owner_id, "file.grant", path, "ok");
  return GrantInfo{grantee->email, grant.permission, grant.created_at};
}

Result<std::vector<GrantInfo>> FileService::grants(std::string_view owner_id,
                                                   std::string_view path) {
  CAAS_ASSIGN_OR_RETURN(meta::FileRecord record, impl_->owned(owner_id, path));
  CAAS_ASSIGN_OR_RETURN(std::vector<meta::GrantRecord> records,
                        impl_->files.list_grants(record.id));
  std::vector<GrantInfo> grants;
  for (const meta::GrantRecord& grant : records) {
    grants.push_back({grant.grantee_email, grant.permission, grant.created_at});
  }
  return grants;
}

Status FileService::revoke(std::string_view owner_id, std::string_view path,
                           std::string_view grantee_email) {
  CAAS_ASSIGN_OR_RETURN(meta::FileRecord record, impl_->owned(owner_id, path));
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::UserRecord> grantee,
                        impl_->accounts.find_user_by_email(grantee_email));
  if (!grantee) {
    return error(ErrorCode::kNotFound, "user_not_found");
  }
  CAAS_ASSIGN_OR_RETURN(bool removed, impl_->files.remove_grant(record.id, grantee->id));
  if (!removed) {
    return error(ErrorCode::kNotFound, "no such grant");
  }
  impl_->record(owner_id, "file.revoke", path, "ok");
  return ok_status();
}

Result<std::vector<FileInfo>> FileService::shared_with(std::string_view grantee_id, int limit) {
  CAAS_ASSIGN_OR_RETURN(std::vector<meta::SharedFile> shared,
                        impl_->files.list_shared(grantee_id, std::clamp(limit, 1, kMaxListLimit)));
  std::vector<FileInfo> files;
  for (const meta::SharedFile& item : shared) {
    FileInfo info = info_of(item.file);
    info.owner_email = item.owner_email;
    if (item.file.mode == "client" && item.file.age_header_len <= item.file.size) {
      // What the grantee downloads: its own header, then the payload (open_client_download).
      info.size = item.grant.age_header.size() + item.file.size - item.file.age_header_len;
    }
    files.push_back(std::move(info));
  }
  return files;
}

Result<std::size_t> FileService::sweep_orphans() {
  std::vector<std::string> orphans;
  Status lookup = ok_status();
  CAAS_TRY(impl_->blobs.list([&](std::string_view id, std::uint64_t /*size*/) {
    Result<bool> used = impl_->files.blob_in_use(id);
    if (!used.ok()) {
      lookup = used.status();
      return false;
    }
    if (!*used) {
      orphans.emplace_back(id);
    }
    return true;
  }));
  CAAS_TRY(lookup);
  for (const std::string& id : orphans) {
    CAAS_TRY(impl_->blobs.remove(id));
  }
  return orphans.size();
}

}  // namespace caas::files
