// Random-access age decryption (src/format/age/range_reader.h): every range around the chunk
// boundaries equals the slice of a full decrypt, only covering chunks are read, and truncation,
// tampering and wrong identities fail.
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "format/age/age.h"
#include "format/age/range_reader.h"
#include "format/age/x25519.h"
#include "format/age_testing.h"

namespace caas::format::age {
namespace {

using testing::encrypt_to;
using testing::pattern;

std::size_t payload_start(ByteSpan file) {
  Result<ParsedHeader> parsed = read_header(file);
  CAAS_CHECK(parsed.ok());
  return parsed->header_bytes + kPayloadNonceBytes;
}

// A MemorySource that records every read.
class CountingSource final : public RandomAccessSource {
 public:
  explicit CountingSource(ByteSpan bytes) : inner_(bytes) {}
  [[nodiscard]] std::uint64_t size() const override { return inner_.size(); }
  Status read_at(std::uint64_t offset, MutableByteSpan out) override {
    reads.emplace_back(offset, out.size());
    return inner_.read_at(offset, out);
  }

  std::vector<std::pair<std::uint64_t, std::size_t>> reads;

 private:
  MemorySource inner_;
};

Result<RangeReader> open_with(RandomAccessSource& source, const Identity& identity) {
  std::vector<const Identity*> identities = {&identity};
  return RangeReader::open(source, identities);
}

Result<Bytes> read_range(RangeReader& reader, std::uint64_t begin, std::uint64_t end) {
  Bytes out;
  CAAS_TRY(reader.read(begin, end, [&out](ByteSpan bytes) {
    EXPECT_LE(bytes.size(), kChunkBytes);  // bounded: one chunk at a time
    out.insert(out.end(), bytes.begin(), bytes.end());
    return ok_status();
  }));
  return out;
}

Bytes slice(const Bytes& bytes, std::size_t begin, std::size_t end) {
  return {bytes.begin() + static_cast<std::ptrdiff_t>(begin),
          bytes.begin() + static_cast<std::ptrdiff_t>(end)};
}

// Offsets that exercise every boundary of a `size`-byte plaintext: each chunk edge +-1, the ends.
std::vector<std::size_t> boundaries(std::size_t size) {
  std::set<std::size_t> points = {0, 1, size / 2};
  for (std::size_t edge = 0; edge <= size + kChunkBytes; edge += kChunkBytes) {
    for (std::size_t p : {edge - 1, edge, edge + 1}) {
      points.insert(p);
    }
  }
  points.insert(size - 1);
  points.insert(size);
  std::vector<std::size_t> kept;
  for (std::size_t p : points) {
    if (p <= size) {  // drops the wrapped edge - 1 of edge 0 and anything past the end
      kept.push_back(p);
    }
  }
  return kept;
}

TEST(AgeRangeTest, EveryRangeEqualsTheSliceOfAFullDecrypt) {
  X25519Identity identity = X25519Identity::generate();
  std::vector<const Identity*> identities = {&identity};
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kChunkBytes - 1, kChunkBytes,
                           kChunkBytes + 1, 3 * kChunkBytes + 7}) {
    Bytes file = encrypt_to(identity.recipient(), pattern(size));
    Result<crypto::SecretBytes> full = decrypt(identities, file);
    ASSERT_TRUE(full.ok()) << size;
    Bytes plaintext(full->expose().begin(), full->expose().end());
    ASSERT_EQ(plaintext, pattern(size));

    MemorySource source(file);
    Result<RangeReader> reader = open_with(source, identity);
    ASSERT_TRUE(reader.ok()) << size << " " << reader.status();
    EXPECT_EQ(reader->plaintext_bytes(), size);
    std::vector<std::size_t> points = boundaries(size);
    for (std::size_t begin : points) {
      for (std::size_t end : points) {
        if (begin > end) {
          continue;
        }
        Result<Bytes> range = read_range(*reader, begin, end);
        ASSERT_TRUE(range.ok()) << size << " [" << begin << ", " << end << ")";
        EXPECT_EQ(*range, slice(plaintext, begin, end)) << size << " [" << begin << ", " << end;
      }
    }
    // Random ranges too, each on a fresh reader so that every covering chunk is read cold.
    std::mt19937_64 rng(size);
    for (int i = 0; i < 50; ++i) {
      auto a = static_cast<std::size_t>(rng() % (size + 1));
      auto b = static_cast<std::size_t>(rng() % (size + 1));
      MemorySource fresh_source(file);
      Result<RangeReader> fresh = open_with(fresh_source, identity);
      ASSERT_TRUE(fresh.ok());
      Result<Bytes> range = read_range(*fresh, std::min(a, b), std::max(a, b));
      ASSERT_TRUE(range.ok());
      EXPECT_EQ(*range, slice(plaintext, std::min(a, b), std::max(a, b))) << size << " " << a;
    }
  }
}

