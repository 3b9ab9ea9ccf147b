#include "format/age/range_reader.h"

#include <algorithm>
#include <array>

#include "format/age/age.h"
#include "format/age/detail/payload_crypto.h"

namespace caas::format::age {
namespace {

// The first header read. An X25519 header is about 250 bytes, so one read usually suffices; a
// longer header doubles the read until its MAC line ends (at most kMaxHeaderBytes).
constexpr std::size_t kFirstHeaderReadBytes = 4096;

using detail::chunk_nonce;
using detail::ChunkNonce;
using detail::payload_aead;

Status cut_before_payload() {
  // As Decryptor::finish(): the kit counts a file cut in the header or nonce a header failure.
  return invalid_argument("age: file ends before the payload");
}

// Reads from the start of `source` until `buffer` holds a whole header; returns its length.
// `buffer` keeps whatever the last read brought past the header. `bytes_read` counts the reads.
Result<std::size_t> read_header_bytes(RandomAccessSource& source, Bytes& buffer,
                                      std::uint64_t& bytes_read) {
  const std::uint64_t file_bytes = source.size();
  const std::size_t max_bytes = kMaxHeaderBytes + kPayloadNonceBytes;
  for (;;) {
    if (std::optional<std::size_t> end = find_header_end(buffer)) {
      return *end;
    }
    if (buffer.size() >= kMaxHeaderBytes) {
      return invalid_argument("age header: too large");
    }
    if (buffer.size() == file_bytes) {
      return cut_before_payload();
    }
    const std::size_t old_size = buffer.size();
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(
        {file_bytes - old_size, std::max(kFirstHeaderReadBytes, old_size), max_bytes - old_size}));
    buffer.resize(old_size + want);
    CAAS_TRY(source.read_at(old_size, MutableByteSpan(buffer).subspan(old_size)));
    bytes_read += want;
  }
}

}  // namespace

Result<RangeReader::Layout> RangeReader::layout_for(std::uint64_t payload_start,
                                                    std::uint64_t file_bytes) {
  // spec, "Payload": every chunk holds 64 KiB of plaintext but the final one, which is empty
  // only when the whole payload is. So the file size alone places every chunk.
  const std::uint64_t payload_bytes = file_bytes - payload_start;
  if (payload_bytes < kChunkTagBytes) {
    return decryption_failed();
  }
  Layout layout;
  layout.payload_start = payload_start;
  layout.chunks = (payload_bytes + kSealedChunkBytes - 1) / kSealedChunkBytes;
  layout.last_sealed_bytes = payload_bytes - (layout.chunks - 1) * kSealedChunkBytes;
  if (layout.last_sealed_bytes < kChunkTagBytes ||
      (layout.chunks > 1 && layout.last_sealed_bytes == kChunkTagBytes)) {
    return decryption_failed();  // a partial tag, or an empty final chunk after others
  }
  layout.plaintext_bytes = payload_bytes - layout.chunks * kChunkTagBytes;
  return layout;
}

Result<RangeReader> RangeReader::open(RandomAccessSource& source,
                                      std::span<const Identity* const> identities) {
  Bytes buffer;
  std::uint64_t bytes_read = 0;
  CAAS_ASSIGN_OR_RETURN(std::size_t header_bytes, read_header_bytes(source, buffer, bytes_read));
  CAAS_ASSIGN_OR_RETURN(Header header, Header::parse(ByteSpan(buffer).first(header_bytes)));
  // Unwraps the file key and checks the header MAC (spec, "Header MAC"), once for all reads.
  CAAS_ASSIGN_OR_RETURN(FileKey file_key, unwrap_file_key(header, identities));

  const std::uint64_t payload_start = std::uint64_t{header_bytes} + kPayloadNonceBytes;
  if (source.size() < payload_start) {
    return cut_before_payload();
  }
  PayloadNonce nonce{};
  if (buffer.size() >= payload_start) {
    std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(header_bytes), nonce.size(),
                nonce.begin());
  } else {
    CAAS_TRY(source.read_at(header_bytes, nonce));
    bytes_read += nonce.size();
  }
  CAAS_ASSIGN_OR_RETURN(Layout layout, layout_for(payload_start, source.size()));

  RangeReader reader(source, payload_aead(file_key, nonce), layout);
  reader.source_bytes_read_ = bytes_read;
  // As age's DecryptReaderAt: authenticate the final chunk before reporting any size or
  // answering any range, so a truncated or extended file fails here.
  CAAS_TRY(reader.open_chunk(layout.chunks - 1).status());
  return reader;
}

RangeReader::RangeReader(RandomAccessSource& source, crypto::ChaCha20Poly1305 aead,
                         const Layout& layout)
    : source_(&source),
      aead_(std::move(aead)),
      layout_(layout),
      ciphertext_(kSealedChunkBytes),
      plaintext_(kChunkBytes) {}

Result<std::size_t> RangeReader::open_chunk(std::uint64_t index) {
  const bool last = index + 1 == layout_.chunks;
  const std::size_t sealed_bytes =
      last ? static_cast<std::size_t>(layout_.last_sealed_bytes) : kSealedChunkBytes;
  const std::size_t length = sealed_bytes - kChunkTagBytes;
  if (opened_chunk_ == index) {
    return length;
  }
  opened_chunk_.reset();
  MutableByteSpan sealed = MutableByteSpan(ciphertext_).first(sealed_bytes);
  CAAS_TRY(source_->read_at(layout_.payload_start + index * kSealedChunkBytes, sealed));
  source_bytes_read_ += sealed_bytes;
  // The final chunk must carry the last flag, every other one must not (spec, "Payload").
  // open_into zeroes `out` unless the tag verifies.
  ChunkNonce nonce = chunk_nonce(index, last);
  MutableByteSpan out = plaintext_.expose_mutable().first(length);
  CAAS_TRY(aead_.open_into(crypto::Nonce(nonce), sealed, crypto::Aad::none(), out));
  opened_chunk_ = index;
  return length;
}

Status RangeReader::read(std::uint64_t begin, std::uint64_t end, const ByteSink& sink) {
  if (begin > end || end > layout_.plaintext_bytes) {
    return error(ErrorCode::kOutOfRange, "age: range outside the plaintext");
  }
  for (std::uint64_t at = begin; at < end;) {
    const std::uint64_t index = at / kChunkBytes;
    CAAS_ASSIGN_OR_RETURN(std::size_t length, open_chunk(index));
    const std::uint64_t chunk_start = index * kChunkBytes;
    const std::uint64_t from = at - chunk_start;
    const std::uint64_t to = std::min<std::uint64_t>(length, end - chunk_start);
    ByteSpan verified = plaintext_.expose().subspan(from, to - from);
    CAAS_TRY(sink(verified));
    at = chunk_start + to;
  }
  return ok_status();
}

}  // namespace caas::format::age
