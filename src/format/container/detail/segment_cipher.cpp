#include "format/container/detail/segment_cipher.h"

#include <algorithm>

#include "base/check.h"
#include "crypto/hkdf.h"

namespace caas::format::detail {
namespace {

// FORMAT.md §4: the HKDF info string, 25 ASCII bytes.
constexpr std::string_view kPayloadKeyInfo = "caas container v1 payload";

}  // namespace

Result<SegmentCipher> SegmentCipher::create(const crypto::SecretArray<32>& dek,
                                            const ContainerHeader& header, const Binding& binding) {
  CAAS_ASSIGN_OR_RETURN(
      crypto::SecretArray<32> payload_key,
      crypto::hkdf_sha256_key(dek.expose(), header.salt, as_bytes(kPayloadKeyInfo)));
  CAAS_ASSIGN_OR_RETURN(crypto::Aes256Gcm aead, crypto::Aes256Gcm::create(payload_key));
  return SegmentCipher(std::move(aead), header, binding);
}

SegmentCipher::SegmentCipher(crypto::Aes256Gcm aead, const ContainerHeader& header,
                             const Binding& binding)
    : aead_(std::move(aead)), nonce_prefix_(header.nonce_prefix) {
  // FORMAT.md §5: aad = header || file_id || owner_id, the same for every segment.
  HeaderBytes header_bytes = header.serialize();
  auto at = std::copy(header_bytes.begin(), header_bytes.end(), aad_.begin());
  at = std::copy(binding.file_id.begin(), binding.file_id.end(), at);
  std::copy(binding.owner_id.begin(), binding.owner_id.end(), at);
}

std::array<std::uint8_t, 12> SegmentCipher::nonce(std::uint64_t index, bool last) const {
  // FORMAT.md §5: nonce_prefix (7) || uint32_be(index) (4) || last_flag (1).
  CAAS_CHECK(index < kMaxSegments);
  std::array<std::uint8_t, 12> nonce{};
  std::copy(nonce_prefix_.begin(), nonce_prefix_.end(), nonce.begin());
  store_be32(MutableByteSpan(nonce).subspan(kNoncePrefixBytes, 4),
             static_cast<std::uint32_t>(index));
  nonce[11] = last ? 1 : 0;
  return nonce;
}

Status SegmentCipher::seal(std::uint64_t index, bool last, ByteSpan plaintext,
                           MutableByteSpan out) {
  std::array<std::uint8_t, 12> n = nonce(index, last);
  return aead_.seal_into(crypto::Nonce(n), plaintext, crypto::Aad(aad_), out);
}

Status SegmentCipher::open(std::uint64_t index, bool last, ByteSpan segment, MutableByteSpan out) {
  std::array<std::uint8_t, 12> n = nonce(index, last);
  return aead_.open_into(crypto::Nonce(n), segment, crypto::Aad(aad_), out);
}

}  // namespace caas::format::detail
