#include "cli/transfer.h"

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "cli/io.h"
#include "cli/progress.h"
#include "cli/zk_keys.h"
#include "crypto/hash.h"
#include "format/age/age.h"

namespace caas::cli {
namespace {

constexpr std::size_t kPieceBytes = std::size_t{64} * 1024;
// age spec, "Payload": 16-byte nonce, then 64 KiB chunks each with a 16-byte tag; the last
// chunk may be short, and is empty only when the whole plaintext is.
constexpr std::uint64_t kAgeChunkBytes = 64 * 1024;
constexpr std::uint64_t kAgeTagBytes = 16;
constexpr std::uint64_t kAgeNonceBytes = 16;

std::uint64_t age_payload_bytes(std::uint64_t plaintext) {
  std::uint64_t chunks = plaintext == 0 ? 1 : (plaintext + kAgeChunkBytes - 1) / kAgeChunkBytes;
  return kAgeNonceBytes + plaintext + chunks * kAgeTagBytes;
}

Result<std::uint64_t> local_file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return error(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return error(ErrorCode::kInvalidArgument, path + " is not a regular file");
  }
  return static_cast<std::uint64_t>(info.st_size);
}

// The upload body: the local file's bytes, or their age encryption, pulled by curl. In age
// mode a second thread reads and encrypts ahead, up to kAheadPieces pieces, so that encryption
// and sending overlap on two cores (as `age | curl` would) instead of taking turns.
class UploadSource {
 public:
  static Result<std::unique_ptr<UploadSource>> open(const std::string& path,
                                                    const format::age::X25519Identity* identity) {
    CAAS_ASSIGN_OR_RETURN(std::uint64_t size, local_file_size(path));
    CAAS_ASSIGN_OR_RETURN(Input input, Input::open(path));
    auto source = std::unique_ptr<UploadSource>(new UploadSource(std::move(input), size));
    if (identity != nullptr) {
      Status status = source->start_age(*identity);
      if (!status.ok()) {
        return status;
      }
    } else {
      source->body_size_ = size;
    }
    return source;
  }

  UploadSource(const UploadSource&) = delete;
  UploadSource& operator=(const UploadSource&) = delete;
  UploadSource(UploadSource&&) = delete;
  UploadSource& operator=(UploadSource&&) = delete;
  ~UploadSource() {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    if (producer_.joinable()) {
      producer_.join();
    }
  }

  [[nodiscard]] std::uint64_t body_size() const { return body_size_; }

  Result<std::size_t> read(MutableByteSpan out) {
    if (!encryptor_.has_value()) {
      CAAS_ASSIGN_OR_RETURN(std::size_t got, input_.read(out));
      return count_plaintext(got);
    }
    if (taken_ == current_.size()) {
      CAAS_TRY(next_block());
      if (current_.empty()) {
        return std::size_t{0};
      }
    }
    std::size_t n = std::min(out.size(), current_.size() - taken_);
    std::memcpy(out.data(), current_.data() + taken_, n);
    taken_ += n;
    return n;
  }

 private:
  static constexpr std::size_t kAheadPieces = 8;

  UploadSource(Input input, std::uint64_t size) : input_(std::move(input)), size_(size) {}

  Status start_age(const format::age::X25519Identity& identity) {
    format::age::X25519Recipient recipient = identity.recipient();
    const format::age::Recipient* recipients[] = {&recipient};
    Bytes* staging = &staging_;
    format::age::ByteSink sink = [staging](ByteSpan bytes) {
      staging->insert(staging->end(), bytes.begin(), bytes.end());
      return ok_status();
    };
    CAAS_ASSIGN_OR_RETURN(format::age::Encryptor encryptor,
                          format::age::Encryptor::create(recipients, std::move(sink)));
    encryptor_.emplace(std::move(encryptor));
    body_size_ = staging_.size() + age_payload_bytes(size_);  // the header is in staging_
    ready_.push_back(std::move(staging_));
    staging_.clear();
    producer_ = std::thread([this] { produce(); });
    return ok_status();
  }

