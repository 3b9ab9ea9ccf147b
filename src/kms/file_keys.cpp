#include "kms/file_keys.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "base/base64.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"

namespace caas::kms {
namespace {

constexpr std::string_view kFilesKeyName = "files";
constexpr std::size_t kNonceBytes = crypto::XChaCha20Poly1305::kNonceBytes;

Result<crypto::XChaCha20Poly1305> kek_cipher(ByteSpan files_key, std::string_view holder_id) {
  std::string info = "caas/v1/files-kek|" + std::string(holder_id);
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> kek,
                        crypto::hkdf_sha256_key(files_key, {}, as_bytes(info)));
  return crypto::XChaCha20Poly1305::create(kek);
}

// Length-prefixed fields, so that no two bindings share an encoding.
std::string dek_aad(const DekBinding& binding, std::uint32_t version) {
  std::string aad = "caas/v1/dek";
  for (std::string_view field : {binding.file_id, binding.owner_id, binding.holder_id}) {
    aad += '|';
    aad += std::to_string(field.size());
    aad += ':';
    aad += field;
  }
  aad += "|v" + std::to_string(version);
  return aad;
}

}  // namespace

Dek new_dek() { return crypto::random_secret_array<kDekBytes>(); }

Result<std::string> wrap_dek(const Keyring& keyring, const Dek& dek, const DekBinding& binding) {
  CAAS_ASSIGN_OR_RETURN(KeyVersion files, keyring.latest(kFilesKeyName));
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, kek_cipher(files.key, binding.holder_id));
  Bytes out = crypto::random_bytes(kNonceBytes);
  out.resize(kNonceBytes + kDekBytes + crypto::kAeadTagBytes);
  std::string aad = dek_aad(binding, files.version);
  CAAS_TRY(aead.seal_into(crypto::Nonce(ByteSpan(out).first(kNonceBytes)), dek.expose(),
                          crypto::Aad(as_bytes(aad)), MutableByteSpan(out).subspan(kNonceBytes)));
  return "v" + std::to_string(files.version) + ":" + base64_encode(out);
}

Result<Dek> unwrap_dek(const Keyring& keyring, std::string_view wrapped,
                       const DekBinding& binding) {
  auto damaged = [] { return error(ErrorCode::kDataLoss, "a wrapped file key does not open"); };
  std::size_t colon = wrapped.find(':');
  std::uint32_t version = 0;
  if (!wrapped.starts_with('v') || colon == std::string_view::npos ||
      std::from_chars(wrapped.data() + 1, wrapped.data() + colon, version).ptr !=
          wrapped.data() + colon) {
    return damaged();
  }
  Result<Bytes> raw = base64_decode(wrapped.substr(colon + 1));
  Result<ByteSpan> files_key = keyring.key(kFilesKeyName, version);
  if (!raw.ok() || !files_key.ok() ||
      raw->size() != kNonceBytes + kDekBytes + crypto::kAeadTagBytes) {
    return damaged();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, kek_cipher(*files_key, binding.holder_id));
  ByteSpan all(*raw);
  std::string aad = dek_aad(binding, version);
  Dek dek;
  if (!aead.open_into(crypto::Nonce(all.first(kNonceBytes)), all.subspan(kNonceBytes),
                      crypto::Aad(as_bytes(aad)), dek.expose_mutable())
           .ok()) {
    return damaged();
  }
  return dek;
}

}  // namespace caas::kms
