// CAAS container v1: round trips, ranges, the tamper suite and the memory bound
// (docs/FORMAT.md). Vectors and the independent implementation are in container_vectors_test.cpp
// and test_container.py.
#include <algorithm>

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "format/container/decryptor.h"
#include "format/container/reader.h"
#include "format/container/writer.h"

namespace caas::format {
namespace {

constexpr std::uint32_t kSmall = 64;

struct Sealed {
  Bytes plaintext;
  Bytes container;
};

Binding random_binding() {
  Binding binding;
  crypto::random_fill(binding.file_id);
  crypto::random_fill(binding.owner_id);
  return binding;
}

// Seals `plaintext`, feeding it in random chunk sizes; checks that each sink call after the
// header is exactly one segment (the writer never accumulates).
// `chunk` 0 means random chunk sizes (up to 3 segments).
Bytes seal(const crypto::SecretArray<32>& dek, const Binding& binding, ByteSpan plaintext,
           std::uint32_t segment_bytes, std::size_t chunk = 0) {
  Bytes out;
  std::size_t calls = 0;
  auto sink = [&](ByteSpan bytes) {
    EXPECT_LE(bytes.size(), calls == 0 ? kHeaderBytes : segment_bytes + kTagBytes);
    ++calls;
    out.insert(out.end(), bytes.begin(), bytes.end());
    return ok_status();
  };
  Result<ContainerWriter> writer =
      ContainerWriter::create(dek, binding, sink, {.segment_bytes = segment_bytes});
  CAAS_CHECK(writer.ok());
  while (!plaintext.empty()) {
    std::size_t n = std::min<std::size_t>(
        plaintext.size(), chunk != 0 ? chunk : 1 + crypto::random_uniform(3 * segment_bytes));
    CAAS_CHECK(writer->write(plaintext.first(n)).ok());
    plaintext = plaintext.subspan(n);
  }
  CAAS_CHECK(writer->finish().ok());
  return out;
}

// Everything a ContainerReader releases for [begin, end), or its error.
Result<Bytes> read_range(ByteSpan container, const crypto::SecretArray<32>& dek,
                         const Binding& binding, std::uint64_t begin, std::uint64_t end) {
  MemorySource source(container);
  CAAS_ASSIGN_OR_RETURN(ContainerReader reader, ContainerReader::open(source, dek, binding));
  Bytes out;
  CAAS_TRY(reader.read(begin, end, append_to(out)));
  return out;
}

struct Streamed {
  Status status;
  Bytes released;
};

// Decrypts with the streaming decryptor, feeding random chunk sizes.
Streamed decrypt_stream(ByteSpan container, const crypto::SecretArray<32>& dek,
                        const Binding& binding, std::size_t chunk = 0) {
  Streamed result;
  ContainerDecryptor decryptor(dek, binding, append_to(result.released));
  while (!container.empty() && result.status.ok()) {
    std::size_t n = std::min<std::size_t>(container.size(),
                                          chunk != 0 ? chunk : 1 + crypto::random_uniform(300));
    result.status = decryptor.write(container.first(n));
    container = container.subspan(n);
  }
  if (result.status.ok()) {
    result.status = decryptor.finish();
  }
  if (result.status.ok()) {
    EXPECT_EQ(decryptor.plaintext_bytes(), result.released.size());
  } else {
    EXPECT_FALSE(decryptor.plaintext_bytes().has_value());
  }
  return result;
}

class ContainerTest : public ::testing::Test {
 protected:
  crypto::SecretArray<32> dek_ = crypto::random_secret_array<32>();
  Binding binding_ = random_binding();

  Sealed make(std::size_t size, std::uint32_t segment_bytes = kSmall) {
    Sealed sealed{crypto::random_bytes(size), {}};
    sealed.container = seal(dek_, binding_, sealed.plaintext, segment_bytes);
    return sealed;
  }

