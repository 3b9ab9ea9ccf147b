// KeyType: the kinds of transit key and what each can do (docs/API.md, "Transit").
//
// Capabilities are fixed per type:
// - encrypt/decrypt: the three AEADs and rsa-3072 (RSA-OAEP-SHA-256);
// - sign/verify: ed25519 (pure Ed25519) and rsa-3072 (RSA-PSS-SHA-256);
// - hmac/verify-hmac: only "hmac" keys. Vault lets every key HMAC; we keep one purpose per key
//   so that a key's material is never used by two algorithms;
// - derived (per-context subkeys, HKDF): the AEADs and hmac.
#pragma once

#include <optional>
#include <string_view>

namespace caas::transit {

enum class KeyType {
  kAes256Gcm,
  kChaCha20Poly1305,
  kXChaCha20Poly1305,
  kEd25519,
  kRsa3072,
  kHmac,
};

// Parses the API name ("aes256-gcm", "chacha20-poly1305", "xchacha20-poly1305", "ed25519",
// "rsa-3072", "hmac"); exact and case-sensitive. std::nullopt for anything else.
std::optional<KeyType> parse_key_type(std::string_view name);

// The API name of `type`, as parse_key_type accepts it.
std::string_view key_type_name(KeyType type);

[[nodiscard]] bool can_encrypt(KeyType type);
[[nodiscard]] bool can_sign(KeyType type);
[[nodiscard]] bool can_hmac(KeyType type);
[[nodiscard]] bool can_derive(KeyType type);

// True for the types whose random 96-bit nonces allow at most 2^32 encryptions per key
// (NIST SP 800-38D §8.3): aes256-gcm and chacha20-poly1305. The owner counts encryptions
// (KeyVersionCipher::encryptions()) and rotates before the bound.
[[nodiscard]] bool has_nonce_limit(KeyType type);

// Whether `type` is one of the three AEADs.
[[nodiscard]] bool is_aead(KeyType type);

}  // namespace caas::transit
