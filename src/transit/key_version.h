// KeyVersionCipher: the operations of one unwrapped transit key version (docs/API.md,
// "Transit"): encrypt/decrypt, HMAC, sign/verify, each under the version's material.
//
// Ownership and thread safety: create() takes the material, parses it once (AEAD key schedule,
// Ed25519 key, RSA EVP_PKEY) and wipes its copy; the object is then logically immutable and
// shared as std::shared_ptr<const KeyVersionCipher> by every request that uses the version.
// All const members are safe to call concurrently. Internally, the OpenSSL AEAD contexts (not
// thread-safe, crypto/aead.h) sit in a small locked pool, so an encrypt schedules no key; the
// encryption counter is atomic.
//
// Blob layouts (the bytes inside "caas:v<N>:<base64>", transit/ciphertext.h):
// - AEADs: nonce || ciphertext || 16-byte tag, with a random 12-byte nonce (aes256-gcm,
//   chacha20-poly1305) or 24-byte nonce (xchacha20-poly1305);
// - rsa-3072: the 384-byte RSA-OAEP-SHA-256 ciphertext;
// - hmac: the 32-byte HMAC-SHA-256 tag; ed25519: the 64-byte signature; rsa-3072 signatures:
//   the 384-byte RSA-PSS-SHA-256 signature (32-byte salt).
//
// Binding: every encryption authenticates, as associated data (AEAD) or OAEP label, the
// length-prefixed (u32 big-endian) fields "caas/v1/transit", key name, version (u32 BE),
// context, associated data. A ciphertext therefore opens only under the same key name,
// version, context and associated data.
//
// Derived keys (can_derive types): the key for a context is HKDF-SHA-256 (RFC 5869) with the
// material as IKM, no salt, info = the length-prefixed fields "caas/v1/transit-derive", key
// name, context; 32 bytes. A context (1 to kMaxContextBytes bytes) is then required.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "crypto/rsa.h"
#include "crypto/secret.h"
#include "transit/key_material.h"
#include "transit/key_type.h"

namespace caas::transit {

inline constexpr std::size_t kMaxPlaintextBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxRsaPlaintextBytes =
    kRsaModulusBits / 8 - crypto::kRsaOaepSha256OverheadBytes;  // 318
inline constexpr std::size_t kMaxContextBytes = 4096;
// Random 96-bit nonces: at most 2^32 messages per key (NIST SP 800-38D §8.3).
inline constexpr std::uint64_t kMaxRandomNonceEncryptions = std::uint64_t{1} << 32;

class KeyVersionCipher {
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Parses `material` (transit/key_material.h) for a version of key `key_name`. Errors
  // (kInvalidArgument): an empty key name, version 0 or over kMaxKeyVersion, `derived` for a
  // type that cannot derive, material of the wrong size or not a 3072-bit PKCS#8 RSA key.
  static Result<std::shared_ptr<const KeyVersionCipher>> create(KeyType type, bool derived,
                                                                std::string key_name,
                                                                std::uint32_t version,
                                                                crypto::SecretBytes material);

  // Encrypts `plaintext` (AEAD and rsa-3072 keys) into the blob described above. Errors
  // (kInvalidArgument): a type that cannot encrypt; plaintext over kMaxPlaintextBytes (AEADs)
  // or kMaxRsaPlaintextBytes (rsa-3072); for a derived key an empty context (message starts
  // "context_required:") or one over kMaxContextBytes; for a non-derived key any context.
  // kResourceExhausted once aes256-gcm/chacha20-poly1305 reach kMaxRandomNonceEncryptions on
  // this object. Each call that gets past the argument checks counts in encryptions().
  Result<Bytes> encrypt(ByteSpan plaintext, ByteSpan context, ByteSpan associated_data) const;

  // Decrypts a blob from encrypt(). Every wrong key, version, context, associated data,
  // tampered, truncated or overlong blob gives the one decryption_failed(). Request-shape errors
  // that do not depend on the blob are as for encrypt() (kInvalidArgument: a type that cannot
  // encrypt, context missing/overlong for a derived key or present for a non-derived one).
  Result<crypto::SecretBytes> decrypt(ByteSpan blob, ByteSpan context,
                                      ByteSpan associated_data) const;

  // HMAC-SHA-256 of `input` under the key (hmac keys; the per-context key when derived).
  // Errors (kInvalidArgument): not an hmac key; context errors as for encrypt().
  Result<Bytes> hmac(ByteSpan input, ByteSpan context) const;
  // Whether `tag` is hmac(input, context), compared in constant time; false on any error.
  [[nodiscard]] bool verify_hmac(ByteSpan input, ByteSpan context, ByteSpan tag) const;

  // Pure Ed25519 (RFC 8032 §5.1.6) or RSA-PSS-SHA-256 with a 32-byte salt (RFC 8017 §8.1).
  // Errors: kInvalidArgument for a type that cannot sign; kInternal if OpenSSL fails.
  Result<Bytes> sign(ByteSpan input) const;
  // Whether `signature` is a valid signature of `input` by this version; false on any error.
  [[nodiscard]] bool verify(ByteSpan input, ByteSpan signature) const;

  // Base64 public key (transit/key_material.h, public_key_of); empty for symmetric types.
  [[nodiscard]] const std::string& public_key() const { return public_key_; }
  // Encryptions by this object since it was created (all threads).
  [[nodiscard]] std::uint64_t encryptions() const {
    return encryptions_.load(std::memory_order_relaxed);
  }

  [[nodiscard]] KeyType type() const { return type_; }
  [[nodiscard]] bool derived() const { return derived_; }
  [[nodiscard]] const std::string& key_name() const { return key_name_; }
  [[nodiscard]] std::uint32_t version() const { return version_; }

  // For create() only (std::make_shared needs a public constructor).
  KeyVersionCipher(PrivateTag /*tag*/, KeyType type, bool derived, std::string key_name,
                   std::uint32_t version);

 private:
  Status check_context(ByteSpan context) const;
  Bytes associated(ByteSpan context, ByteSpan associated_data) const;
  crypto::SecretArray<32> derive_key(ByteSpan context) const;
  Result<std::unique_ptr<crypto::Aead>> acquire_aead(ByteSpan context) const;
  void release_aead(std::unique_ptr<crypto::Aead> aead) const;
  Result<Bytes> encrypt_aead(ByteSpan plaintext, ByteSpan context, ByteSpan ad) const;
  Result<crypto::SecretBytes> decrypt_aead(ByteSpan blob, ByteSpan context, ByteSpan ad) const;

  const KeyType type_;
  const bool derived_;
  const std::string key_name_;
  const std::uint32_t version_;
  // AEAD and hmac keys: the key itself, or for derived keys the HKDF pseudorandom key
  // (RFC 5869 §2.2, extracted once).
  crypto::SecretArray<32> symmetric_key_;
  std::optional<crypto::Ed25519PrivateKey> ed25519_;
  std::optional<crypto::RsaPrivateKey> rsa_;
  std::optional<crypto::RsaPublicKey> rsa_public_;
  std::string public_key_;

  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<crypto::Aead>> pool_;  // non-derived AEADs only
  mutable std::atomic<std::uint64_t> encryptions_{0};
};

}  // namespace caas::transit