  // Asserts that `container` is rejected by both readers with the one error, and that nothing
  // either releases differs from the true plaintext (only segments that verified come out).
  void expect_rejected(ByteSpan container, ByteSpan plaintext, const Binding& binding,
                       const std::string& what) {
    Result<Bytes> whole = read_range(container, dek_, binding, 0, plaintext.size());
    EXPECT_EQ(whole.status(), decryption_failed()) << what;
    Streamed streamed = decrypt_stream(container, dek_, binding);
    EXPECT_EQ(streamed.status, decryption_failed()) << what;
    ASSERT_LE(streamed.released.size(), plaintext.size()) << what;
    EXPECT_TRUE(std::equal(streamed.released.begin(), streamed.released.end(), plaintext.begin()))
        << what << ": released bytes that are not the plaintext";
  }
  void expect_rejected(ByteSpan container, ByteSpan plaintext, const std::string& what) {
    expect_rejected(container, plaintext, binding_, what);
  }
};

TEST_F(ContainerTest, RoundTripsBoundarySizes) {
  for (std::uint32_t segment : {kSmall, kDefaultSegmentBytes}) {
    for (std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{segment} - 1, std::size_t{segment},
          std::size_t{segment} + 1, 3 * std::size_t{segment} + 7}) {
      // Fixed chunk patterns (1 byte, one segment, a segment and a byte, everything at once)
      // reach both the buffered and the zero-copy paths every run; 0 adds random chunks.
      for (std::size_t chunk : {std::size_t{1}, std::size_t{segment}, std::size_t{segment} + 1,
                                std::size_t{1} << 30, std::size_t{0}}) {
        if (chunk == 1 && segment == kDefaultSegmentBytes) {
          continue;  // byte-at-a-time over 192 KiB is slow and adds nothing over kSmall
        }
        Sealed sealed{crypto::random_bytes(size), {}};
        sealed.container = seal(dek_, binding_, sealed.plaintext, segment, chunk);
        const std::string what = std::to_string(size) + " in chunks of " + std::to_string(chunk);
        Result<Bytes> whole = read_range(sealed.container, dek_, binding_, 0, size);
        ASSERT_TRUE(whole.ok()) << what << ": " << whole.status();
        EXPECT_EQ(*whole, sealed.plaintext) << what;
        for (std::size_t in : {chunk, std::size_t{segment} + kTagBytes + 1}) {
          Streamed streamed = decrypt_stream(sealed.container, dek_, binding_, in);
          ASSERT_TRUE(streamed.status.ok()) << what;
          EXPECT_EQ(streamed.released, sealed.plaintext) << what;
        }
      }
    }
  }
}

TEST_F(ContainerTest, SizesFollowTheLayoutOfTheSpec) {
  EXPECT_EQ(make(0).container.size(), kMinContainerBytes);  // FORMAT.md §6: 68 bytes
  EXPECT_EQ(make(200).container.size(), 316U);              // the worked example of §6
  EXPECT_EQ(make(kSmall).container.size(), kHeaderBytes + kSmall + kTagBytes);
  EXPECT_EQ(make(kSmall + 1).container.size(), kHeaderBytes + kSmall + 1 + 2 * kTagBytes);
}

TEST_F(ContainerTest, RoundTripsARandomLargeSize) {
  const std::size_t size = 1 + crypto::random_uniform(64U << 20);
  Sealed sealed = make(size, kDefaultSegmentBytes);
  MemorySource source(sealed.container);
  Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->plaintext_bytes(), size);
  Bytes out;
  ASSERT_TRUE(reader
                  ->read(0, size,
                         [&](ByteSpan bytes) {
                           EXPECT_LE(bytes.size(), kDefaultSegmentBytes);
                           out.insert(out.end(), bytes.begin(), bytes.end());
                           return ok_status();
                         })
                  .ok());
  EXPECT_TRUE(out == sealed.plaintext) << "size " << size;
}

TEST_F(ContainerTest, EveryRangeOfAThreeSegmentFileEqualsTheSlice) {
  Sealed sealed = make(3 * kSmall + 7);
  MemorySource source(sealed.container);
  Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
  ASSERT_TRUE(reader.ok());
  const std::size_t size = sealed.plaintext.size();
  std::size_t ranges = 0;
  for (std::size_t a = 0; a <= size; ++a) {
    for (std::size_t b = a; b <= size; ++b) {
      Bytes out;
      ASSERT_TRUE(reader->read(a, b, append_to(out)).ok());
      ByteSpan slice = ByteSpan(sealed.plaintext).subspan(a, b - a);
      ASSERT_TRUE(std::equal(out.begin(), out.end(), slice.begin(), slice.end()) &&
                  out.size() == b - a)
          << "[" << a << ", " << b << ")";
      ++ranges;
    }
  }
  std::printf("container: %zu ranges of a %zu-byte file checked\n", ranges, size);
}

