#include "format/age/age.h"

#include <algorithm>

#include "crypto/random.h"
#include "format/age/scrypt.h"

namespace caas::format::age {
namespace {

// spec, "scrypt recipient stanza": an scrypt stanza MUST be the only stanza in the header.
Status check_scrypt_alone(std::span<const Stanza> stanzas) {
  bool has_scrypt = std::any_of(stanzas.begin(), stanzas.end(),
                                [](const Stanza& s) { return s.type == kScryptStanzaType; });
  if (has_scrypt && stanzas.size() > 1) {
    return invalid_argument("age header: an scrypt stanza must be the only stanza");
  }
  return ok_status();
}

Status wrap_all(std::span<const Recipient* const> recipients, const FileKey& file_key,
                std::vector<Stanza>& stanzas) {
  for (const Recipient* recipient : recipients) {
    CAAS_CHECK(recipient != nullptr);
    CAAS_ASSIGN_OR_RETURN(std::vector<Stanza> wrapped, recipient->wrap(file_key));
    for (Stanza& stanza : wrapped) {
      stanzas.push_back(std::move(stanza));
    }
  }
  if (stanzas.empty() || stanzas.size() > kMaxStanzas) {
    return invalid_argument("age: need 1 to 1024 recipient stanzas");
  }
  return check_scrypt_alone(stanzas);
}

// Where the header ends in `pending`, scanning only from the last incomplete line.
std::optional<std::size_t> find_end_from(const Bytes& pending, std::size_t& scan_from) {
  std::optional<std::size_t> end = find_header_end(ByteSpan(pending).subspan(scan_from));
  if (end) {
    return scan_from + *end;
  }
  auto last_lf =
      std::find(pending.rbegin(), pending.rend() - static_cast<std::ptrdiff_t>(scan_from),
                std::uint8_t{'\n'});
  scan_from = static_cast<std::size_t>(pending.rend() - last_lf);
  return std::nullopt;
}

}  // namespace

Result<Encryptor> Encryptor::create(std::span<const Recipient* const> recipients, ByteSink sink) {
  FileKey file_key = crypto::random_secret_array<kFileKeyBytes>();  // spec, "File key"
  Header header;
  CAAS_TRY(wrap_all(recipients, file_key, header.stanzas));
  header.mac = header_mac(file_key, header);
  CAAS_TRY(sink(header.serialize()));
  return Encryptor(PayloadEncryptor::create(file_key, std::move(sink)));
}

Decryptor::Decryptor(std::span<const Identity* const> identities, ByteSink sink)
    : identities_(identities.begin(), identities.end()), sink_(std::move(sink)) {}

Status Decryptor::fail(Status status) {
  failure_ = status;
  pending_.clear();
  file_key_.reset();
  return status;
}

Status Decryptor::write(ByteSpan bytes) {
  if (failure_) {
    return *failure_;
  }
  while (!payload_ && !bytes.empty()) {
    Status consumed = write_header_bytes(bytes);
    if (!consumed.ok()) {
      return fail(consumed);
    }
  }
  if (!payload_) {
    return ok_status();
  }
  Status written = payload_->write(bytes);
  return written.ok() ? written : fail(written);
}

// Moves bytes from `bytes` into pending_ (header and nonce together stay within the bound),
// opens the header once it is complete and starts the payload once the nonce is.
Status Decryptor::write_header_bytes(ByteSpan& bytes) {
  std::size_t room = kMaxHeaderBytes + kPayloadNonceBytes - pending_.size();
  std::size_t n = std::min(room, bytes.size());
  pending_.insert(pending_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
  bytes = bytes.subspan(n);
  if (!file_key_) {
    std::optional<std::size_t> end = find_end_from(pending_, scan_from_);
    if (!end) {
      return pending_.size() >= kMaxHeaderBytes ? invalid_argument("age header: too large")
                                                : ok_status();
    }
    CAAS_TRY(open_header(ByteSpan(pending_).first(*end)));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(*end));
  }
  if (pending_.size() < kPayloadNonceBytes) {
    return ok_status();
  }
  PayloadNonce nonce{};
  std::copy_n(pending_.begin(), kPayloadNonceBytes, nonce.begin());
  payload_.emplace(PayloadDecryptor::create(*file_key_, nonce, sink_));
  file_key_.reset();
  Bytes rest(pending_.begin() + kPayloadNonceBytes, pending_.end());
  pending_.clear();
  return payload_->write(rest);
}

Status Decryptor::open_header(ByteSpan header_bytes) {
  CAAS_ASSIGN_OR_RETURN(Header header, Header::parse(header_bytes));
  CAAS_ASSIGN_OR_RETURN(FileKey file_key, unwrap_file_key(header, identities_));
  file_key_.emplace(std::move(file_key));
  header_authenticated_ = true;
  return ok_status();
}

Status Decryptor::finish() {
  if (failure_) {
    return *failure_;
  }
  if (!payload_) {
    // The kit counts a file cut inside the header or the payload nonce as a header failure.
    return fail(invalid_argument("age: file ends before the payload"));
  }
  Status finished = payload_->finish();
  return finished.ok() ? finished : fail(finished);
}

Result<Bytes> encrypt(std::span<const Recipient* const> recipients, ByteSpan plaintext) {
  Bytes out;
  ByteSink sink = [&out](ByteSpan bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return ok_status();
  };
  CAAS_ASSIGN_OR_RETURN(Encryptor encryptor, Encryptor::create(recipients, sink));
  CAAS_TRY(encryptor.write(plaintext));
  CAAS_TRY(encryptor.finish());
  return out;
}

Result<crypto::SecretBytes> decrypt(std::span<const Identity* const> identities, ByteSpan file) {
  crypto::SecretBytes out;
  Decryptor decryptor(identities, [&out](ByteSpan bytes) {
    out.append(bytes);
    return ok_status();
  });
  CAAS_TRY(decryptor.write(file));
  CAAS_TRY(decryptor.finish());
  return out;
}

Result<ParsedHeader> read_header(ByteSpan file) {
  std::optional<std::size_t> end = find_header_end(file);
  if (!end) {
    return invalid_argument("age header: no mac line");
  }
  CAAS_ASSIGN_OR_RETURN(Header header, Header::parse(file.first(*end)));
  return ParsedHeader{std::move(header), *end};
}

Result<FileKey> unwrap_file_key(const Header& header, std::span<const Identity* const> identities) {
  CAAS_TRY(check_scrypt_alone(header.stanzas));
  for (const Identity* identity : identities) {
    CAAS_CHECK(identity != nullptr);
    Result<FileKey> file_key = identity->unwrap(header.stanzas);
    if (file_key.ok()) {
      // spec, "Header MAC": checked only now, with the unwrapped file key.
      CAAS_TRY(verify_header_mac(*file_key, header));
      return file_key;
    }
    if (file_key.status().code() != ErrorCode::kNotFound) {
      return file_key;
    }
  }
  return no_match();
}

Result<Header> add_recipients(const Header& header, const FileKey& file_key,
                              std::span<const Recipient* const> added) {
  CAAS_TRY(verify_header_mac(file_key, header));
  Header rewrapped;
  rewrapped.stanzas = header.stanzas;
  CAAS_TRY(wrap_all(added, file_key, rewrapped.stanzas));
  rewrapped.mac = header_mac(file_key, rewrapped);
  return rewrapped;
}

}  // namespace caas::format::age
