#include "format/age/detail/payload_crypto.h"

#include <span>

#include "base/bytes.h"
#include "crypto/hkdf.h"

namespace caas::format::age::detail {

crypto::ChaCha20Poly1305 payload_aead(const FileKey& file_key, const PayloadNonce& nonce) {
  Result<crypto::SecretArray<32>> key =
      crypto::hkdf_sha256_key(file_key.expose(), nonce, as_bytes("payload"));
  CAAS_CHECK(key.ok());  // fails only for an overlong info, and ours is a constant
  Result<crypto::ChaCha20Poly1305> aead = crypto::ChaCha20Poly1305::create(*key);
  CAAS_CHECK(aead.ok());
  return std::move(aead).value();
}

ChunkNonce chunk_nonce(std::uint64_t counter, bool last) {
  ChunkNonce nonce{};
  store_be64(std::span(nonce).subspan(3, 8), counter);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

}  // namespace caas::format::age::detail