TEST_F(ContainerTest, RandomRangesOfALargeFileReadOnlyCoveringSegments) {
  Sealed sealed = make((8U << 20) + 12345, kDefaultSegmentBytes);
  const std::uint64_t stride = kDefaultSegmentBytes + kTagBytes;
  for (int i = 0; i < 100; ++i) {
    std::uint64_t a = crypto::random_uniform(static_cast<std::uint32_t>(sealed.plaintext.size()));
    std::uint64_t b =
        a + crypto::random_uniform(static_cast<std::uint32_t>(sealed.plaintext.size() - a) + 1);
    MemorySource source(sealed.container);
    Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
    ASSERT_TRUE(reader.ok());
    const std::uint64_t after_open = reader->source_bytes_read();
    Bytes out;
    ASSERT_TRUE(reader->read(a, b, append_to(out)).ok());
    ASSERT_TRUE(std::equal(out.begin(), out.end(),
                           sealed.plaintext.begin() + static_cast<std::ptrdiff_t>(a)));
    ASSERT_EQ(out.size(), b - a);
    const std::uint64_t covering =
        a == b ? 0 : (b - 1) / kDefaultSegmentBytes - a / kDefaultSegmentBytes + 1;
    EXPECT_LE(reader->source_bytes_read() - after_open, covering * stride) << a << " " << b;
  }
}

