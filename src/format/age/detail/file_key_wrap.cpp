#include "format/age/detail/file_key_wrap.h"

#include <array>

#include "crypto/chacha20_poly1305.h"

namespace caas::format::age::detail {
namespace {
constexpr std::array<std::uint8_t, 12> kZeroNonce{};
}  // namespace

Bytes seal_file_key(const crypto::SecretArray<32>& wrap_key, const FileKey& file_key) {
  Result<crypto::ChaCha20Poly1305> aead = crypto::ChaCha20Poly1305::create(wrap_key);
  CAAS_CHECK(aead.ok());  // a 32-byte key always schedules
  Bytes body(kWrappedFileKeyBytes);
  Status sealed =
      aead->seal_into(crypto::Nonce(kZeroNonce), file_key.expose(), crypto::Aad::none(), body);
  CAAS_CHECK(sealed.ok());  // sizes are fixed above
  return body;
}

Result<FileKey> open_file_key(const crypto::SecretArray<32>& wrap_key, ByteSpan body) {
  if (body.size() != kWrappedFileKeyBytes) {
    return invalid_argument("age stanza: body is not a 16-byte file key and its tag");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::ChaCha20Poly1305 aead, crypto::ChaCha20Poly1305::create(wrap_key));
  FileKey file_key;
  CAAS_TRY(aead.open_into(crypto::Nonce(kZeroNonce), body, crypto::Aad::none(),
                          file_key.expose_mutable()));
  return file_key;
}

}  // namespace caas::format::age::detail
