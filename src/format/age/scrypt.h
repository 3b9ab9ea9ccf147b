// scrypt passphrase recipients and identities (age spec, "The scrypt recipient type"). An
// scrypt stanza must be the only stanza of its header; Encryptor and Decryptor enforce that
// (format/age/age.h). Immutable; thread-safe for const use. scrypt is slow and memory-heavy by
// design (2^18 costs 256 MiB): run it off the I/O threads.
#pragma once

#include <cstdint>

#include "crypto/secret.h"
#include "format/age/recipient.h"

namespace caas::format::age {

inline constexpr std::string_view kScryptStanzaType = "scrypt";
inline constexpr std::uint32_t kScryptDefaultLog2N = 18;  // what age writes
// The largest work factor we read: age's own default limit. 2^22 with r = 8 needs 4 GiB and
// several seconds; a header may ask for more, and a reader must refuse (spec: SHOULD apply an
// upper limit). The kit's scrypt_work_factor_23 checks it.
inline constexpr std::uint32_t kScryptMaxLog2N = 22;

class ScryptRecipient final : public Recipient {
 public:
  // Errors: kInvalidArgument for an empty passphrase or log2_n outside 1..kScryptMaxLog2N.
  static Result<ScryptRecipient> create(crypto::SecretBytes passphrase,
                                        std::uint32_t log2_n = kScryptDefaultLog2N);

  ScryptRecipient(const ScryptRecipient&) = delete;
  ScryptRecipient& operator=(const ScryptRecipient&) = delete;
  ScryptRecipient(ScryptRecipient&&) = default;
  ScryptRecipient& operator=(ScryptRecipient&&) = default;
  ~ScryptRecipient() override = default;

  // One "scrypt" stanza with a fresh 16-byte salt.
  Result<std::vector<Stanza>> wrap(const FileKey& file_key) const override;

 private:
  ScryptRecipient(crypto::SecretBytes passphrase, std::uint32_t log2_n)
      : passphrase_(std::move(passphrase)), log2_n_(log2_n) {}

  crypto::SecretBytes passphrase_;
  std::uint32_t log2_n_;
};

class ScryptIdentity final : public Identity {
 public:
  // `max_log2_n` (at most kScryptMaxLog2N, checked) bounds the work factor a header may ask for.
  explicit ScryptIdentity(crypto::SecretBytes passphrase,
                          std::uint32_t max_log2_n = kScryptMaxLog2N);

  ScryptIdentity(const ScryptIdentity&) = delete;
  ScryptIdentity& operator=(const ScryptIdentity&) = delete;
  ScryptIdentity(ScryptIdentity&&) = default;
  ScryptIdentity& operator=(ScryptIdentity&&) = default;
  ~ScryptIdentity() override = default;

  // Errors as Identity::unwrap; an "scrypt" stanza is malformed unless it has exactly two
  // arguments (canonical base64 of a 16-byte salt; a work factor matching ^[1-9][0-9]*$ and
  // at most max_log2_n) and a 32-byte body. A wrong passphrase is kNotFound.
  Result<FileKey> unwrap(std::span<const Stanza> stanzas) const override;

 private:
  Result<FileKey> unwrap_one(const Stanza& stanza) const;

  crypto::SecretBytes passphrase_;
  std::uint32_t max_log2_n_;
};

}  // namespace caas::format::age
