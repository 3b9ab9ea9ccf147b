// RSA keys (OpenSSL 3.0 EVP_PKEY), RSA-OAEP with SHA-256 (RFC 8017 §7.1) and RSA-PSS signatures
// with SHA-256 (RFC 8017 §8.1), for the transit service.
//
// RsaPrivateKey and RsaPublicKey are move-only owners of one EVP_PKEY each. Every import checks
// the key (see below), so a key object is always usable. Thread safety: the objects are
// immutable after construction and every operation builds its own EVP_PKEY_CTX or EVP_MD_CTX;
// OpenSSL 3.0 allows any number of threads to use one EVP_PKEY that way (openssl-threads(7); the
// blinding and Montgomery caches it builds lazily are locked inside the library). So concurrent
// const calls on one key are safe.
//
// Import policy, for every from_* function:
// - the modulus has 2048 to 16384 bits (kRsaMinModulusBits, kRsaMaxModulusBits; OpenSSL refuses
//   operations above 16384) and is odd;
// - the public exponent is odd with 65537 <= e < 2^256 (NIST SP 800-56B Rev. 2 §6.2.1);
// - a private key has two primes and all CRT values, consistent: n = p q,
//   e d = 1 mod lcm(p - 1, q - 1), dP = d mod (p - 1), dQ = d mod (q - 1), qInv q = 1 mod p
//   (RFC 8017 §3.2); multi-prime keys are refused;
// - only plain RSA keys (rsaEncryption); RSASSA-PSS-restricted keys, other algorithms and
//   encrypted private keys are refused;
// - DER must be exactly one structure with nothing after it; PEM is one block (text before and
//   after it is ignored, RFC 7468 §2). Inputs over kRsaMaxEncodedKeyBytes are refused unread.
// All import failures are kInvalidArgument.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ossl.h"
#include "crypto/secret.h"

namespace caas::crypto {

inline constexpr unsigned kRsaMinModulusBits = 2048;
inline constexpr unsigned kRsaMaxModulusBits = 16384;
inline constexpr std::size_t kRsaMaxEncodedKeyBytes = std::size_t{64} * 1024;
// RSA-OAEP with SHA-256 carries at most k - 2 * 32 - 2 bytes (RFC 8017 §7.1.1 step 1b).
inline constexpr std::size_t kRsaOaepSha256OverheadBytes = 2 * 32 + 2;
// RSA-PSS salt length: the digest length, as RFC 8017 §9.1 suggests and most verifiers expect.
inline constexpr std::size_t kRsaPssSaltBytes = 32;

class RsaPublicKey {
 public:
  // SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7, rsaEncryption per RFC 8017 Appendix A.1).
  static Result<RsaPublicKey> from_spki_der(ByteSpan der);
  // A PEM "PUBLIC KEY" block (RFC 7468 §13) holding SubjectPublicKeyInfo.
  static Result<RsaPublicKey> from_pem(std::string_view pem);

  RsaPublicKey(RsaPublicKey&&) noexcept = default;
  RsaPublicKey& operator=(RsaPublicKey&&) noexcept = default;
  RsaPublicKey(const RsaPublicKey&) = delete;
  RsaPublicKey& operator=(const RsaPublicKey&) = delete;
  ~RsaPublicKey() = default;

  [[nodiscard]] Bytes to_spki_der() const;
  [[nodiscard]] std::string to_pem() const;
  // Size of the modulus in bits, and in bytes (k, also the ciphertext and signature size).
  [[nodiscard]] unsigned bits() const;
  [[nodiscard]] std::size_t modulus_bytes() const;
  // The longest plaintext oaep_encrypt() takes: k - 66.
  [[nodiscard]] std::size_t max_oaep_plaintext_bytes() const;

  // Verifies an RSASSA-PSS signature (SHA-256, MGF1-SHA-256, exactly 32 bytes of salt). Errors:
  // the one decryption_failed() for any bad signature.
  [[nodiscard]] Status verify_pss(ByteSpan message, ByteSpan signature) const;

 private:
  friend class RsaPrivateKey;
  friend Result<Bytes> oaep_encrypt(const RsaPublicKey& key, ByteSpan plaintext, ByteSpan label);
  explicit RsaPublicKey(ossl::Ptr<EVP_PKEY> key) : key_(std::move(key)) {}

  ossl::Ptr<EVP_PKEY> key_;
};

class RsaPrivateKey {
 public:
  // A new key with e = 65537. `bits` must be 2048, 3072 or 4096 (kInvalidArgument otherwise).
  // Slow (0.2 s to several seconds): run it on a worker pool, never on an I/O thread.
  static Result<RsaPrivateKey> generate(unsigned bits);
  // Unencrypted PKCS#8 PrivateKeyInfo DER (RFC 5208 §5).
  static Result<RsaPrivateKey> from_pkcs8_der(ByteSpan der);
  // A PEM block "PRIVATE KEY" (PKCS#8, RFC 7468 §10) or "RSA PRIVATE KEY" (PKCS#1
  // RSAPrivateKey, RFC 8017 Appendix A.1.2), unencrypted. Taken as bytes because it is secret.
  static Result<RsaPrivateKey> from_pem(ByteSpan pem);

  RsaPrivateKey(RsaPrivateKey&&) noexcept = default;
  RsaPrivateKey& operator=(RsaPrivateKey&&) noexcept = default;
  RsaPrivateKey(const RsaPrivateKey&) = delete;
  RsaPrivateKey& operator=(const RsaPrivateKey&) = delete;
  ~RsaPrivateKey() = default;

  // PKCS#8 PrivateKeyInfo DER, and the same as PEM "PRIVATE KEY".
  [[nodiscard]] SecretBytes to_pkcs8_der() const;
  [[nodiscard]] SecretBytes to_pem() const;
  [[nodiscard]] RsaPublicKey public_key() const;
  [[nodiscard]] unsigned bits() const;

  // An RSASSA-PSS signature (SHA-256, MGF1-SHA-256, 32-byte salt), modulus_bytes() long.
  // Errors: kInternal if OpenSSL fails.
  [[nodiscard]] Result<Bytes> sign_pss(ByteSpan message) const;

 private:
  friend Result<SecretBytes> oaep_decrypt(const RsaPrivateKey& key, ByteSpan ciphertext,
                                          ByteSpan label);
  explicit RsaPrivateKey(ossl::Ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  // Applies the import policy to a freshly parsed key.
  static Result<RsaPrivateKey> adopt(ossl::Ptr<EVP_PKEY> key);

  ossl::Ptr<EVP_PKEY> key_;
};

// RSAES-OAEP encryption (RFC 8017 §7.1.1) with SHA-256 and MGF1-SHA-256; `label` may be empty.
// Errors: kInvalidArgument if the plaintext is longer than key.max_oaep_plaintext_bytes().
Result<Bytes> oaep_encrypt(const RsaPublicKey& key, ByteSpan plaintext, ByteSpan label);

// RSAES-OAEP decryption (RFC 8017 §7.1.2), same parameters. Errors: the one decryption_failed()
// for every bad ciphertext or label, whatever the cause, so that nothing reveals which check
// failed (Manger's attack, RFC 8017 §7.1.2 note).
Result<SecretBytes> oaep_decrypt(const RsaPrivateKey& key, ByteSpan ciphertext, ByteSpan label);

}  // namespace caas::crypto