TEST(AgeRangeTest, ReadsOnlyTheCoveringChunks) {
  X25519Identity identity = X25519Identity::generate();
  const std::size_t chunks = 8;
  Bytes plaintext = pattern(chunks * kChunkBytes - 100);
  Bytes file = encrypt_to(identity.recipient(), plaintext);
  const std::size_t payload = payload_start(file);
  const std::size_t last_sealed = file.size() - payload - (chunks - 1) * kSealedChunkBytes;

  struct Case {
    std::size_t begin, end, first_chunk, last_chunk;
  };
  for (Case c : {Case{0, 1, 0, 0}, Case{2 * kChunkBytes + 5, 3 * kChunkBytes, 2, 2},
                 Case{kChunkBytes - 1, 3 * kChunkBytes + 1, 0, 3},
                 Case{5 * kChunkBytes, 6 * kChunkBytes + 1, 5, 6}}) {
    CountingSource source(file);
    Result<RangeReader> reader = open_with(source, identity);
    ASSERT_TRUE(reader.ok()) << reader.status();
    // open() reads the header (one short read here) and the final chunk only.
    ASSERT_EQ(source.reads.size(), 2U);
    EXPECT_EQ(source.reads[0].first, 0U);
    EXPECT_LT(source.reads[0].second, kChunkBytes);
    EXPECT_EQ(
        source.reads[1],
        std::make_pair(std::uint64_t{payload + (chunks - 1) * kSealedChunkBytes}, last_sealed));
    const std::uint64_t opened_bytes = reader->source_bytes_read();
    source.reads.clear();

    Result<Bytes> range = read_range(*reader, c.begin, c.end);
    ASSERT_TRUE(range.ok()) << range.status();
    EXPECT_EQ(*range, slice(plaintext, c.begin, c.end));
    ASSERT_EQ(source.reads.size(), c.last_chunk - c.first_chunk + 1) << c.begin;
    for (std::size_t i = 0; i < source.reads.size(); ++i) {
      const std::size_t chunk = c.first_chunk + i;
      EXPECT_EQ(source.reads[i], std::make_pair(std::uint64_t{payload + chunk * kSealedChunkBytes},
                                                kSealedChunkBytes));
    }
    EXPECT_EQ(reader->source_bytes_read() - opened_bytes, source.reads.size() * kSealedChunkBytes);
  }

  // The final chunk stays opened after open(), and a repeated read reads nothing more.
  CountingSource source(file);
  Result<RangeReader> reader = open_with(source, identity);
  ASSERT_TRUE(reader.ok());
  source.reads.clear();
  ASSERT_TRUE(read_range(*reader, plaintext.size() - 10, plaintext.size()).ok());
  EXPECT_TRUE(source.reads.empty());
  ASSERT_TRUE(read_range(*reader, 10, 20).ok());
  ASSERT_TRUE(read_range(*reader, 30, 40).ok());
  EXPECT_EQ(source.reads.size(), 1U);
}

TEST(AgeRangeTest, LongHeaderIsReadInGrowingPieces) {
  std::vector<X25519Identity> identities;
  std::vector<X25519Recipient> owned;
  std::vector<const Recipient*> recipients;
  identities.reserve(100);
  owned.reserve(100);
  recipients.reserve(100);
  for (int i = 0; i < 100; ++i) {  // about 10 KiB of stanzas
    identities.push_back(X25519Identity::generate());
    owned.push_back(identities.back().recipient());
  }
  for (const X25519Recipient& r : owned) {
    recipients.push_back(&r);
  }
  Bytes plaintext = pattern(kChunkBytes + 3);
  Result<Bytes> file = encrypt(recipients, plaintext);
  ASSERT_TRUE(file.ok());
  ASSERT_GT(payload_start(*file), 8192U);
  CountingSource source(*file);
  Result<RangeReader> reader = open_with(source, identities.back());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_GT(source.reads.size(), 3U);  // 4 KiB, 4 KiB more, 8 KiB more, then the final chunk
  Result<Bytes> range = read_range(*reader, 0, plaintext.size());
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(*range, plaintext);
}

TEST(AgeRangeTest, TruncatedFileFailsAtOpen) {
  X25519Identity identity = X25519Identity::generate();
  Bytes file = encrypt_to(identity.recipient(), pattern(2 * kChunkBytes + 50));
  const std::size_t payload = payload_start(file);
  const std::size_t header = payload - kPayloadNonceBytes;
  for (std::size_t size :
       {std::size_t{0}, header - 1, header, payload - 1, payload, payload + 15, payload + 16,
        payload + 100, payload + kSealedChunkBytes, payload + kSealedChunkBytes + 16,
        payload + 2 * kSealedChunkBytes, payload + 2 * kSealedChunkBytes + 16, file.size() - 1}) {
    MemorySource source(ByteSpan(file).first(size));
    Result<RangeReader> reader = open_with(source, identity);
    ASSERT_FALSE(reader.ok()) << size;
    ErrorCode expected =
        size < payload ? ErrorCode::kInvalidArgument : ErrorCode::kDecryptionFailed;
    EXPECT_EQ(reader.status().code(), expected) << size << " " << reader.status();
  }
  // Appended bytes move the final chunk, so they fail too.
  Bytes extended = file;
  extended.push_back(0);
  MemorySource source(extended);
  EXPECT_EQ(open_with(source, identity).status(), decryption_failed());
}

