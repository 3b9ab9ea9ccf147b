// The keys of zero-knowledge mode, derived on the client from the password so that the server
// never sees the password nor anything that opens the user's files:
//
//   salt        = SHA-256("caas/v1/kdf-salt|" ‖ canonical email)[0..16]   (known before login)
//   root        = Argon2id(password, salt, t = 3, m = 64 MiB, p = 1), 32 bytes
//   auth secret = HKDF-SHA-256(root, info "caas/v1/auth"), sent as the account password (hex)
//   master key  = HKDF-SHA-256(root, info "caas/v1/master-key"), never sent
//
// The server stores the auth secret only as its own Argon2id hash, so holding the database
// gives neither the password nor the master key. The master key wraps the user's age X25519
// identity with XChaCha20-Poly1305 (associated data: "caas/v1/identity|" ‖ the public key), and
// the wrap is kept on the server (PUT /v1/keys/me) so that a new device recovers it at login.
// The salt comes from the email rather than the server so that login needs no extra round trip
// and does not reveal which emails have accounts; the Argon2id cost is what slows guessing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hmac.h"
#include "crypto/secret.h"
#include "format/age/x25519.h"

namespace caas::cli {

struct KdfParams {
  std::uint32_t iterations = 3;
  std::uint32_t memory_kib = 64 * 1024;
  Bytes salt;  // 16 bytes

  friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

struct DerivedKeys {
  crypto::SecretBytes auth_secret;  // 64 lower-case hex characters: the password the server sees
  crypto::SecretArray<32> master_key;
};

// The parameters a new account gets: today's costs and the salt of `canonical_email`.
KdfParams default_kdf(std::string_view canonical_email);

// Errors: the Argon2id's (kInvalidArgument for parameters out of bounds, kResourceExhausted).
Result<DerivedKeys> derive_keys(ByteSpan password, const KdfParams& params);

// The "kdf" object of PUT /v1/keys/me, and back. Errors: kDataLoss for a kdf this client cannot
// use (another algorithm, parameters out of bounds, a salt that is not 16 bytes).
std::string kdf_to_json(const KdfParams& params);
Result<KdfParams> kdf_from_json(std::string_view json);

// base64(nonce ‖ XChaCha20-Poly1305(master key, identity string)).
Result<std::string> wrap_identity(const crypto::SecretArray<32>& master_key,
                                  const format::age::X25519Identity& identity);
// Errors: kDecryptionFailed (another password's master key, or a tampered wrap), kDataLoss.
Result<format::age::X25519Identity> unwrap_identity(const crypto::SecretArray<32>& master_key,
                                                    std::string_view wrapped,
                                                    std::string_view public_key);

// "SHA256:<unpadded base64 of SHA-256 of the age1… text>", as ssh shows host keys.
std::string key_fingerprint(std::string_view public_key);

// The tag upload compares to skip unchanged files without revealing equality to the server:
// "h1-" + hex(HMAC-SHA-256(HKDF(identity, "caas/v1/content-hash"), plaintext)). Feed the
// plaintext through update(), then finish().
class ContentHasher {
 public:
  explicit ContentHasher(const format::age::X25519Identity& identity);
  void update(ByteSpan bytes);
  std::string finish();

 private:
  crypto::HmacSha256 hmac_;
};

}  // namespace caas::cli
