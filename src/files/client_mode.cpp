// Client mode (zero-knowledge): age v1 files stored as the client made them. The server holds no
// key for them, so all it can check is structure (detail/age_body_check.h).
#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/hex.h"
#include "base/time_format.h"
#include "crypto/hash.h"
#include "files/detail/age_body_check.h"
#include "files/detail/service_impl.h"
#include "format/age/header.h"

namespace caas::files {
namespace {

Status invalid_age(std::string_view why) {
  return invalid_argument("invalid_age: " + std::string(why));
}

Status damaged(const meta::FileRecord& record, std::string_view why) {
  spdlog::error("integrity: file {} cannot be opened: {}", record.id, why);
  return error(ErrorCode::kDataLoss, "file " + record.id + " is damaged");
}

// See the file comment. The check holds the body back until its header ends (at most
// kMaxClientHeaderBytes); everything then streams to the blob.
class ClientUpload final : public BlobUpload {
 public:
  using BlobUpload::BlobUpload;

  Status write(ByteSpan bytes) override {
    CAAS_TRY(admit(total_, bytes.size()));
    total_ += bytes.size();
    hash_.update(bytes);
    CAAS_ASSIGN_OR_RETURN(ByteSpan ready, check_.push(bytes));
    return ready.empty() ? ok_status() : blob_->write(ready);
  }

 private:
  // No grants carried over: the old file's grants hold its key, not this one's.
  Result<std::vector<meta::GrantRecord>> complete_record() override {
    CAAS_TRY(check_.finish());
    record_.size = total_;
    record_.sha256 = hex_encode(hash_.finish());
    record_.mode = "client";
    record_.wrapped_dek.clear();
    record_.age_header_len = check_.header_bytes();
    return std::vector<meta::GrantRecord>();
  }

  crypto::Sha256 hash_;
  detail::AgeBodyCheck check_;
  std::uint64_t total_ = 0;
};

// `prefix` (a grantee's header, or nothing) followed by the blob from `skip` on.
class ClientDownload final : public Download {
 public:
  ClientDownload(FileInfo info, std::string etag, std::string prefix,
                 std::unique_ptr<storage::BlobReader> blob, std::uint64_t skip)
      : info_(std::move(info)),
        etag_(std::move(etag)),
        prefix_(std::move(prefix)),
        blob_(std::move(blob)),
        skip_(skip),
        end_(info_.size) {}

  [[nodiscard]] const FileInfo& info() const override { return info_; }
  [[nodiscard]] std::string etag() const override { return etag_; }

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
    while (position_ < stop) {
      std::size_t got = 0;
      if (position_ < prefix_.size()) {
        got = static_cast<std::size_t>(std::min<std::uint64_t>(stop, prefix_.size()) - position_);
        std::copy_n(prefix_.begin() + static_cast<long>(position_), got,
                    out.begin() + static_cast<long>(filled));
      } else {
        const std::uint64_t offset = position_ - prefix_.size() + skip_;
        CAAS_ASSIGN_OR_RETURN(
            got, blob_->read_at(offset,
                                out.subspan(filled, static_cast<std::size_t>(stop - position_))));
        if (got == 0) {
          spdlog::error("integrity: file {} blob ended early at offset {}", info_.id, offset);
          return error(ErrorCode::kDataLoss, "file " + info_.id + " is damaged");
        }
      }
      position_ += got;
      filled += got;
    }
    return filled;
  }

 private:
  FileInfo info_;
  std::string etag_;
  std::string prefix_;
  std::unique_ptr<storage::BlobReader> blob_;
  std::uint64_t skip_;
  std::uint64_t position_ = 0;
  std::uint64_t end_;
};

}  // namespace

Status validate_content_hash(std::string_view content_hash) {
  const bool allowed = content_hash.size() <= kMaxContentHashBytes &&
                       std::all_of(content_hash.begin(), content_hash.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                                (c >= 'a' && c <= 'z') || c == ':' || c == '_' || c == '-';
                       });
  return allowed ? ok_status()
                 : invalid_argument(
                       "X-Caas-Content-Hash: must be 1 to 128 characters of "
                       "0-9, A-Z, a-z, ':', '_' and '-'");
}

Status validate_grant_header(std::string_view header) {
  if (header.size() > kMaxClientHeaderBytes) {
    return invalid_age("header: over " + std::to_string(kMaxClientHeaderBytes) + " bytes");
  }
  if (!format::age::Header::parse(as_bytes(header)).ok()) {
    return invalid_age("header: not one whole age v1 header");
  }
  return ok_status();
}

std::unique_ptr<Upload> FileService::Impl::client_upload(meta::FileRecord record,
                                                         std::unique_ptr<storage::BlobWriter> blob,
                                                         bool overwrite) {
  return std::make_unique<ClientUpload>(*this, std::move(record), std::move(blob), overwrite);
}

Result<std::unique_ptr<Download>> FileService::Impl::open_client_download(
    const meta::FileRecord& record, std::optional<std::string> grant_header,
    std::string owner_email) {
  CAAS_TRY(keyring().status());
  if (grant_header && grant_header->empty()) {
    return damaged(record, "its grant holds no age header");
  }
  Result<std::unique_ptr<storage::BlobReader>> blob = blobs.open(record.blob_id);
  if (!blob.ok()) {
    return blob.status().code() == ErrorCode::kNotFound ? damaged(record, "its blob is missing")
                                                        : blob.status();
  }
  const std::uint64_t stored = (*blob)->size();
  if (stored != record.size || record.age_header_len > stored) {
    return damaged(record, "its size differs from the recorded size");
  }
  FileInfo info = info_of(record);
  info.owner_email = std::move(owner_email);
  std::string etag = record.sha256;
  std::uint64_t skip = 0;
  std::string prefix;
  if (grant_header) {
    // The grantee's bytes differ from the stored file's: the tag names both parts.
    etag += "." + hex_encode(crypto::sha256(as_bytes(*grant_header))).substr(0, 16);
    skip = record.age_header_len;
    prefix = std::move(*grant_header);
    info.size = prefix.size() + stored - skip;
  }
  return std::unique_ptr<Download>(std::make_unique<ClientDownload>(
      std::move(info), std::move(etag), std::move(prefix), std::move(*blob), skip));
}

}  // namespace caas::files
