// Moving files between the local disk and caasd, streamed in 64 KiB pieces whatever their size:
//
//   upload:   local file → (client mode: age encryption to the user's own key) → PUT body
//   download: GET body → (client mode: age decryption with the user's identity) → local file
//
// A download goes to a temp file beside the target and is renamed over it only once the whole
// body arrived and verified (age's chunk tags in client mode, the ETag's SHA-256 in server
// mode), so a failed download never leaves a partial or unverified file, and never clobbers the
// old one.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

#include "base/result.h"
#include "cli/api_client.h"
#include "format/age/x25519.h"

namespace caas::cli {

// How the content of a local file is compared with a remote one: the plaintext SHA-256 (hex),
// which the server keeps for server-mode files, or, for client mode, the keyed content hash
// (zk_keys.h) the client stored beside the age file. Errors: kIo.
Result<std::string> hash_local_file(const std::string& path,
                                    const format::age::X25519Identity* identity);

struct UploadRequest {
  std::string local_path;
  std::string remote_path;
  // Client (zero-knowledge) mode when set: the file is encrypted to this identity's key.
  const format::age::X25519Identity* identity = nullptr;
  std::string content_hash;  // sent as X-Caas-Content-Hash when not empty
  bool overwrite = false;
};

// PUT /v1/files/…; returns the server's JSON answer. Errors: kIo, kFailedPrecondition when the
// local file changed size while being sent, the server's (api_error).
Result<boost::json::value> upload_file(ApiClient& api, const UploadRequest& request);

struct DownloadResult {
  std::string mode;         // "server" or "client", from X-Caas-Mode
  std::uint64_t bytes = 0;  // plaintext bytes written
};

// GETs `target` (a file or a shared file) into `local_path` ("-": stdout). A client-mode body
// is decrypted with `identity`; without one it is an error. Errors: kNotFound, kDataLoss (a
// body that does not verify), kDecryptionFailed, kIo, the server's.
Result<DownloadResult> download_file(ApiClient& api, const std::string& target,
                                     const std::string& local_path,
                                     const format::age::X25519Identity* identity,
                                     const std::string& label);

}  // namespace caas::cli
