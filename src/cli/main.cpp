// caas: the client. For now one command, `caas age`, a complete age tool (issue 8):
//   caas age keygen [-o OUT] | keygen -y [IN]
//   caas age encrypt [-r RECIPIENT]... [-R FILE]... [-p] [-a] [-o OUT] [IN]
//   caas age decrypt [-i IDENTITY_FILE]... [-o OUT] [IN]
// Errors go to stderr as "caas age: <message>" with exit status 1; usage errors exit 2.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/age_commands.h"

namespace caas::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

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

Status run(const AgeCommands& commands) {
  if (commands.keygen->parsed()) {
    return run_keygen(commands.keygen_options);
  }
  if (commands.encrypt->parsed()) {
    return run_encrypt(commands.encrypt_options);
  }
  return run_decrypt(commands.decrypt_options);
}

int main_impl(int argc, char** argv) {
  CLI::App app("caas: the client of caas, and a complete age tool");
  app.require_subcommand(1);
  CLI::App* age = app.add_subcommand("age", "age v1 encryption (age-encryption.org/v1)");
  age->require_subcommand(1);
  AgeCommands commands;
  add_keygen(*age, commands);
  add_encrypt(*age, commands);
  add_decrypt(*age, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Status status = run(commands);
  if (!status.ok()) {
    std::fprintf(stderr, "caas age: %s\n", status.message().c_str());
    return kExitFailure;
  }
  return 0;
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
