// upload, download, ls, rm, share, unshare, shared, grants. Zero-knowledge (client) mode is
// the default for uploads: the file is an age file encrypted to the user's own key before it
// leaves the machine, and sharing gives the grantee a new age header for the same payload.
// Paths are not encrypted: the server needs them to list, share and find files (SECURITY.md).
#include <cstdio>

#include <boost/json/serialize.hpp>
#include <sys/stat.h>

#include "base/base64.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/transfer.h"
#include "cli/zk_keys.h"
#include "format/age/age.h"

namespace caas::cli {
namespace {

// The most of a file's start fetched to find its age header; the server refuses longer ones.
constexpr std::size_t kMaxAgeHeaderBytes = 64 * 1024;

std::string last_segment(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The remote file's headers (HEAD), or nullopt when there is none.
Result<std::optional<HttpResponse>> stat_remote(ApiClient& api, const std::string& remote) {
  HttpRequest request;
  request.method = "HEAD";
  request.target = file_target(remote);
  CAAS_ASSIGN_OR_RETURN(HttpResponse response, api.http().send(request));
  if (response.status == 404) {
    return std::optional<HttpResponse>();
  }
  if (!response.success()) {
    // A HEAD answer has no body, so no message: ask with a GET of one byte for the sentence.
    request.method = "GET";
    request.headers.push_back("Range: bytes=0-0");
    CAAS_ASSIGN_OR_RETURN(HttpResponse detailed, api.http().send(request));
    return api_error(detailed.success() ? response : detailed);
  }
  return std::optional<HttpResponse>(std::move(response));
}

Result<std::vector<std::string>> grantee_emails(ApiClient& api, const std::string& remote) {
  CAAS_ASSIGN_OR_RETURN(boost::json::value listed,
                        api.call("GET", file_target(remote) + "/grants"));
  std::vector<std::string> emails;
  CAAS_ASSIGN_OR_RETURN(const boost::json::array* grants, json_array(listed, "grants"));
  for (const boost::json::value& grant : *grants) {
    emails.push_back(json_string(grant, "email"));
  }
  return emails;
}

// The grantee's public key, checked against what this device saw before (trust on first use).
// A first sighting is reported (and remembered by grant() once the grant exists); a changed
// key is refused unless `trust_new`.
Result<std::string> grantee_key(ApiClient& api, const std::string& email, bool trust_new,
                                std::string& note) {
  bool found = false;
  CAAS_ASSIGN_OR_RETURN(boost::json::value key,
                        api.call_optional("GET", "/v1/keys/" + url_encode(email, false), found));
  if (!found) {
    return error(ErrorCode::kNotFound,
                 email +
                     " has no end-to-end key yet (they must log in once with caas), or is "
                     "not registered");
  }
  std::string public_key = json_string(key, "public_key");
  std::string fingerprint = key_fingerprint(public_key);
  CAAS_ASSIGN_OR_RETURN(KnownKeys known, load_known_keys());
  auto it = known.find(email);
  if (it == known.end()) {
    note = "First share with " + email + ": key " + fingerprint +
           " (remembered; they can confirm it with `caas keys show` or `caas whoami`)";
  } else if (it->second != public_key) {
    if (!trust_new) {
      return error(ErrorCode::kFailedPrecondition,
                   "WARNING: the key of " + email +
                       " changed since you last shared with them (was " +
                       key_fingerprint(it->second) + ", now " + fingerprint +
                       "). If they confirm the new key, run again with --trust-new-key");
    }
    note = "Key of " + email + " changed to " + fingerprint + " (trusted by --trust-new-key)";
  } else {
    note = "Key of " + email + ": " + fingerprint + " (as before)";
  }
  return public_key;
}

Status remember_key(const std::string& email, const std::string& public_key) {
  CAAS_ASSIGN_OR_RETURN(KnownKeys known, load_known_keys());
  known[email] = public_key;
  return save_known_keys(known);
}

// The age header of the caller's own client-mode file, re-made with a stanza for `recipient`.
Result<std::string> header_for(ApiClient& api, const std::string& remote,
                               const format::age::X25519Identity& identity,
                               const std::string& recipient_text) {
  HttpRequest request;
  request.target = file_target(remote);
  request.headers.push_back("Range: bytes=0-" + std::to_string(kMaxAgeHeaderBytes - 1));
  CAAS_ASSIGN_OR_RETURN(HttpResponse response, api.http().send(request));
  if (!response.success()) {
    return api_error(response);
  }
  ByteSpan start = as_bytes(response.body);
  if (!format::age::find_header_end(start).has_value()) {
    return error(ErrorCode::kDataLoss, "the stored file has no age header in its first 64 KiB");
  }
  CAAS_ASSIGN_OR_RETURN(format::age::ParsedHeader parsed, format::age::read_header(start));
  const format::age::Identity* identities[] = {&identity};
  Result<format::age::FileKey> file_key = format::age::unwrap_file_key(parsed.header, identities);
  if (!file_key.ok()) {
    return error(ErrorCode::kDecryptionFailed,
                 "cannot open this file with your key (" + file_key.status().message() + ")");
  }
  CAAS_ASSIGN_OR_RETURN(format::age::X25519Recipient recipient,
                        format::age::X25519Recipient::parse(recipient_text));
  const format::age::Recipient* added[] = {&recipient};
  CAAS_ASSIGN_OR_RETURN(format::age::Header header,
                        format::age::add_recipients(parsed.header, *file_key, added));
  return base64_encode(header.serialize());
}

Status grant(Context& context, ApiClient& api, const std::string& remote, const std::string& email,
             bool client_mode, bool trust_new, std::string& note) {
  boost::json::object body{{"email", email}, {"permission", "read"}};
  std::string public_key;
  if (client_mode) {
    CAAS_ASSIGN_OR_RETURN(const format::age::X25519Identity* identity, context.identity());
    CAAS_ASSIGN_OR_RETURN(public_key, grantee_key(api, email, trust_new, note));
    CAAS_ASSIGN_OR_RETURN(std::string header, header_for(api, remote, *identity, public_key));
    body["header"] = header;
  }
  CAAS_ASSIGN_OR_RETURN(boost::json::value granted,
                        api.call("POST", file_target(remote) + "/grants", body));
  (void)granted;
  // Only a key a grant was actually made for becomes "known".
  return public_key.empty() ? ok_status() : remember_key(email, public_key);
}

std::string size_text(const boost::json::value& entry) {
  const boost::json::value* size = json_field(entry, "size");
  std::uint64_t bytes = size != nullptr && size->is_uint64() ? size->get_uint64()
                        : size != nullptr && size->is_int64()
                            ? static_cast<std::uint64_t>(size->get_int64())
                            : 0;
  return format_bytes(bytes);
}

}  // namespace

Status run_upload(Context& context, const UploadOptions& options) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  std::string remote =
      options.remote_path.empty() ? last_segment(options.local_path) : options.remote_path;
  bool client_mode = !options.server_side;
  const format::age::X25519Identity* identity = nullptr;
  if (client_mode) {
    CAAS_ASSIGN_OR_RETURN(identity, context.identity());
  }
  CAAS_ASSIGN_OR_RETURN(std::string local_hash, hash_local_file(options.local_path, identity));
  CAAS_ASSIGN_OR_RETURN(std::optional<HttpResponse> existing, stat_remote(*api, remote));

