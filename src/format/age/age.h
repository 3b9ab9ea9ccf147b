// age v1 encryption and decryption (age spec), streaming in bounded memory, and re-headering.
//
//   Encryptor: recipients → [header][nonce][chunks] to a ByteSink, plaintext pushed in pieces.
//   Decryptor: age file bytes pushed in pieces → verified plaintext to a ByteSink.
//
// Both borrow their recipients/identities only during create()/the header; neither is
// thread-safe; both are movable. After any error every later call returns that error, and the
// caller must discard what the sink received (for the Decryptor: plaintext released before a
// payload error was authenticated chunk by chunk, but the file as a whole is not).
//
// Error classes (the test kit's `expect:` values): kInvalidArgument = malformed header, stanza
// or missing payload nonce ("header failure"); kNotFound = no identity matched ("no match");
// kDecryptionFailed before header_authenticated() = wrong header MAC ("HMAC failure"), after it
// = a bad payload ("payload failure").
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "format/age/header.h"
#include "format/age/recipient.h"
#include "format/age/stream.h"

namespace caas::format::age {

class Encryptor {
 public:
  // Draws a fresh file key, wraps it for every recipient and sends the header to the sink.
  // Errors: kInvalidArgument for no recipients, or an scrypt stanza with any other (spec:
  // scrypt stanzas are alone); the recipients' and the sink's errors.
  static Result<Encryptor> create(std::span<const Recipient* const> recipients, ByteSink sink);

  Status write(ByteSpan plaintext) { return payload_.write(plaintext); }
  Status finish() { return payload_.finish(); }

 private:
  explicit Encryptor(PayloadEncryptor payload) : payload_(std::move(payload)) {}
  PayloadEncryptor payload_;
};

class Decryptor {
 public:
  // `identities` are tried in order on each header; they must outlive the header's processing
  // (in practice, the Decryptor).
  Decryptor(std::span<const Identity* const> identities, ByteSink sink);

  // Buffers the header (at most kMaxHeaderBytes), then unwraps the file key, checks the MAC and
  // streams the payload. Errors: see the classes above, and the sink's.
  Status write(ByteSpan bytes);
  // Errors: kInvalidArgument if the header or nonce is incomplete; the payload's (truncation).
  Status finish();

  // True once the header MAC verified under an unwrapped file key.
  [[nodiscard]] bool header_authenticated() const { return header_authenticated_; }

 private:
  Status write_header_bytes(ByteSpan& bytes);
  Status open_header(ByteSpan header_bytes);
  Status fail(Status status);

  std::vector<const Identity*> identities_;
  ByteSink sink_;
  Bytes pending_;              // header, then nonce, bytes not yet consumed
  std::size_t scan_from_ = 0;  // start of the last incomplete header line in pending_
  std::optional<FileKey> file_key_;
  std::optional<PayloadDecryptor> payload_;
  bool header_authenticated_ = false;
  std::optional<Status> failure_;
};

// Whole-buffer conveniences over the two classes.
Result<Bytes> encrypt(std::span<const Recipient* const> recipients, ByteSpan plaintext);
Result<crypto::SecretBytes> decrypt(std::span<const Identity* const> identities, ByteSpan file);

// The header at the start of `file` and its length in bytes. Errors: kInvalidArgument.
struct ParsedHeader {
  Header header;
  std::size_t header_bytes = 0;
};
Result<ParsedHeader> read_header(ByteSpan file);

// The file key of `header`, unwrapped by the first identity that matches, with the MAC checked.
// Errors as Decryptor (kInvalidArgument, kNotFound, kDecryptionFailed for the MAC).
Result<FileKey> unwrap_file_key(const Header& header, std::span<const Identity* const> identities);

// Re-headering: `header` with stanzas for `added` appended and a new MAC; the payload, keyed by
// the same file key, stays as it is. The old MAC must verify under `file_key`. Errors:
// kDecryptionFailed (wrong file key), kInvalidArgument (scrypt mixing, too many stanzas), the
// recipients' errors.
Result<Header> add_recipients(const Header& header, const FileKey& file_key,
                              std::span<const Recipient* const> added);

}  // namespace caas::format::age
