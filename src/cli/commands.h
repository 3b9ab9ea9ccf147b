// The `caas` commands other than `caas age` (age_commands.h). Each takes the shared Context
// and its own options, prints its result through Context::emit, and returns OK or the Status
// main() turns into one line on stderr and an exit code (exit_codes.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/context.h"

namespace caas::cli {

// Accounts and sessions (account_commands.cpp).
struct LoginOptions {
  std::string email;
  std::string otp;  // --otp: the code, for scripts; else asked
};
Status run_register(Context& context, const LoginOptions& options);
Status run_login(Context& context, const LoginOptions& options);
Status run_logout(Context& context);
Status run_whoami(Context& context);
Status run_totp_enroll(Context& context);
Status run_totp_confirm(Context& context, const std::string& code);
// Changes the password (CAAS_PASSWORD / CAAS_NEW_PASSWORD or asked) and re-wraps the identity
// under the new master key; with `rewrap_only`, only re-wraps the saved identity under the
// password the server has (recovery when a change's re-wrap did not reach the server).
Status run_passwd(Context& context, bool rewrap_only);

// Files (file_commands.cpp).
struct UploadOptions {
  std::string local_path;
  std::string remote_path;  // empty: the local file's name
  bool server_side = false;
  bool force = false;
};
struct DownloadOptions {
  std::string remote;      // a path, or with `shared` an id from `caas shared`
  std::string local_path;  // empty: the remote name's last segment; "-": stdout
  bool shared = false;
};
struct ShareOptions {
  std::string remote_path;
  std::string email;
  bool trust_new_key = false;
};
Status run_upload(Context& context, const UploadOptions& options);
Status run_download(Context& context, const DownloadOptions& options);
Status run_ls(Context& context, const std::string& prefix);
Status run_rm(Context& context, const std::string& remote_path);
Status run_share(Context& context, const ShareOptions& options);
Status run_unshare(Context& context, const std::string& remote_path, const std::string& email);
Status run_shared(Context& context);
Status run_grants(Context& context, const std::string& remote_path);

// Keys, API keys, transit, operator (admin_commands.cpp).
Status run_keys_export(Context& context);
Status run_keys_show(Context& context, const std::string& email);
Status run_api_key_create(Context& context, const std::string& name,
                          const std::vector<std::string>& scopes);
Status run_api_key_ls(Context& context);
Status run_api_key_rm(Context& context, const std::string& id);

struct TransitOptions {
  std::string key;
  std::string type = "aes256-gcm";  // create
  bool derived = false;             // create
  std::string data;  // encrypt/sign/hmac: plaintext (else stdin); decrypt/verify: the caas:v… text
  std::string signature;     // verify
  std::string context;       // derived keys
  std::uint32_t bytes = 32;  // random
};
Status run_transit(Context& context, const std::string& action, const TransitOptions& options);

struct InitOptions {
  int shares = 5;
  int threshold = 3;
};
Status run_operator_init(Context& context, const InitOptions& options);
Status run_operator_unseal(Context& context, const std::string& share);
Status run_operator_seal(Context& context);
Status run_operator_status(Context& context);

}  // namespace caas::cli