  std::string wanted_mode = client_mode ? "client" : "server";
  if (existing.has_value() && !options.force && existing->header("x-caas-mode") == wanted_mode) {
    std::string remote_hash =
        client_mode ? existing->header("x-caas-content-hash") : existing->header("etag");
    if (!client_mode && remote_hash.size() >= 2) {
      remote_hash = remote_hash.substr(1, remote_hash.size() - 2);
    }
    if (remote_hash == local_hash) {
      context.emit(
          boost::json::object({{"path", remote}, {"skipped", true}, {"mode", wanted_mode}}),
          "Skipped " + remote + ": it already holds this content (--force uploads anyway)");
      return ok_status();
    }
  }
  // An overwrite that involves client mode ends the file's grants (their keys are the old
  // file's); the client grants them again to the same people afterwards.
  std::vector<std::string> regrant;
  if (existing.has_value() && (client_mode || existing->header("x-caas-mode") == "client")) {
    CAAS_ASSIGN_OR_RETURN(regrant, grantee_emails(*api, remote));
  }

  UploadRequest request{options.local_path, remote, identity,
                        client_mode ? local_hash : std::string(), existing.has_value()};
  CAAS_ASSIGN_OR_RETURN(boost::json::value uploaded, upload_file(*api, request));
  std::string notes;
  Status regrant_failure;
  boost::json::array regranted;
  for (const std::string& email : regrant) {
    std::string note;
    Status status = grant(context, *api, remote, email, client_mode, false, note);
    if (status.ok()) {
      notes += "\nShared again with " + email;
      regranted.emplace_back(email);
    } else if (regrant_failure.ok()) {
      regrant_failure = error(status.code(), "uploaded, but could not share it again with " +
                                                 email + ": " + status.message());
    }
  }
  boost::json::object out = uploaded.is_object() ? uploaded.get_object() : boost::json::object();
  out["skipped"] = false;
  out["mode"] = wanted_mode;
  out["shared_again"] = regranted;
  context.emit(
      out, "Uploaded " + options.local_path + " to " + remote + " (" + size_text(uploaded) + ", " +
               (client_mode ? "end-to-end encrypted" : "encrypted by the server") + ")" + notes);
  return regrant_failure;
}

Status run_download(Context& context, const DownloadOptions& options) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  std::string target;
  std::string name;
  if (options.shared) {
    target = "/v1/shared/" + url_encode(options.remote, false);
    name = options.remote;
    if (options.local_path.empty()) {
      // The id says nothing about a name: use the path the owner gave it.
      CAAS_ASSIGN_OR_RETURN(boost::json::value listed, api->call("GET", "/v1/shared"));
      CAAS_ASSIGN_OR_RETURN(const boost::json::array* files, json_array(listed, "files"));
      for (const boost::json::value& file : *files) {
        if (json_string(file, "id") == options.remote) {
          name = json_string(file, "path");
        }
      }
    }
  } else {
    target = file_target(options.remote);
    name = options.remote;
  }
  std::string local = options.local_path.empty() ? last_segment(name) : options.local_path;
  if (options.shared && options.local_path.empty()) {
    // The name was chosen by another user: it must not replace a file here (".bashrc") unasked.
    struct stat info {};
    if (local.empty() || local.front() == '.' || ::lstat(local.c_str(), &info) == 0) {
      return error(ErrorCode::kAlreadyExists,
                   "the shared file is named \"" + local +
                       "\", which exists here or is hidden: give a local path, "
                       "caas download --shared " +
                       options.remote + " PATH");
    }
  }
  Result<const format::age::X25519Identity*> identity = context.identity();
  CAAS_ASSIGN_OR_RETURN(
      DownloadResult result,
      download_file(*api, target, local, identity.ok() ? *identity : nullptr, name));
  if (local != "-") {
    context.emit(
        boost::json::object(
            {{"path", name}, {"local_path", local}, {"size", result.bytes}, {"mode", result.mode}}),
        "Downloaded " + name + " to " + local + " (" + format_bytes(result.bytes) +
            (result.mode == "client" ? ", decrypted on this machine)" : ")"));
  }
  return ok_status();
}