TEST(AgeRangeTest, FlippedByteInACoveringChunkFails) {
  X25519Identity identity = X25519Identity::generate();
  Bytes plaintext = pattern(3 * kChunkBytes + 7);
  Bytes file = encrypt_to(identity.recipient(), plaintext);
  const std::size_t payload = payload_start(file);
  for (std::size_t chunk = 0; chunk < 3; ++chunk) {
    Bytes tampered = file;
    tampered[payload + chunk * kSealedChunkBytes + 9] ^= 0x01;
    MemorySource source(tampered);
    Result<RangeReader> reader = open_with(source, identity);
    ASSERT_TRUE(reader.ok()) << chunk;  // only the final chunk is checked at open
    // Ranges that avoid the chunk still decrypt; one that covers it fails, having released only
    // the verified chunks before it.
    for (std::size_t other = 0; other < 4; ++other) {
      if (other != chunk) {
        std::size_t begin = other * kChunkBytes;
        Result<Bytes> range = read_range(*reader, begin, std::min(begin + 10, plaintext.size()));
        EXPECT_TRUE(range.ok()) << chunk << " " << other;
      }
    }
    Bytes released;
    Status status = reader->read(0, plaintext.size(), [&released](ByteSpan bytes) {
      released.insert(released.end(), bytes.begin(), bytes.end());
      return ok_status();
    });
    EXPECT_EQ(status, decryption_failed()) << chunk;
    EXPECT_EQ(released, slice(plaintext, 0, chunk * kChunkBytes)) << chunk;
  }
  // The final chunk, the payload nonce, or a chunk moved into the final place fail at open.
  for (std::size_t at : {file.size() - 1, payload - 1}) {
    Bytes tampered = file;
    tampered[at] ^= 0x01;
    MemorySource source(tampered);
    EXPECT_EQ(open_with(source, identity).status(), decryption_failed()) << at;
  }
  MemorySource cut(ByteSpan(file).first(payload + 3 * kSealedChunkBytes));
  EXPECT_EQ(open_with(cut, identity).status(), decryption_failed());
}

TEST(AgeRangeTest, WrongIdentityOrForgedHeaderFails) {
  X25519Identity identity = X25519Identity::generate();
  X25519Identity other = X25519Identity::generate();
  Bytes file = encrypt_to(identity.recipient(), pattern(100));
  MemorySource source(file);
  EXPECT_EQ(open_with(source, other).status().code(), ErrorCode::kNotFound);
  std::vector<const Identity*> none;
  EXPECT_EQ(RangeReader::open(source, none).status().code(), ErrorCode::kNotFound);

  // A forged MAC is an HMAC failure; a malformed header a header failure.
  Result<ParsedHeader> parsed = read_header(file);
  ASSERT_TRUE(parsed.ok());
  parsed->header.mac[0] ^= 0x01;
  Bytes forged = parsed->header.serialize();
  forged.insert(forged.end(), file.begin() + static_cast<std::ptrdiff_t>(parsed->header_bytes),
                file.end());
  MemorySource forged_source(forged);
  EXPECT_EQ(open_with(forged_source, identity).status(), decryption_failed());
  Bytes malformed = file;
  malformed[3] = 'X';  // "age-encryption.org/v1" → "ageXencryption.org/v1"
  MemorySource malformed_source(malformed);
  EXPECT_EQ(open_with(malformed_source, identity).status().code(), ErrorCode::kInvalidArgument);
}

TEST(AgeRangeTest, EmptyRangesAndRangesOutsideThePlaintext) {
  X25519Identity identity = X25519Identity::generate();
  Bytes file = encrypt_to(identity.recipient(), pattern(kChunkBytes + 5));
  CountingSource source(file);
  Result<RangeReader> reader = open_with(source, identity);
  ASSERT_TRUE(reader.ok());
  source.reads.clear();
  for (std::uint64_t at : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{kChunkBytes + 5}}) {
    Result<Bytes> range = read_range(*reader, at, at);
    ASSERT_TRUE(range.ok()) << at;
    EXPECT_TRUE(range->empty());
  }
  EXPECT_TRUE(source.reads.empty());
  const std::uint64_t size = reader->plaintext_bytes();
  EXPECT_EQ(read_range(*reader, 0, size + 1).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(read_range(*reader, size + 1, size + 1).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(read_range(*reader, 5, 4).status().code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(source.reads.empty());

  // An empty file has one empty final chunk and only the empty range.
  Bytes empty_file = encrypt_to(identity.recipient(), {});
  MemorySource empty_source(empty_file);
  Result<RangeReader> empty = open_with(empty_source, identity);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->plaintext_bytes(), 0U);
  EXPECT_TRUE(read_range(*empty, 0, 0).ok());
  EXPECT_EQ(read_range(*empty, 0, 1).status().code(), ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace caas::format::age
