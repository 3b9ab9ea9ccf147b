// `caas age keygen`: age-keygen's behaviour (cmd/age-keygen/keygen.go in age 1.1).
#include <cstdio>

#include "cli/age_commands.h"
#include "cli/age_keys.h"
#include "cli/io.h"
#include "format/age/x25519.h"

namespace caas::cli {
namespace {

using format::age::X25519Identity;

Status convert_identities(const KeygenOptions& options) {
  CAAS_ASSIGN_OR_RETURN(auto identities, read_identity_file(options.input));
  Output out(options.output, false, 0666);
  for (const X25519Identity& identity : identities) {
    CAAS_TRY(out.write(as_bytes(identity.recipient().to_string() + "\n")));
  }
  return out.close();
}

}  // namespace

Status run_keygen(const KeygenOptions& options) {
  if (options.convert) {
    return convert_identities(options);
  }
  if (!options.input.empty()) {
    return invalid_argument("an input file is only read with -y");
  }
  X25519Identity identity = X25519Identity::generate();
  // 0600 from the start: the file holds a secret key (age-keygen opens it the same way).
  Output out(options.output, true, 0600);
  CAAS_TRY(out.write(format_identity_file(identity).expose()));
  CAAS_TRY(out.close());
  if (!out.is_terminal()) {
    std::fprintf(stderr, "Public key: %s\n", identity.recipient().to_string().c_str());
  }
  return ok_status();
}

}  // namespace caas::cli
