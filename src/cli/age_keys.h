// Key material for `caas age`, in the text forms of the age tool: recipients ("age1…", one per
// -r flag or one per line of an -R file), identity files (one "AGE-SECRET-KEY-1…" per line) and
// the identity file age-keygen writes. In both file forms empty lines and lines starting with
// "#" are comments. Not supported (cut): SSH keys, plugins, passphrase-protected identity files.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/secret.h"
#include "format/age/recipient.h"
#include "format/age/x25519.h"

namespace caas::cli {

// The largest identity or recipients file we read (age's own limit is of this order).
inline constexpr std::size_t kMaxKeyFileBytes = std::size_t{16} << 20;

using RecipientList = std::vector<std::unique_ptr<format::age::Recipient>>;
using IdentityList = std::vector<std::unique_ptr<format::age::Identity>>;

// One -r argument. Errors: kInvalidArgument ("unknown recipient type", "malformed recipient").
Result<std::unique_ptr<format::age::Recipient>> parse_recipient(std::string_view text);

// Appends the recipients of the file at `path` ("-" is stdin). Errors: kIo, kInvalidArgument
// naming the line, or a file with no recipient.
Status read_recipients_file(const std::string& path, RecipientList& out);

// The X25519 identities of the file at `path` ("-" is stdin). Errors: kIo, kInvalidArgument
// naming the line (never quoting it), or a file with no identity.
Result<std::vector<format::age::X25519Identity>> read_identity_file(const std::string& path);

// "# created: <RFC 3339>\n# public key: age1…\nAGE-SECRET-KEY-1…\n", in wiped memory.
crypto::SecretBytes format_identity_file(const format::age::X25519Identity& identity);

// The current time as RFC 3339 in UTC to the second ("2026-12-02T04:45:10Z").
std::string rfc3339_now();

}  // namespace caas::cli
