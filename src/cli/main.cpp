// caas: the client of caasd, and a complete age tool. `caas --help` lists the commands; each
// has its own --help. Errors go to stderr as one line "caas: <message>"; the exit code says
// what kind of error it was (exit_codes.h, README "Exit codes").
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/age_commands.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace caas::cli {
namespace {

struct AgeCommands {
  CLI::App* keygen = nullptr;
  CLI::App* encrypt = nullptr;
  CLI::App* decrypt = nullptr;
  KeygenOptions keygen_options;
  EncryptOptions encrypt_options;
  DecryptOptions decrypt_options;
};

void add_keygen(CLI::App& age, AgeCommands& commands) {
  KeygenOptions& o = commands.keygen_options;
  commands.keygen = age.add_subcommand("keygen", "Generate an identity (as age-keygen)");
  commands.keygen->add_option("-o,--output", o.output, "Write to OUTPUT (created 0600)");
  commands.keygen->add_flag("-y", o.convert, "Print the recipients of the identity file INPUT");
  commands.keygen->add_option("input", o.input, "Identity file for -y (default: stdin)");
}

void add_encrypt(CLI::App& age, AgeCommands& commands) {
  EncryptOptions& o = commands.encrypt_options;
  CLI::App* cmd = age.add_subcommand("encrypt", "Encrypt INPUT to OUTPUT (as age -e)");
  cmd->add_option("-r,--recipient", o.recipients, "Encrypt to RECIPIENT (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-R,--recipients-file", o.recipient_files,
                  "Encrypt to the recipients listed at PATH (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("-p,--passphrase", o.passphrase,
                "Encrypt with a passphrase (terminal, or env CAAS_AGE_PASSPHRASE)");
  cmd->add_flag("-a,--armor", o.armor, "Encrypt to a PEM encoded format");
  cmd->add_option("-o,--output", o.output, "Write the result to OUTPUT (default: stdout)");
  cmd->add_option("input", o.input, "Input file (default: stdin)");
  commands.encrypt = cmd;
}

void add_decrypt(CLI::App& age, AgeCommands& commands) {
  DecryptOptions& o = commands.decrypt_options;
  CLI::App* cmd = age.add_subcommand("decrypt", "Decrypt INPUT to OUTPUT (as age -d)");
  cmd->add_option("-i,--identity", o.identity_files, "Use the identity file at PATH (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", o.output, "Write the result to OUTPUT (default: stdout)");
  cmd->add_option("input", o.input, "Input file (default: stdin)");
  commands.decrypt = cmd;
}

Status run_age(const AgeCommands& commands) {
  if (commands.keygen->parsed()) {
    return run_keygen(commands.keygen_options);
  }
  if (commands.encrypt->parsed()) {
    return run_encrypt(commands.encrypt_options);
  }
  return run_decrypt(commands.decrypt_options);
}

// Each command's options live as long as the parse; its action runs after parsing succeeded.
struct Commands {
  Context context;
  std::function<Status()> action;
  AgeCommands age;
  bool is_age = false;  // `caas age` keeps the age tool's convention: "caas age: …", exit 1
};

template <typename Options>
Options& options_for(CLI::App* command, Commands& commands,
                     std::function<Status(Context&, const Options&)> run) {
  auto options = std::make_shared<Options>();
  command->final_callback([&commands, options, run = std::move(run)] {
    commands.action = [&commands, options, run] { return run(commands.context, *options); };
  });
  // The shared_ptr in the callback keeps the options alive; the reference is for add_option.
  return *options;
}

void on_run(CLI::App* command, Commands& commands, std::function<Status(Context&)> run) {
  command->final_callback([&commands, run = std::move(run)] {
    commands.action = [&commands, run] { return run(commands.context); };
  });
}

void add_account_commands(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand("register", "Create an account (a code is mailed to you)");
  auto& reg = options_for<LoginOptions>(cmd, c, run_register);
  cmd->add_option("email", reg.email, "Your email address")->required();
  cmd->add_option("--otp", reg.otp, "The mailed code, for scripts (else asked)");

  cmd = app.add_subcommand("login", "Log in: password, then the mailed or authenticator code");
  auto& login = options_for<LoginOptions>(cmd, c, run_login);
  cmd->add_option("email", login.email, "Your email address")->required();
  cmd->add_option("--otp", login.otp, "The code, for scripts (else asked)");

  on_run(app.add_subcommand("logout", "End the session and forget the key on this device"), c,
         run_logout);
  on_run(app.add_subcommand("whoami", "Show who is logged in, and where"), c, run_whoami);

  cmd = app.add_subcommand("passwd", "Change your password (your key is re-wrapped)");
  auto& rewrap = options_for<bool>(
      cmd, c, [](Context& ctx, const bool& only) { return run_passwd(ctx, only); });
  cmd->add_flag("--rewrap", rewrap, "Only re-wrap this device's key under the current password");

  CLI::App* totp = app.add_subcommand("totp", "Use an authenticator app (TOTP) as second factor");
  totp->require_subcommand(1);
  on_run(totp->add_subcommand("enroll", "Show the secret and its QR code"), c, run_totp_enroll);
  cmd = totp->add_subcommand("confirm", "Turn TOTP on with a first code from the app");
  auto& code = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& otp) { return run_totp_confirm(ctx, otp); });
  cmd->add_option("code", code, "The code the app shows (else asked)");
}

