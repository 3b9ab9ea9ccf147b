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
Bytes seal(const crypto::SecretArray<32>& dek, const Binding& binding, ByteSpan plaintext,
           std::uint32_t segment_bytes) {
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
    std::size_t n =
        std::min<std::size_t>(plaintext.size(), 1 + crypto::random_uniform(3 * segment_bytes));
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
  CAAS_TRY(reader.read(begin, end, [&](ByteSpan bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return ok_status();
  }));
  return out;
}

struct Streamed {
  Status status;
  Bytes released;
};

// Decrypts with the streaming decryptor, feeding random chunk sizes.
Streamed decrypt_stream(ByteSpan container, const crypto::SecretArray<32>& dek,
                        const Binding& binding) {
  Streamed result;
  ContainerDecryptor decryptor(dek, binding, [&](ByteSpan bytes) {
    result.released.insert(result.released.end(), bytes.begin(), bytes.end());
    return ok_status();
  });
  while (!container.empty() && result.status.ok()) {
    std::size_t n = std::min<std::size_t>(container.size(), 1 + crypto::random_uniform(300));
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
      Sealed sealed = make(size, segment);
      Result<Bytes> whole = read_range(sealed.container, dek_, binding_, 0, size);
      ASSERT_TRUE(whole.ok()) << size << ": " << whole.status();
      EXPECT_EQ(*whole, sealed.plaintext) << size;
      Streamed streamed = decrypt_stream(sealed.container, dek_, binding_);
      ASSERT_TRUE(streamed.status.ok()) << size;
      EXPECT_EQ(streamed.released, sealed.plaintext) << size;
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
      ASSERT_TRUE(reader
                      ->read(a, b,
                             [&](ByteSpan bytes) {
                               out.insert(out.end(), bytes.begin(), bytes.end());
                               return ok_status();
                             })
                      .ok());
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
    ASSERT_TRUE(reader
                    ->read(a, b,
                           [&](ByteSpan bytes) {
                             out.insert(out.end(), bytes.begin(), bytes.end());
                             return ok_status();
                           })
                    .ok());
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
  for (std::size_t cut = 0; cut < sealed.container.size(); ++cut) {
    expect_rejected(ByteSpan(sealed.container).first(cut), sealed.plaintext,
                    "truncated to " + std::to_string(cut));
  }
  for (std::size_t extra : {1UL, 15UL, 16UL, 17UL, 80UL}) {
    Bytes extended = sealed.container;
    extended.resize(extended.size() + extra, 0);
    expect_rejected(extended, sealed.plaintext, "trailing " + std::to_string(extra));
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
  ContainerDecryptor decryptor(dek_, binding_, [&](ByteSpan bytes) {
    released.insert(released.end(), bytes.begin(), bytes.end());
    return ok_status();
  });
  ASSERT_TRUE(decryptor.write(sealed.container).ok());
  // The last full segment is held back: it may be the final one.
  EXPECT_EQ(released.size(), 4 * kSmall);
  EXPECT_FALSE(decryptor.plaintext_bytes().has_value());
  ASSERT_TRUE(decryptor.finish().ok());
  EXPECT_EQ(decryptor.plaintext_bytes(), 5 * kSmall);
  EXPECT_EQ(released, sealed.plaintext);
}

}  // namespace
}  // namespace caas::format