  // The producer thread: read, encrypt, queue; until the end, an error or cancellation.
  void produce() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return cancelled_ || ready_.size() < kAheadPieces; });
        if (cancelled_) {
          return;
        }
      }
      bool last = false;
      Status status = encrypt_next_piece(last);
      std::lock_guard lock(mutex_);
      if (!status.ok()) {
        failure_ = std::move(status);
      } else if (!staging_.empty()) {
        ready_.push_back(std::move(staging_));
        staging_.clear();
      }
      produced_all_ = last || failure_.has_value();
      changed_.notify_all();
      if (produced_all_) {
        return;
      }
    }
  }

  Status encrypt_next_piece(bool& last) {
    crypto::SecretBytes piece(kPieceBytes);
    CAAS_ASSIGN_OR_RETURN(std::size_t got, input_.read_full(piece.expose_mutable()));
    CAAS_ASSIGN_OR_RETURN(std::size_t counted, count_plaintext(got));
    if (counted == 0) {
      last = true;
      return encryptor_->finish();
    }
    return encryptor_->write(piece.expose().first(counted));
  }

  // Moves the next queued block into current_; leaves it empty at the end.
  Status next_block() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty() || produced_all_; });
    current_.clear();
    taken_ = 0;
    if (!ready_.empty()) {
      current_ = std::move(ready_.front());
      ready_.pop_front();
      changed_.notify_all();
      return ok_status();
    }
    return failure_.has_value() ? *failure_ : ok_status();
  }

  // Refuses a file that grows or shrinks while it is sent: the declared length would be wrong.
  Result<std::size_t> count_plaintext(std::size_t got) {
    read_ += got;
    if (read_ > size_ || (got == 0 && read_ != size_)) {
      return error(ErrorCode::kFailedPrecondition, "the local file changed while it was sent");
    }
    return got;
  }

  Input input_;
  std::uint64_t size_;
  std::uint64_t read_ = 0;  // the producer's (or, in plain mode, curl's thread's)
  std::uint64_t body_size_ = 0;
  std::optional<format::age::Encryptor> encryptor_;
  Bytes staging_;  // the encryptor's output for the piece in hand (producer thread)
  Bytes current_;  // the block curl is taking (curl's thread)
  std::size_t taken_ = 0;

  std::mutex mutex_;  // guards the members below
  std::condition_variable changed_;
  std::deque<Bytes> ready_;
  std::optional<Status> failure_;
  bool produced_all_ = false;
  bool cancelled_ = false;
  std::thread producer_;  // last: started once everything above exists, joined first
};

// A new file beside `path`, renamed over it by commit(); removed if never committed.
class StagedFile {
 public:
  static Result<StagedFile> create(const std::string& path) {
    std::string dir = ".";
    std::string name = path;
    if (std::size_t slash = path.rfind('/'); slash != std::string::npos) {
      dir = slash == 0 ? "/" : path.substr(0, slash);
      name = path.substr(slash + 1);
    }
    std::string temp = dir + "/." + name + ".caas-XXXXXX";
    int fd = ::mkstemp(temp.data());
    if (fd < 0) {
      return error(ErrorCode::kIo, "cannot create a file in " + dir + ": " + std::strerror(errno));
    }
    return StagedFile(path, std::move(temp), fd);
  }
  StagedFile(StagedFile&& other) noexcept
      : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(other.fd_) {
    other.fd_ = -1;
  }
  StagedFile& operator=(StagedFile&&) = delete;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }

  Status write(ByteSpan bytes) {
    while (!bytes.empty()) {
      ssize_t put = ::write(fd_, bytes.data(), bytes.size());
      if (put < 0 && errno == EINTR) {
        continue;
      }
      if (put <= 0) {
        return error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
      }
      bytes = bytes.subspan(static_cast<std::size_t>(put));
    }
    return ok_status();
  }

  Status commit() {
    // mkstemp made it 0600; a downloaded file gets the usual mode under the umask.
    mode_t mask = ::umask(0);
    ::umask(mask);
    bool ok = ::fchmod(fd_, 0666 & ~mask) == 0 && ::fsync(fd_) == 0;
    ok = ::close(fd_) == 0 && ok;
    fd_ = -1;
    if (!ok || ::rename(temp_.c_str(), path_.c_str()) != 0) {
      Status status = error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
      ::unlink(temp_.c_str());
      return status;
    }
    return ok_status();
  }

 private:
  StagedFile(std::string path, std::string temp, int fd)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}
  std::string path_;
  std::string temp_;
  int fd_;
};

Status write_stdout(ByteSpan bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    return error(ErrorCode::kIo, std::string("cannot write to stdout: ") + std::strerror(errno));
  }
  return ok_status();
}

// "\"<hex>\"" → "<hex>".
std::string unquote(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

Result<std::string> hash_local_file(const std::string& path,
                                    const format::age::X25519Identity* identity) {
  CAAS_ASSIGN_OR_RETURN(Input input, Input::open(path));
  std::optional<ContentHasher> keyed;
  crypto::Sha256 plain;
  if (identity != nullptr) {
    keyed.emplace(*identity);
  }
  crypto::SecretBytes piece(kPieceBytes);
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(std::size_t got, input.read(piece.expose_mutable()));
    if (got == 0) {
      break;
    }
    if (keyed.has_value()) {
      keyed->update(piece.expose().first(got));
    } else {
      plain.update(piece.expose().first(got));
    }
  }
  return keyed.has_value() ? keyed->finish() : hex_encode(plain.finish());
}

