// `caas age decrypt`: age -d's behaviour (cmd/age/age.go in age 1.1), including armor detection
// (age spec, "ASCII armor": a reader detects the BEGIN line after optional whitespace).
#include <algorithm>
#include <optional>
#include <string_view>

#include "cli/age_commands.h"
#include "cli/age_keys.h"
#include "cli/io.h"
#include "cli/passphrase.h"
#include "format/age/age.h"
#include "format/age/armor.h"
#include "format/age/scrypt.h"

namespace caas::cli {
namespace {

using format::age::Identity;

constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
// Armored input is decoded whole (format::age::armor_decode); armor is meant for small files.
// TODO(cli): stream the armor decoder too, and drop this bound.
constexpr std::size_t kMaxArmoredBytes = std::size_t{256} << 20;

bool is_space(std::uint8_t byte) {
  return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}

enum class Framing { kUnknown, kBinary, kArmored };

Framing classify(const Bytes& head, bool at_end) {
  auto first = std::find_if_not(head.begin(), head.end(), is_space);
  std::string_view rest =
      as_chars(ByteSpan(head).subspan(static_cast<std::size_t>(first - head.begin())));
  if (rest.size() >= kArmorBegin.size()) {
    return rest.starts_with(kArmorBegin) ? Framing::kArmored : Framing::kBinary;
  }
  if (!at_end && kArmorBegin.starts_with(rest)) {
    return Framing::kUnknown;
  }
  return Framing::kBinary;
}

// Reads into `head` until the framing is known and, for binary input, the header is complete
// (or the input ends, or the header bound is passed). Returns true at the end of the input.
Result<bool> read_head(Input& input, Bytes& head, Framing& framing) {
  Bytes buffer(kReadBytes);
  for (;;) {
    framing = classify(head, false);
    bool done = framing == Framing::kArmored ||
                (framing == Framing::kBinary && (format::age::find_header_end(head) ||
                                                 head.size() > format::age::kMaxHeaderBytes));
    if (done) {
      return false;
    }
    CAAS_ASSIGN_OR_RETURN(std::size_t got, input.read(buffer));
    if (got == 0) {
      framing = classify(head, true);
      return true;
    }
    head.insert(head.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
  }
}

// The rest of an armored input, decoded.
Result<Bytes> read_armored(Input& input, Bytes head) {
  Bytes buffer(kReadBytes);
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(std::size_t got, input.read(buffer));
    if (got == 0) {
      break;
    }
    if (head.size() + got > kMaxArmoredBytes) {
      return error(ErrorCode::kResourceExhausted, "armored input is too large");
    }
    head.insert(head.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
  }
  auto decoded = format::age::armor_decode(head);
  if (!decoded.ok()) {
    return invalid_argument("failed to read header: malformed armor");
  }
  return std::move(decoded).value();
}

// True when the (complete) header at the start of `bytes` has an scrypt stanza.
bool is_passphrase_encrypted(ByteSpan bytes) {
  auto end = format::age::find_header_end(bytes);
  if (!end) {
    return false;
  }
  auto header = format::age::Header::parse(bytes.first(*end));
  if (!header.ok()) {
    return false;
  }
  return std::any_of(header->stanzas.begin(), header->stanzas.end(), [](const auto& stanza) {
    return stanza.type == format::age::kScryptStanzaType;
  });
}

// The identities of the -i files, or the passphrase's for an scrypt file without -i.
Result<IdentityList> collect_identities(const DecryptOptions& options, ByteSpan head) {
  IdentityList list;
  for (const std::string& path : options.identity_files) {
    CAAS_ASSIGN_OR_RETURN(auto identities, read_identity_file(path));
    for (auto& identity : identities) {
      list.push_back(std::make_unique<format::age::X25519Identity>(std::move(identity)));
    }
  }
  if (list.empty() && is_passphrase_encrypted(head)) {
    CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes passphrase, passphrase_for_decryption());
    list.push_back(std::make_unique<format::age::ScryptIdentity>(std::move(passphrase)));
  }
  if (list.empty()) {
    return invalid_argument("missing identity file; did you forget to specify -i/--identity?");
  }
  return list;
}

// The age tool's wording for each failure class of the Decryptor (format/age/age.h).
Status explain(const Status& status, const format::age::Decryptor& decryptor, bool passphrase) {
  switch (status.code()) {
    case ErrorCode::kNotFound:
      return passphrase ? error(ErrorCode::kNotFound, "incorrect passphrase")
                        : error(ErrorCode::kNotFound, "no identity matched any of the recipients");
    case ErrorCode::kInvalidArgument:
      return invalid_argument("failed to read header: " + status.message());
    case ErrorCode::kDecryptionFailed:
      return decryptor.header_authenticated()
                 ? error(status.code(), "failed to decrypt and authenticate payload chunk")
                 : error(status.code(), "failed to read header: bad header MAC");
    default:
      return status;
  }
}

struct Pipeline {
  Input& input;
  Output& output;
  format::age::Decryptor decryptor;
};

Status pump(Pipeline& pipe, ByteSpan first, bool input_done) {
  CAAS_TRY(pipe.decryptor.write(first));
  Bytes buffer(kReadBytes);
  while (!input_done) {
    CAAS_ASSIGN_OR_RETURN(std::size_t got, pipe.input.read(buffer));
    input_done = got == 0;
    CAAS_TRY(pipe.decryptor.write(ByteSpan(buffer).first(got)));
  }
  return pipe.decryptor.finish();
}

Status decrypt_stream(const DecryptOptions& options, Input& input, Output& output) {
  Bytes head;
  Framing framing = Framing::kUnknown;
  CAAS_ASSIGN_OR_RETURN(bool input_done, read_head(input, head, framing));
  if (framing == Framing::kArmored) {
    CAAS_ASSIGN_OR_RETURN(head, read_armored(input, std::move(head)));
    input_done = true;
  }
  CAAS_ASSIGN_OR_RETURN(IdentityList identities, collect_identities(options, head));
  bool passphrase = options.identity_files.empty();
  std::vector<const Identity*> pointers;
  for (const auto& identity : identities) {
    pointers.push_back(identity.get());
  }
  Pipeline pipe{input, output, format::age::Decryptor(pointers, [&output](ByteSpan b) {
                  return output.write(b);
                })};
  Status status = pump(pipe, head, input_done);
  if (!status.ok() && status.code() != ErrorCode::kIo) {
    return explain(status, pipe.decryptor, passphrase);
  }
  return status;
}

}  // namespace

Status run_decrypt(const DecryptOptions& options) {
  CAAS_ASSIGN_OR_RETURN(Input input, Input::open(options.input));
  Output output(options.output, false, 0666);
  Status status = decrypt_stream(options, input, output);
  if (!status.ok()) {
    output.abandon();
    return status;
  }
  return output.close();
}

}  // namespace caas::cli
