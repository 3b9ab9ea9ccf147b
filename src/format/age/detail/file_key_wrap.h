// The body of the native stanzas (age spec, X25519 and scrypt stanzas): the file key sealed
// with ChaCha20-Poly1305 under a 32-byte wrap key and a nonce of 12 zero bytes (the key is
// single-use, derived per stanza, so the fixed nonce is safe).
#pragma once

#include "base/result.h"
#include "format/age/header.h"

namespace caas::format::age::detail {

inline constexpr std::size_t kWrappedFileKeyBytes = kFileKeyBytes + 16;  // key || tag

// 32 bytes: the sealed file key and its tag.
Bytes seal_file_key(const crypto::SecretArray<32>& wrap_key, const FileKey& file_key);

// Errors: kInvalidArgument unless `body` is 32 bytes (checked before any decryption: the spec
// requires it against partitioning oracles); kDecryptionFailed when the tag does not verify.
Result<FileKey> open_file_key(const crypto::SecretArray<32>& wrap_key, ByteSpan body);

}  // namespace caas::format::age::detail
