// `caas age encrypt`: age -e's behaviour (cmd/age/age.go in age 1.1).
#include <optional>

#include "cli/age_commands.h"
#include "cli/age_keys.h"
#include "cli/armor_writer.h"
#include "cli/io.h"
#include "cli/passphrase.h"
#include "format/age/age.h"
#include "format/age/scrypt.h"

namespace caas::cli {
namespace {

using format::age::ByteSink;
using format::age::Recipient;

Result<RecipientList> passphrase_recipient() {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes passphrase, passphrase_for_encryption());
  CAAS_ASSIGN_OR_RETURN(auto scrypt, format::age::ScryptRecipient::create(std::move(passphrase)));
  RecipientList list;
  list.push_back(std::make_unique<format::age::ScryptRecipient>(std::move(scrypt)));
  return list;
}

Result<RecipientList> collect_recipients(const EncryptOptions& options) {
  bool keyed = !options.recipients.empty() || !options.recipient_files.empty();
  if (options.passphrase && keyed) {
    return invalid_argument(
        "-p/--passphrase can't be combined with -r/--recipient or -R/--recipients-file");
  }
  if (options.passphrase) {
    return passphrase_recipient();
  }
  if (!keyed) {
    return invalid_argument(
        "missing recipients; did you forget to specify -r/--recipient, -R/--recipients-file or "
        "-p/--passphrase?");
  }
  RecipientList list;
  for (const std::string& text : options.recipients) {
    CAAS_ASSIGN_OR_RETURN(auto recipient, parse_recipient(text));
    list.push_back(std::move(recipient));
  }
  for (const std::string& path : options.recipient_files) {
    CAAS_TRY(read_recipients_file(path, list));
  }
  return list;
}

// Input → Encryptor → (ArmorWriter →) output, through one kReadBytes plaintext buffer.
Status encrypt_stream(const RecipientList& recipients, Input& input, Output& output, bool armor) {
  std::optional<ArmorWriter> armored;
  ByteSink sink = [&output](ByteSpan bytes) { return output.write(bytes); };
  if (armor) {
    armored.emplace(std::move(sink));
    sink = [&armored](ByteSpan bytes) { return armored->write(bytes); };
  }
  std::vector<const Recipient*> pointers;
  for (const auto& recipient : recipients) {
    pointers.push_back(recipient.get());
  }
  CAAS_ASSIGN_OR_RETURN(auto encryptor, format::age::Encryptor::create(pointers, sink));
  crypto::SecretBytes buffer(kReadBytes);
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(std::size_t got, input.read(buffer.expose_mutable()));
    if (got == 0) {
      break;
    }
    CAAS_TRY(encryptor.write(buffer.expose().first(got)));
  }
  CAAS_TRY(encryptor.finish());
  return armored ? armored->finish() : ok_status();
}

}  // namespace

Status run_encrypt(const EncryptOptions& options) {
  CAAS_ASSIGN_OR_RETURN(RecipientList recipients, collect_recipients(options));
  Output output(options.output, false, 0666);
  if (!options.armor && output.is_terminal()) {
    return invalid_argument(
        "refusing to output binary to the terminal; did you mean to use -a/--armor?");
  }
  CAAS_ASSIGN_OR_RETURN(Input input, Input::open(options.input));
  Status status = encrypt_stream(recipients, input, output, options.armor);
  if (!status.ok()) {
    output.abandon();
    return status;
  }
  return output.close();
}

}  // namespace caas::cli