void add_file_commands(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand("upload", "Upload a file (end-to-end encrypted by default)");
  auto& up = options_for<UploadOptions>(cmd, c, run_upload);
  cmd->add_option("path", up.local_path, "The local file")->required();
  cmd->add_option("remote", up.remote_path, "Where to put it (default: the file's name)");
  cmd->add_flag("--server-side", up.server_side,
                "Let the server encrypt it (server-side mode) instead of this machine");
  cmd->add_flag("-f,--force", up.force, "Upload even when the remote file has the same content");

  cmd = app.add_subcommand("download", "Download a file (decrypted on this machine)");
  auto& down = options_for<DownloadOptions>(cmd, c, run_download);
  cmd->add_option("remote", down.remote, "The remote path (or with --shared, the id)")->required();
  cmd->add_option("path", down.local_path, "Where to write it (default: its name; - for stdout)");
  cmd->add_flag("--shared", down.shared, "REMOTE is the id of a file shared with you");

  cmd = app.add_subcommand("ls", "List your files");
  auto& prefix = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& p) { return run_ls(ctx, p); });
  cmd->add_option("prefix", prefix, "Only paths starting with PREFIX");

  cmd = app.add_subcommand("rm", "Delete a file");
  auto& rm = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& p) { return run_rm(ctx, p); });
  cmd->add_option("remote", rm, "The remote path")->required();

  cmd = app.add_subcommand("share", "Let another user read a file");
  auto& share = options_for<ShareOptions>(cmd, c, run_share);
  cmd->add_option("remote", share.remote_path, "The remote path")->required();
  cmd->add_option("email", share.email, "Who may read it")->required();
  cmd->add_flag("--trust-new-key", share.trust_new_key,
                "Accept a key that changed since the last share with this user");

  cmd = app.add_subcommand("unshare", "Stop sharing a file with a user");
  auto& unshare = options_for<ShareOptions>(cmd, c, [](Context& ctx, const ShareOptions& o) {
    return run_unshare(ctx, o.remote_path, o.email);
  });
  cmd->add_option("remote", unshare.remote_path, "The remote path")->required();
  cmd->add_option("email", unshare.email, "The user")->required();

  on_run(app.add_subcommand("shared", "List the files others shared with you"), c, run_shared);

  cmd = app.add_subcommand("grants", "List who may read one of your files");
  auto& grants = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& p) { return run_grants(ctx, p); });
  cmd->add_option("remote", grants, "The remote path")->required();
}

void add_key_commands(CLI::App& app, Commands& c) {
  CLI::App* keys = app.add_subcommand("keys", "Your end-to-end key");
  keys->require_subcommand(1);
  on_run(keys->add_subcommand("export", "Print your age identity (for `age -d -i`)"), c,
         run_keys_export);
  CLI::App* cmd = keys->add_subcommand("show", "Show a public key and its fingerprint");
  auto& email = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& e) { return run_keys_show(ctx, e); });
  cmd->add_option("email", email, "Whose key (default: yours)");

  CLI::App* api_key = app.add_subcommand("api-key", "API keys for programs");
  api_key->require_subcommand(1);
  struct CreateOptions {
    std::string name;
    std::vector<std::string> scopes;
  };
  cmd = api_key->add_subcommand("create", "Create an API key (shown once)");
  auto& create = options_for<CreateOptions>(cmd, c, [](Context& ctx, const CreateOptions& o) {
    return run_api_key_create(ctx, o.name, o.scopes);
  });
  cmd->add_option("name", create.name, "A name to recognise it by")->required();
  cmd->add_option("-s,--scope", create.scopes,
                  "files:read, files:write, keys:read, transit:<key or *> (repeatable)")
      ->required()
      ->allow_extra_args(false);
  on_run(api_key->add_subcommand("ls", "List your API keys"), c, run_api_key_ls);
  cmd = api_key->add_subcommand("rm", "Revoke an API key");
  auto& id = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& i) { return run_api_key_rm(ctx, i); });
  cmd->add_option("id", id, "The key's id")->required();
}

