// The keys of server-side file encryption (ARCHITECTURE.md, "Key hierarchy"):
//
//   user KEK (vN) = HKDF-SHA256(ikm = keyring "files" vN, salt = none,
//                               info = "caas/v1/files-kek|" || user UUID)
//
// A file's data key (DEK) is random per upload. It is stored only wrapped: XChaCha20-Poly1305
// under the KEK of whoever may open it (the owner, or a grantee), with a random 192-bit nonce
// and associated data binding file id, owner id, holder id and N. So a wrapped key copied onto
// another file row, another owner's row or another grantee's grant does not open, and rotating
// "files" needs no rewrap of old rows: each names its N. Text form: "v<N>:" base64(nonce ‖ ct ‖
// tag).
//
// KEKs are derived per call (one HKDF, about a microsecond) and never stored.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/secret.h"
#include "kms/keyring.h"

namespace caas::kms {

inline constexpr std::size_t kDekBytes = 32;
using Dek = crypto::SecretArray<kDekBytes>;

// Whose copy of which file's key this is.
struct DekBinding {
  std::string_view file_id;
  std::string_view owner_id;   // the file's owner
  std::string_view holder_id;  // whose KEK wraps it: the owner, or a grantee
};

// A fresh random data key.
Dek new_dek();

// Wraps `dek` under the holder's KEK of the latest "files" key version.
Result<std::string> wrap_dek(const Keyring& keyring, const Dek& dek, const DekBinding& binding);

// Errors: kDataLoss when the text is malformed, names an unknown key version or does not open
// under this binding (the caller reports the file as damaged).
Result<Dek> unwrap_dek(const Keyring& keyring, std::string_view wrapped, const DekBinding& binding);

}  // namespace caas::kms
