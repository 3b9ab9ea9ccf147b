// BlobStore: where caasd keeps file contents, as opaque immutable blobs named by UUID. The
// container format (docs/FORMAT.md) encrypts above this layer, so a backend never sees plaintext
// and never needs to understand what it stores. Backends: FsBlobStore (storage/fs_blob_store.h,
// the embedded default), later S3 (multipart upload, ranged GET) and a k-of-n dispersed store.
//
// The shape serves all three:
//  - put is a stream: create() → write()* → commit() or abort(). Nothing is visible under the id
//    until commit() succeeds, and a writer that is aborted, destroyed or fails leaves nothing
//    behind (fs: a temp file then rename; S3: a multipart upload completed or aborted).
//  - reads are positional (read_at), so a byte range or the container reader's random access
//    costs one call (fs: pread; S3: GET with Range).
//  - blobs are immutable: create() of an existing id fails at commit with kAlreadyExists.
//  - commit() is the durability point. It is blocking and may be called concurrently from many
//    writers on many threads, which is what lets a backend batch durability (group commit: one
//    flush for every commit waiting at that moment, like a database WAL). commit_async() lets
//    such a backend complete later from its own flusher thread instead of blocking the caller.
//
// Errors: kInvalidArgument for a malformed id, kNotFound, kAlreadyExists, kResourceExhausted when
// the backend is out of space or quota ("insufficient storage"), kIo (or kUnavailable for remote
// backends) otherwise. Messages name the operation and the id, never the data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/status.h"

namespace caas::storage {

// A blob id is a lower-case UUID in its 36-character form, "3f2a0c1e-...-...-...-............".
inline constexpr std::size_t kBlobIdChars = 36;

// Returns OK when `id` is a valid blob id, else kInvalidArgument. Every backend checks ids with
// this before using them in a path or a key, so no id can escape its folder or bucket prefix.
Status validate_blob_id(std::string_view id);

struct BlobInfo {
  std::string id;
  std::uint64_t size = 0;  // bytes

  friend bool operator==(const BlobInfo&, const BlobInfo&) = default;
};

// One upload in progress. Owned by the caller; used by one thread at a time (not thread-safe).
// Must not outlive the store that created it.
class BlobWriter {
 public:
  using CommitCallback = std::function<void(Result<BlobInfo>)>;

  virtual ~BlobWriter() = default;  // aborts if neither commit nor abort was called

  // Appends `data`. The writer keeps at most a bounded buffer (fs: 256 KiB; S3: one part), so
  // memory does not grow with the blob. After an error the upload is dead: every later call
  // returns that error, and commit() removes what was written.
  virtual Status write(ByteSpan data) = 0;

  // Makes the blob visible under its id, durably: when commit() returns OK the blob survives a
  // crash or power loss. Errors: kAlreadyExists (a blob with this id exists; it is unchanged),
  // kResourceExhausted, kIo. On error nothing is stored under the id by this writer. Called
  // at most once, and not after abort().
  virtual Result<BlobInfo> commit() = 0;

  // commit(), with the result handed to `done` instead of returned. `done` may run before this
  // returns (the default: commit() inline) or later on another thread (a group-commit backend).
  // By value: a backend that completes later keeps it.
  virtual void commit_async(CommitCallback done) {  // NOLINT(performance-unnecessary-value-param)
    done(commit());
  }

  // Discards the upload: nothing is stored and temporary data is removed. Idempotent, and a
  // no-op after commit().
  virtual void abort() = 0;

 protected:
  BlobWriter() = default;
  BlobWriter(const BlobWriter&) = default;
  BlobWriter& operator=(const BlobWriter&) = default;
  BlobWriter(BlobWriter&&) = default;
  BlobWriter& operator=(BlobWriter&&) = default;
};

// A committed blob open for reading. Owned by the caller; read_at() may be called concurrently
// from several threads. Must not outlive the store that opened it. A blob removed while open
// stays readable through this reader (fs: POSIX unlink semantics) or fails with kNotFound.
class BlobReader {
 public:
  virtual ~BlobReader() = default;

  // Reads up to out.size() bytes starting at `offset` and returns how many were read. Fewer than
  // out.size() only at the end of the blob; 0 at or past the end (not an error).
  virtual Result<std::size_t> read_at(std::uint64_t offset, MutableByteSpan out) = 0;

  [[nodiscard]] virtual std::uint64_t size() const = 0;

 protected:
  BlobReader() = default;
  BlobReader(const BlobReader&) = default;
  BlobReader& operator=(const BlobReader&) = default;
  BlobReader(BlobReader&&) = default;
  BlobReader& operator=(BlobReader&&) = default;
};

// Implementations are thread-safe: every method may be called from any thread.
class BlobStore {
 public:
  // Visits one committed blob; returns false to stop listing.
  using ListVisitor = std::function<bool(std::string_view id, std::uint64_t size)>;

  virtual ~BlobStore() = default;

  // Starts an upload of blob `id`. Errors: kInvalidArgument (bad id), kResourceExhausted, kIo.
  // An existing blob with this id is reported by commit(), not here.
  virtual Result<std::unique_ptr<BlobWriter>> create(std::string_view id) = 0;

  // Opens committed blob `id`. Errors: kInvalidArgument, kNotFound, kIo.
  virtual Result<std::unique_ptr<BlobReader>> open(std::string_view id) = 0;

  // Deletes blob `id`, durably. Errors: kInvalidArgument, kNotFound, kIo.
  virtual Status remove(std::string_view id) = 0;

  // Calls `visit` once for every committed blob, in no particular order; never for uploads in
  // progress. Blobs committed or removed during the listing may or may not be seen.
  virtual Status list(const ListVisitor& visit) = 0;

 protected:
  BlobStore() = default;
  BlobStore(const BlobStore&) = default;
  BlobStore& operator=(const BlobStore&) = default;
  BlobStore(BlobStore&&) = default;
  BlobStore& operator=(BlobStore&&) = default;
};

}  // namespace caas::storage
