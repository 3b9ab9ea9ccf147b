// The records of src/files: files in per-owner namespaces and the grants that share them. A
// file's content lives in a blob (src/storage); the row holds what opens it — the data key
// wrapped under the owner's KEK (kms/file_keys.h) — and a grant holds the same data key wrapped
// under the grantee's KEK. Deleting the row deletes the wrapped keys (crypto-shredding) before
// the caller removes the blob. A client-mode (zero-knowledge) file has no data key here: its blob
// is an age file as the client made it, and a grant holds a new age header for the grantee.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace caas::meta {

struct FileRecord {
  std::string id;        // UUID; an overwrite keeps it (the blob and the DEK are new)
  std::string owner_id;  // the user whose namespace holds the file
  std::string path;      // 1–1024 bytes, validated by src/files
  std::uint64_t size = 0;
  std::string sha256;  // lower-case hex of the plaintext
  std::string content_type;
  std::string blob_id;          // the blob holding the container (src/storage)
  std::string wrapped_dek;      // "v<N>:<base64>" (kms/file_keys.h)
  std::string mode = "server";  // "server" (CAAS container) or "client" (age, zero-knowledge)
  std::string created_at;       // RFC 3339
  // Client mode: the length of the age header at the start of the blob (the payload follows).
  std::uint64_t age_header_len = 0;
  std::string content_hash;  // an opaque value the client gave (1..128 bytes); empty: none

  friend bool operator==(const FileRecord&, const FileRecord&) = default;
};

struct GrantRecord {
  std::string file_id;
  std::string grantee_id;
  std::string grantee_email;  // filled in by reads (joined from users); ignored on writes
  std::string permission = "read";
  std::string wrapped_dek;  // server mode: the file's data key under the grantee's KEK
  std::string created_at;
  // Client mode: the age header the owner's client made for the grantee (ASCII text, ending
  // with the MAC line's LF); empty for server-mode grants (stored as NULL).
  std::string age_header;

  friend bool operator==(const GrantRecord&, const GrantRecord&) = default;
};

// A file someone granted to the caller.
struct SharedFile {
  FileRecord file;
  std::string owner_email;
  GrantRecord grant;
};

class FileStore {
 public:
  virtual ~FileStore() = default;

  // Inserts `file` and `grants` in one transaction. When the owner already has a file at that
  // path: without `overwrite`, kAlreadyExists and nothing is written; with it, the old row and
  // its grants are deleted in the same transaction and the old row is returned, so that the
  // caller can remove its blob. Returns nullopt when nothing was replaced. Each grant is stored
  // for `file` whatever its file_id says.
  virtual Result<std::optional<FileRecord>> put_file(const FileRecord& file,
                                                     const std::vector<GrantRecord>& grants,
                                                     bool overwrite) = 0;

  virtual Result<std::optional<FileRecord>> find_file(std::string_view owner_id,
                                                      std::string_view path) = 0;
  virtual Result<std::optional<FileRecord>> find_file_by_id(std::string_view file_id) = 0;

  // Up to `limit` (clamped to 1..1000) files of the owner whose path starts with `prefix`
  // (byte-wise; '%' and '_' are not wildcards) and sorts byte-wise after `after` (empty: from the
  // start), in path order.
  virtual Result<std::vector<FileRecord>> list_files(std::string_view owner_id,
                                                     std::string_view prefix,
                                                     std::string_view after, int limit) = 0;

  // Deletes the file at the path and its grants in one transaction, and returns the deleted row;
  // nullopt when there was none.
  virtual Result<std::optional<FileRecord>> remove_file(std::string_view owner_id,
                                                        std::string_view path) = 0;

  // Inserts the grant, or replaces the one the grantee already has on that file.
  // Errors: kNotFound when the file (or the grantee) no longer exists.
  virtual Status put_grant(const GrantRecord& grant) = 0;
  // The grants of a file, with grantee emails, ordered by email.
  virtual Result<std::vector<GrantRecord>> list_grants(std::string_view file_id) = 0;
  virtual Result<std::optional<GrantRecord>> find_grant(std::string_view file_id,
                                                        std::string_view grantee_id) = 0;
  // Returns whether there was a grant to delete.
  virtual Result<bool> remove_grant(std::string_view file_id, std::string_view grantee_id) = 0;
  // Up to `limit` (clamped to 1..1000) files granted to the grantee, ordered by owner email then
  // path.
  virtual Result<std::vector<SharedFile>> list_shared(std::string_view grantee_id, int limit) = 0;

  // Whether any file row names the blob (the start-up sweep of orphan blobs asks).
  virtual Result<bool> blob_in_use(std::string_view blob_id) = 0;
};

}  // namespace caas::meta