Status run_ls(Context& context, const std::string& prefix) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  boost::json::array all;
  std::string cursor;
  for (;;) {
    std::string target = "/v1/files?limit=1000&prefix=" + url_encode(prefix, false);
    if (!cursor.empty()) {
      target += "&cursor=" + url_encode(cursor, false);
    }
    CAAS_ASSIGN_OR_RETURN(boost::json::value page, api->call("GET", target));
    CAAS_ASSIGN_OR_RETURN(const boost::json::array* files, json_array(page, "files"));
    for (const boost::json::value& file : *files) {
      all.push_back(file);
    }
    cursor = json_string(page, "next_cursor");
    if (cursor.empty()) {
      break;
    }
  }
  std::string human;
  for (const boost::json::value& file : all) {
    char line[96];
    std::snprintf(line, sizeof line, "%10s  %-6s  %s  ", size_text(file).c_str(),
                  json_string(file, "mode").c_str(), json_string(file, "created_at").c_str());
    human += line + json_string(file, "path") + "\n";
  }
  if (all.empty()) {
    human = prefix.empty() ? "No files yet." : "No files under " + prefix + ".";
  }
  context.emit(boost::json::object({{"files", all}}), human);
  return ok_status();
}

Status run_rm(Context& context, const std::string& remote_path) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value done, api->call("DELETE", file_target(remote_path)));
  (void)done;
  context.emit(boost::json::object({{"path", remote_path}, {"deleted", true}}),
               "Deleted " + remote_path);
  return ok_status();
}

