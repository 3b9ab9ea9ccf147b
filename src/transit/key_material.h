// The secret of one transit key version, in the form the keyring stores (sealed by the barrier
// before it reaches the database), and what can be published about it.
//
// Material by type:
// - aes256-gcm, chacha20-poly1305, xchacha20-poly1305, hmac: 32 random bytes (the key itself,
//   or for derived keys the HKDF input keying material);
// - ed25519: the 32-byte seed (RFC 8032 §5.1.5);
// - rsa-3072: the PKCS#8 PrivateKeyInfo DER of the key (RFC 5208 §5).
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"
#include "transit/key_type.h"

namespace caas::transit {

inline constexpr std::size_t kSymmetricKeyBytes = 32;
inline constexpr unsigned kRsaModulusBits = 3072;

// Fresh material for a new version of a `type` key. Cannot fail except for an OpenSSL failure
// in RSA key generation (kInternal). rsa-3072 is slow (0.2 s to seconds): call it on a worker
// pool, never on an I/O thread.
Result<crypto::SecretBytes> generate_material(KeyType type);

// The public key of a version, base64 (padded, standard alphabet): the raw 32-byte public key
// for ed25519, the SubjectPublicKeyInfo DER for rsa-3072. Errors (kInvalidArgument): a
// symmetric type, or material that is not a valid key of `type` (wrong size, not a 3072-bit
// RSA key).
Result<std::string> public_key_of(KeyType type, ByteSpan material);

// A random data key for the datakey endpoints: `bits` must be 128, 256 or 512
// (kInvalidArgument otherwise).
Result<crypto::SecretBytes> new_data_key(unsigned bits);

}  // namespace caas::transit
