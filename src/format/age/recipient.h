// The two sides of an age recipient type (age spec, "Recipient stanza"): a Recipient wraps a
// file key into stanzas, an Identity unwraps it from the stanzas of a header. Implementations:
// X25519 (format/age/x25519.h) and scrypt (format/age/scrypt.h). Both are immutable after
// construction, so concurrent const use is safe.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "format/age/header.h"

namespace caas::format::age {

class Recipient {
 public:
  Recipient() = default;
  Recipient(const Recipient&) = delete;
  Recipient& operator=(const Recipient&) = delete;
  virtual ~Recipient() = default;

  // Stanzas carrying `file_key` for this recipient. Errors: the crypto's (a low-order key).
  virtual Result<std::vector<Stanza>> wrap(const FileKey& file_key) const = 0;

 protected:
  Recipient(Recipient&&) = default;
  Recipient& operator=(Recipient&&) = default;
};

class Identity {
 public:
  Identity() = default;
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;
  virtual ~Identity() = default;

  // The file key from the first stanza addressed to this identity. Stanzas of other types are
  // skipped (spec: identities MUST ignore unrecognized stanzas). Errors: kNotFound (no_match())
  // when no stanza unwraps; kInvalidArgument when a stanza of this type is malformed, which
  // ends decryption (the kit's "header failure").
  virtual Result<FileKey> unwrap(std::span<const Stanza> stanzas) const = 0;

 protected:
  Identity(Identity&&) = default;
  Identity& operator=(Identity&&) = default;
};

// The one "no identity matched" answer.
inline Status no_match() { return error(ErrorCode::kNotFound, "age: no identity matched"); }

}  // namespace caas::format::age