TEST_F(ContainerTest, RangeOutsideThePlaintextIsOutOfRange) {
  Sealed sealed = make(100);
  MemorySource source(sealed.container);
  Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
  ASSERT_TRUE(reader.ok());
  auto sink = [](ByteSpan) { return ok_status(); };
  EXPECT_EQ(reader->read(0, 101, sink).code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(reader->read(50, 40, sink).code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(reader->read(100, 100, sink).ok());
}

TEST_F(ContainerTest, EveryBitFlipFails) {
  Sealed sealed = make(2 * kSmall + 10);
  for (std::size_t bit = 0; bit < sealed.container.size() * 8; ++bit) {
    Bytes tampered = sealed.container;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    expect_rejected(tampered, sealed.plaintext, "bit " + std::to_string(bit));
  }
}

TEST_F(ContainerTest, EveryTruncationAndTrailingBytesFail) {
  Sealed sealed = make(3 * kSmall + 7);
  // The random-access reader knows the length: it must refuse in open(), before any byte.
  auto refused_at_open = [&](ByteSpan container) {
    MemorySource source(container);
    return ContainerReader::open(source, dek_, binding_).status() == decryption_failed();
  };
  for (std::size_t cut = 0; cut < sealed.container.size(); ++cut) {
    ByteSpan truncated = ByteSpan(sealed.container).first(cut);
    expect_rejected(truncated, sealed.plaintext, "truncated to " + std::to_string(cut));
    EXPECT_TRUE(refused_at_open(truncated)) << "truncated to " << cut;
  }
  for (std::size_t extra : {1UL, 15UL, 16UL, 17UL, 80UL}) {
    Bytes extended = sealed.container;
    extended.resize(extended.size() + extra, 0);
    expect_rejected(extended, sealed.plaintext, "trailing " + std::to_string(extra));
    EXPECT_TRUE(refused_at_open(extended)) << "trailing " << extra;
  }
}

TEST_F(ContainerTest, DroppedDuplicatedOrSwappedSegmentsFail) {
  Sealed sealed = make(4 * kSmall + 3);
  const std::size_t stride = kSmall + kTagBytes;
  auto segment = [&](std::size_t i) {
    auto begin = sealed.container.begin() + static_cast<std::ptrdiff_t>(kHeaderBytes + i * stride);
    return Bytes(begin,
                 std::min(begin + static_cast<std::ptrdiff_t>(stride), sealed.container.end()));
  };
  auto assemble = [&](std::initializer_list<std::size_t> order) {
    Bytes out(sealed.container.begin(), sealed.container.begin() + kHeaderBytes);
    for (std::size_t i : order) {
      Bytes s = segment(i);
      out.insert(out.end(), s.begin(), s.end());
    }
    return out;
  };
  ASSERT_EQ(assemble({0, 1, 2, 3, 4}), sealed.container);
  expect_rejected(assemble({0, 2, 3, 4}), sealed.plaintext, "dropped 1");
  expect_rejected(assemble({0, 1, 2, 3}), sealed.plaintext, "dropped last");
  expect_rejected(assemble({0, 1, 1, 2, 3, 4}), sealed.plaintext, "duplicated 1");
  expect_rejected(assemble({1, 0, 2, 3, 4}), sealed.plaintext, "swapped 0 and 1");
  expect_rejected(assemble({0, 1, 3, 2, 4}), sealed.plaintext, "swapped 2 and 3");
}

TEST_F(ContainerTest, ContainerOfFileAFailsAsFileBOrOtherOwnerOrKey) {
  Sealed sealed = make(150);
  Binding other_file = binding_;
  other_file.file_id[15] ^= 1;
  Binding other_owner = binding_;
  other_owner.owner_id[0] ^= 0x80;
  expect_rejected(sealed.container, sealed.plaintext, other_file, "other file id");
  expect_rejected(sealed.container, sealed.plaintext, other_owner, "other owner id");
  crypto::SecretArray<32> other_dek = crypto::random_secret_array<32>();
  EXPECT_EQ(read_range(sealed.container, other_dek, binding_, 0, 150).status(),
            decryption_failed());
}

TEST_F(ContainerTest, HeaderOfOneFileWithPayloadOfAnotherFails) {
  Sealed a = make(150);
  Sealed b = make(150);  // same DEK and binding, different salt and nonce prefix
  Bytes mixed(a.container.begin(), a.container.begin() + kHeaderBytes);
  mixed.insert(mixed.end(), b.container.begin() + kHeaderBytes, b.container.end());
  expect_rejected(mixed, a.plaintext, "header of a, payload of b");
  expect_rejected(mixed, b.plaintext, "header of a, payload of b");
}

TEST_F(ContainerTest, TwoSealsOfTheSamePlaintextDiffer) {
  Bytes plaintext = crypto::random_bytes(100);
  EXPECT_NE(seal(dek_, binding_, plaintext, kSmall), seal(dek_, binding_, plaintext, kSmall));
}

TEST_F(ContainerTest, WriterRejectsBadSegmentSizesAndMisuse) {
  auto sink = [](ByteSpan) { return ok_status(); };
  for (std::uint32_t bad : {0U, 32U, 100U, 1U << 25, 3U << 10}) {
    EXPECT_EQ(ContainerWriter::create(dek_, binding_, sink, {.segment_bytes = bad}).status().code(),
              ErrorCode::kInvalidArgument)
        << bad;
  }
  Result<ContainerWriter> writer = ContainerWriter::create(dek_, binding_, sink, {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->finish().ok());
  EXPECT_EQ(writer->write(as_bytes("late")).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(writer->finish().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(ContainerTest, SinkFailureStopsTheWriterForGood) {
  int calls = 0;
  auto failing = [&](ByteSpan) {
    return ++calls == 3 ? error(ErrorCode::kIo, "disk full") : ok_status();
  };
  Result<ContainerWriter> writer =
      ContainerWriter::create(dek_, binding_, failing, {.segment_bytes = kSmall});
  ASSERT_TRUE(writer.ok());
  Bytes data = crypto::random_bytes(10 * kSmall);
  Status status = writer->write(data);
  EXPECT_EQ(status.code(), ErrorCode::kIo);
  EXPECT_EQ(writer->write(data).code(), ErrorCode::kIo);
  EXPECT_EQ(writer->finish().code(), ErrorCode::kIo);
  EXPECT_EQ(calls, 3);
}

TEST_F(ContainerTest, DecryptorReportsSizeOnlyAfterTheFinalSegment) {
  Sealed sealed = make(5 * kSmall);
  Bytes released;
  ContainerDecryptor decryptor(dek_, binding_, append_to(released));
  ASSERT_TRUE(decryptor.write(sealed.container).ok());
  // The last full segment is held back: it may be the final one.
  EXPECT_EQ(released.size(), 4 * kSmall);
  EXPECT_FALSE(decryptor.plaintext_bytes().has_value());
  ASSERT_TRUE(decryptor.finish().ok());
  EXPECT_EQ(decryptor.plaintext_bytes(), 5 * kSmall);
  EXPECT_EQ(released, sealed.plaintext);
}

// Serves a container of 2^32-ish segments without storing it: the header, one real final
// segment at its offset, zeros elsewhere.
class SparseSource final : public RandomAccessSource {
 public:
  SparseSource(std::uint64_t size, Bytes header, std::uint64_t tail_offset, Bytes tail)
      : size_(size),
        header_(std::move(header)),
        tail_offset_(tail_offset),
        tail_(std::move(tail)) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  Status read_at(std::uint64_t offset, MutableByteSpan out) override {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    if (offset == 0 && out.size() == header_.size()) {
      std::copy(header_.begin(), header_.end(), out.begin());
    } else if (offset == tail_offset_ && out.size() == tail_.size()) {
      std::copy(tail_.begin(), tail_.end(), out.begin());
    }
    return ok_status();
  }

 private:
  std::uint64_t size_;
  Bytes header_;
  std::uint64_t tail_offset_;
  Bytes tail_;
};

TEST_F(ContainerTest, ExactlyTwoTo32SegmentsIsTheLimit) {
  ContainerHeader header;
  header.segment_bytes = kSmall;
  crypto::random_fill(header.salt);
  crypto::random_fill(header.nonce_prefix);
  HeaderBytes header_bytes = header.serialize();
  Result<detail::SegmentCipher> cipher = detail::SegmentCipher::create(dek_, header, binding_);
  ASSERT_TRUE(cipher.ok());
  const Bytes last_plaintext = to_bytes("final bytes");
  Bytes last(last_plaintext.size() + kTagBytes);
  ASSERT_TRUE(cipher->seal(kMaxSegments - 1, true, last_plaintext, last).ok());
  const std::uint64_t stride = kSmall + kTagBytes;
  const std::uint64_t tail_offset = kHeaderBytes + (kMaxSegments - 1) * stride;

  SparseSource at_limit(tail_offset + last.size(), Bytes(header_bytes.begin(), header_bytes.end()),
                        tail_offset, last);
  Result<ContainerReader> reader = ContainerReader::open(at_limit, dek_, binding_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->plaintext_bytes(), (kMaxSegments - 1) * kSmall + last_plaintext.size());
  Bytes out;
  ASSERT_TRUE(
      reader->read(reader->plaintext_bytes() - 5, reader->plaintext_bytes(), append_to(out)).ok());
  EXPECT_EQ(as_chars(out), "bytes");

  // One more segment is over the limit, whatever it holds.
  SparseSource over(tail_offset + stride + last.size(),
                    Bytes(header_bytes.begin(), header_bytes.end()), tail_offset + stride, last);
  EXPECT_EQ(ContainerReader::open(over, dek_, binding_).status(), decryption_failed());
}

TEST_F(ContainerTest, AbsurdReportedSizesAreRejectedWithoutOverflow) {
  Sealed sealed = make(10);
  Bytes header(sealed.container.begin(), sealed.container.begin() + kHeaderBytes);
  for (std::uint64_t size : {~std::uint64_t{0}, ~std::uint64_t{0} - kSmall, std::uint64_t{1} << 63,
                             (std::uint64_t{1} << 40) + 7}) {
    SparseSource source(size, header, 0, {});
    EXPECT_EQ(ContainerReader::open(source, dek_, binding_).status(), decryption_failed()) << size;
  }
  EXPECT_FALSE(segment_layout(~std::uint64_t{0}, kSmall).ok());
  EXPECT_FALSE(segment_layout(~std::uint64_t{0}, kMaxSegmentBytes).ok());
}

TEST_F(ContainerTest, WriterRefusesInputPastTwoTo32SegmentsBeforeConsumingIt) {
  Bytes out;
  auto sink = append_to(out);
  Result<ContainerWriter> full =
      ContainerWriter::create(dek_, binding_, sink, {.segment_bytes = kSmall});
  ASSERT_TRUE(full.ok());
  full->skip_segments_for_test(kMaxSegments - 1);
  Bytes one_segment(kSmall, 7);
  ASSERT_TRUE(full->write(one_segment).ok());  // exactly 2^32 * S in all: allowed
  ASSERT_TRUE(full->finish().ok());

  Result<ContainerWriter> over =
      ContainerWriter::create(dek_, binding_, sink, {.segment_bytes = kSmall});
  ASSERT_TRUE(over.ok());
  over->skip_segments_for_test(kMaxSegments - 1);
  Bytes too_much(kSmall + 1, 7);
  EXPECT_EQ(over->write(too_much).code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(over->finish().code(), ErrorCode::kOutOfRange);
}

// A source that fails its n-th read; a sink that fails its n-th call.
class FailingSource final : public RandomAccessSource {
 public:
  FailingSource(ByteSpan bytes, int fail_at) : inner_(bytes), fail_at_(fail_at) {}
  [[nodiscard]] std::uint64_t size() const override { return inner_.size(); }
  Status read_at(std::uint64_t offset, MutableByteSpan out) override {
    if (reads_++ == fail_at_) {
      return error(ErrorCode::kIo, "read failed on cue");
    }
    return inner_.read_at(offset, out);
  }

 private:
  MemorySource inner_;
  int fail_at_;
  int reads_ = 0;
};

TEST_F(ContainerTest, ReaderFailureMatrixPropagatesSourceAndSinkErrors) {
  Sealed sealed = make(4 * kSmall + 9);
  for (int step = 0;; ++step) {
    FailingSource source(sealed.container, step);
    Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
    Status status = reader.status();
    Bytes released;
    if (reader.ok()) {
      status = reader->read(0, sealed.plaintext.size(), append_to(released));
    }
    if (status.ok()) {
      EXPECT_EQ(released, sealed.plaintext);
      EXPECT_GE(step, 7);  // header, last segment, five segments
      break;
    }
    EXPECT_EQ(status.code(), ErrorCode::kIo) << "step " << step;  // an I/O error, not a forgery
    EXPECT_TRUE(std::equal(released.begin(), released.end(), sealed.plaintext.begin()));
  }
  for (int step = 0; step < 5; ++step) {
    MemorySource source(sealed.container);
    Result<ContainerReader> reader = ContainerReader::open(source, dek_, binding_);
    ASSERT_TRUE(reader.ok());
    int calls = 0;
    Status status = reader->read(0, sealed.plaintext.size(), [&](ByteSpan) {
      return calls++ == step ? error(ErrorCode::kUnavailable, "client went away") : ok_status();
    });
    EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << step;
    EXPECT_EQ(calls, step + 1) << "the reader went on after its sink failed";
  }
}

TEST_F(ContainerTest, DecryptorStopsAtItsSinksFailure) {
  Sealed sealed = make(4 * kSmall + 9);
  for (int step = 0; step < 5; ++step) {
    int calls = 0;
    ContainerDecryptor decryptor(dek_, binding_, [&](ByteSpan) {
      return calls++ == step ? error(ErrorCode::kUnavailable, "client went away") : ok_status();
    });
    Status status = decryptor.write(sealed.container);
    if (status.ok()) {
      status = decryptor.finish();
    }
    EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << step;
    EXPECT_EQ(calls, step + 1);
    EXPECT_EQ(decryptor.write(as_bytes("more")).code(), ErrorCode::kUnavailable);
    EXPECT_FALSE(decryptor.plaintext_bytes().has_value());
  }
}

TEST_F(ContainerTest, WriterFailureMatrixStopsAtEverySinkStep) {
  Bytes plaintext = crypto::random_bytes(4 * kSmall + 9);
  for (int step = 0; step < 6; ++step) {
    int calls = 0;
    Result<ContainerWriter> writer = ContainerWriter::create(
        dek_, binding_,
        [&](ByteSpan) {
          return calls++ == step ? error(ErrorCode::kIo, "disk full") : ok_status();
        },
        {.segment_bytes = kSmall});
    ASSERT_TRUE(writer.ok());
    Status status = writer->write(plaintext);
    if (status.ok()) {
      status = writer->finish();
    }
    EXPECT_EQ(status.code(), ErrorCode::kIo) << step;
    EXPECT_EQ(calls, step + 1) << "the writer went on after its sink failed";
  }
}

}  // namespace
}  // namespace caas::format