Status run_share(Context& context, const ShareOptions& options) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(std::optional<HttpResponse> existing,
                        stat_remote(*api, options.remote_path));
  if (!existing.has_value()) {
    return error(ErrorCode::kNotFound, "no such file: " + options.remote_path);
  }
  bool client_mode = existing->header("x-caas-mode") == "client";
  std::string note;
  if (Status status = grant(context, *api, options.remote_path, options.email, client_mode,
                            options.trust_new_key, note);
      !status.ok()) {
    return status;
  }
  if (!note.empty() && !context.json) {
    std::fprintf(stderr, "%s\n", note.c_str());
  }
  context.emit(boost::json::object({{"path", options.remote_path},
                                    {"email", options.email},
                                    {"mode", client_mode ? "client" : "server"}}),
               "Shared " + options.remote_path + " with " + options.email);
  return ok_status();
}

Status run_unshare(Context& context, const std::string& remote_path, const std::string& email) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(
      boost::json::value done,
      api->call("DELETE", file_target(remote_path) + "/grants/" + url_encode(email, false)));
  (void)done;
  context.emit(boost::json::object({{"path", remote_path}, {"email", email}, {"revoked", true}}),
               "Stopped sharing " + remote_path + " with " + email);
  return ok_status();
}

Status run_shared(Context& context) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value listed, api->call("GET", "/v1/shared"));
  CAAS_ASSIGN_OR_RETURN(const boost::json::array* files, json_array(listed, "files"));
  std::string human;
  for (const boost::json::value& file : *files) {
    human += json_string(file, "id") + "  " + size_text(file) + "  " +
             json_string(file, "owner_email") + ":" + json_string(file, "path") + "\n";
  }
  if (human.empty()) {
    human = "Nothing is shared with you.";
  }
  context.emit(listed, human);
  return ok_status();
}

Status run_grants(Context& context, const std::string& remote_path) {
  CAAS_ASSIGN_OR_RETURN(ApiClient * api, context.session());
  CAAS_ASSIGN_OR_RETURN(boost::json::value listed,
                        api->call("GET", file_target(remote_path) + "/grants"));
  CAAS_ASSIGN_OR_RETURN(const boost::json::array* grants, json_array(listed, "grants"));
  std::string human;
  for (const boost::json::value& grant : *grants) {
    human += json_string(grant, "email") + "  " + json_string(grant, "permission") + "  " +
             json_string(grant, "created_at") + "\n";
  }
  if (human.empty()) {
    human = remote_path + " is not shared.";
  }
  context.emit(listed, human);
  return ok_status();
}

}  // namespace caas::cli