void add_transit_commands(CLI::App& app, Commands& c) {
  CLI::App* transit = app.add_subcommand("transit", "Encryption as a service");
  transit->require_subcommand(1);
  struct Action {
    const char* name;
    const char* help;
    const char* data_help;  // nullptr: no DATA argument
  };
  static constexpr Action kActions[] = {
      {"create", "Create a key (--type, --derived)", nullptr},
      {"show", "Show a key's versions (no secrets)", nullptr},
      {"rotate", "Add a new key version", nullptr},
      {"encrypt", "Encrypt DATA (or stdin)", "The plaintext (default: stdin)"},
      {"decrypt", "Decrypt CIPHERTEXT to stdout", "The caas:v… ciphertext"},
      {"rewrap", "Re-encrypt CIPHERTEXT under the latest version", "The caas:v… ciphertext"},
      {"sign", "Sign DATA (or stdin)", "The message (default: stdin)"},
      {"verify", "Verify SIGNATURE over DATA (or stdin)", "The message (default: stdin)"},
      {"hmac", "HMAC of DATA (or stdin)", "The message (default: stdin)"},
      {"verify-hmac", "Verify --hmac over DATA (or stdin)", "The message (default: stdin)"},
  };
  for (const Action& action : kActions) {
    CLI::App* cmd = transit->add_subcommand(action.name, action.help);
    std::string name = action.name;
    auto& o = options_for<TransitOptions>(cmd, c, [name](Context& ctx, const TransitOptions& opts) {
      return run_transit(ctx, name, opts);
    });
    cmd->add_option("key", o.key, "The transit key's name")->required();
    if (action.data_help != nullptr) {
      cmd->add_option("data", o.data, action.data_help);
      cmd->add_option("--context", o.context, "Context of a derived key (text)");
    }
    if (name == "create") {
      cmd->add_option("--type", o.type,
                      "aes256-gcm, chacha20-poly1305, xchacha20-poly1305, ed25519, rsa-3072, hmac")
          ->capture_default_str();
      cmd->add_flag("--derived", o.derived, "Derive a key per context");
    }
    if (name == "verify") {
      cmd->add_option("--signature", o.signature, "The caas:v… signature")->required();
    }
    if (name == "verify-hmac") {
      cmd->add_option("--hmac", o.signature, "The caas:v… HMAC")->required();
    }
  }
  CLI::App* cmd = transit->add_subcommand("random", "Random bytes from the server, base64");
  auto& o = options_for<TransitOptions>(cmd, c, [](Context& ctx, const TransitOptions& opts) {
    return run_transit(ctx, "random", opts);
  });
  cmd->add_option("bytes", o.bytes, "How many (1-1024)")->capture_default_str();
}

void add_operator_commands(CLI::App& app, Commands& c) {
  CLI::App* op = app.add_subcommand("operator", "Initialize, unseal and seal the server");
  op->require_subcommand(1);
  CLI::App* cmd = op->add_subcommand("init", "Initialize: make the root key and its shares");
  auto& init = options_for<InitOptions>(cmd, c, run_operator_init);
  cmd->add_option("--shares", init.shares, "How many shares")->capture_default_str();
  cmd->add_option("--threshold", init.threshold, "How many open it")->capture_default_str();
  cmd = op->add_subcommand("unseal", "Give one unseal share");
  auto& share = options_for<std::string>(
      cmd, c, [](Context& ctx, const std::string& s) { return run_operator_unseal(ctx, s); });
  cmd->add_option("share", share, "The share (else asked, hidden)");
  on_run(op->add_subcommand("seal", "Seal the server (operator token in CAAS_TOKEN)"), c,
         run_operator_seal);
  on_run(op->add_subcommand("status", "Show whether the server is initialized and sealed"), c,
         run_operator_status);
}

void add_age_commands(CLI::App& app, Commands& c) {
  CLI::App* age = app.add_subcommand("age", "age v1 encryption (age-encryption.org/v1)");
  age->require_subcommand(1);
  add_keygen(*age, c.age);
  add_encrypt(*age, c.age);
  add_decrypt(*age, c.age);
  age->final_callback([&c] {
    c.is_age = true;
    c.action = [&c] { return run_age(c.age); };
  });
}

int main_impl(int argc, char** argv) {
  CLI::App app("caas: the client of caasd (files, sharing, keys, transit), and an age tool");
  app.require_subcommand(1);
  // Global flags may also follow the command (`caas ls --json`).
  app.fallthrough();
  Commands commands;
  app.add_option("--server", commands.context.server_flag,
                 "caasd's URL (else CAAS_SERVER, else the last login's, else " +
                     std::string(kDefaultServer) + ")");
  app.add_flag("--json", commands.context.json, "Print results as JSON, for scripts");
  add_account_commands(app, commands);
  add_file_commands(app, commands);
  add_key_commands(app, commands);
  add_transit_commands(app, commands);
  add_operator_commands(app, commands);
  add_age_commands(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (!commands.action) {
    return kExitUsage;
  }
  Status status = commands.action();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", commands.is_age ? "caas age" : "caas",
                 status.message().c_str());
    return commands.is_age ? kExitFailure : exit_code_for(status);
  }
  return kExitOk;
}

}  // namespace
}  // namespace caas::cli

// Our code does not throw; this catches what the libraries may (CLI11 while building the
// parser, std::bad_alloc), and ends the process with a message instead of std::terminate.
int main(int argc, char** argv) {
  try {
    return caas::cli::main_impl(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caas: %s\n", e.what());
    return 1;
  }
}
