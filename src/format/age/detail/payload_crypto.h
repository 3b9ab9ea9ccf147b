// The two pieces of the age payload construction (spec, "Payload") that the streaming
// decryptor (stream.cpp) and the random-access reader (range_reader.cpp) share.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/chacha20_poly1305.h"
#include "format/age/stream.h"

namespace caas::format::age::detail {

using ChunkNonce = std::array<std::uint8_t, crypto::ChaCha20Poly1305::kNonceBytes>;

// payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload"), as a
// ChaCha20-Poly1305 instance.
crypto::ChaCha20Poly1305 payload_aead(const FileKey& file_key, const PayloadNonce& nonce);

// 11-byte big-endian chunk counter, then 0x01 for the final chunk, else 0x00.
ChunkNonce chunk_nonce(std::uint64_t counter, bool last);

}  // namespace caas::format::age::detail