Result<boost::json::value> upload_file(ApiClient& api, const UploadRequest& request) {
  CAAS_ASSIGN_OR_RETURN(std::unique_ptr<UploadSource> source,
                        UploadSource::open(request.local_path, request.identity));
  HttpRequest http;
  http.method = "PUT";
  http.target = file_target(request.remote_path);
  std::string query;
  if (request.identity != nullptr) {
    query += "mode=client";
  }
  if (request.overwrite) {
    query += std::string(query.empty() ? "" : "&") + "overwrite=true";
  }
  if (!query.empty()) {
    http.target += "?" + query;
  }
  http.headers.emplace_back(request.identity != nullptr ? "Content-Type: application/age"
                                                        : "Content-Type: application/octet-stream");
  if (!request.content_hash.empty()) {
    http.headers.push_back("X-Caas-Content-Hash: " + request.content_hash);
  }
  http.body_size = source->body_size();
  UploadSource* raw = source.get();
  http.reader = [raw](MutableByteSpan out) { return raw->read(out); };
  ProgressBar bar("upload " + request.remote_path, http.body_size);
  http.progress = [&bar](std::uint64_t done) { bar.update(done); };
  CAAS_ASSIGN_OR_RETURN(HttpResponse response, api.http().send(http));
  if (!response.success()) {
    return api_error(response);
  }
  bar.finish();
  return parse_json(response.body);
}

Result<DownloadResult> download_file(ApiClient& api, const std::string& target,
                                     const std::string& local_path,
                                     const format::age::X25519Identity* identity,
                                     const std::string& label) {
  bool to_stdout = local_path == "-";
  std::optional<StagedFile> staged;
  if (!to_stdout) {
    CAAS_ASSIGN_OR_RETURN(StagedFile file, StagedFile::create(local_path));
    staged.emplace(std::move(file));
  }
  DownloadResult result;
  format::age::ByteSink out = [&](ByteSpan bytes) {
    result.bytes += bytes.size();
    return to_stdout ? write_stdout(bytes) : staged->write(bytes);
  };
  std::vector<const format::age::Identity*> identities;
  if (identity != nullptr) {
    identities.push_back(identity);
  }
  std::optional<format::age::Decryptor> decryptor;
  crypto::Sha256 digest;
  std::optional<ProgressBar> bar;

  HttpRequest http;
  http.target = target;
  http.on_start = [&](const HttpResponse& response) -> Status {
    result.mode = response.header("x-caas-mode");
    if (result.mode == "client") {
      if (identity == nullptr) {
        return error(ErrorCode::kFailedPrecondition,
                     "this file is end-to-end encrypted and no identity is saved: run caas login");
      }
      decryptor.emplace(identities, out);
    }
    std::uint64_t length = std::strtoull(response.header("content-length").c_str(), nullptr, 10);
    bar.emplace("download " + label, length);
    return ok_status();
  };
  http.writer = [&](ByteSpan bytes) -> Status {
    if (decryptor.has_value()) {
      return decryptor->write(bytes);
    }
    digest.update(bytes);
    return out(bytes);
  };
  http.progress = [&](std::uint64_t done) {
    if (bar.has_value()) {
      bar->update(done);
    }
  };
  Result<HttpResponse> response = api.http().send(http);
  if (!response.ok()) {
    Status status = std::move(response).status();
    // The body reached the decryptor: a malformed file (kInvalidArgument), a bad tag
    // (kDecryptionFailed) or a file not encrypted to this key (kNotFound, "no identity
    // matched") all mean the same to the user: it does not decrypt here.
    if (decryptor.has_value() &&
        (status.code() == ErrorCode::kDecryptionFailed ||
         status.code() == ErrorCode::kInvalidArgument || status.code() == ErrorCode::kNotFound)) {
      return error(ErrorCode::kDataLoss,
                   "the downloaded file does not decrypt: " + status.message());
    }
    return status;
  }
  if (!response->success()) {
    return api_error(*response);
  }
  if (result.mode.empty()) {
    result.mode = response->header("x-caas-mode");  // an empty body never reached on_start
  }
  if (decryptor.has_value()) {
    if (Status status = decryptor->finish(); !status.ok()) {
      return error(ErrorCode::kDataLoss,
                   "the downloaded file does not decrypt: " + status.message());
    }
  } else if (result.mode == "client") {
    return error(ErrorCode::kDataLoss, "the server sent an empty age file");
  } else {
    std::string etag = unquote(response->header("etag"));
    std::string got = hex_encode(digest.finish());
    // A shared file's ETag is the file's SHA-256 itself; compare its first 64 characters.
    if (etag.size() >= got.size() && etag.compare(0, got.size(), got) != 0) {
      return error(ErrorCode::kDataLoss, "the downloaded bytes do not match the server's SHA-256");
    }
  }
  if (bar.has_value()) {
    bar->finish();
  }
  if (staged.has_value()) {
    if (Status status = staged->commit(); !status.ok()) {
      return status;
    }
  } else {
    std::fflush(stdout);
  }
  return result;
}

}  // namespace caas::cli
