// CAAS container throughput and Range cost (docs/FORMAT.md §9, docs/PERFORMANCE.md).
//
//   container_bench sizes          encrypt/decrypt MB/s and a 4 KiB Range read per segment size
//   container_bench range GIB      a 4 KiB Range from the middle of a GIB-sized container on disk
//
// Single thread; medians of 5 runs. bench/container prints these beside openssl speed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "crypto/random.h"
#include "format/container/decryptor.h"
#include "format/container/reader.h"
#include "format/container/writer.h"

namespace caas::format {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A file read with pread, counting bytes, as a blob store would serve it.
class FileSource final : public RandomAccessSource {
 public:
  FileSource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  Status read_at(std::uint64_t offset, MutableByteSpan out) override {
    ssize_t n = pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n != static_cast<ssize_t>(out.size())) {
      return error(ErrorCode::kIo, "pread");
    }
    return ok_status();
  }

 private:
  int fd_;
  std::uint64_t size_;
};

constexpr std::size_t kFeedBytes = 1 << 20;  // plaintext arrives in 1 MiB writes

void bench_sizes() {
  const std::size_t total = 256U << 20;
  Bytes plaintext = crypto::random_bytes(total);
  auto dek = crypto::random_secret_array<32>();
  Binding binding;
  std::printf("%10s %12s %12s %14s %14s\n", "segment", "encrypt MB/s", "decrypt MB/s",
              "4KiB range us", "range bytes");
  for (std::uint32_t segment = 16U << 10; segment <= (4U << 20); segment *= 2) {
    std::vector<double> enc, dec, range_us;
    Bytes container;
    std::uint64_t range_bytes = 0;
    for (int run = 0; run < 5; ++run) {
      // Timed pass: the sink discards, as openssl speed does; then an untimed pass keeps the
      // container for the decryption and Range measurements.
      auto encrypt = [&](const ByteSink& sink) {
        auto writer = ContainerWriter::create(dek, binding, sink, {.segment_bytes = segment});
        for (std::size_t at = 0; at < total; at += kFeedBytes) {
          CAAS_CHECK(writer->write(ByteSpan(plaintext).subspan(at, kFeedBytes)).ok());
        }
        CAAS_CHECK(writer->finish().ok());
      };
      auto start = Clock::now();
      encrypt([](ByteSpan) { return ok_status(); });
      enc.push_back(total / seconds_since(start) / 1e6);
      container.clear();
      container.reserve(total + total / 100 + 4096);
      encrypt(append_to(container));

      std::uint64_t sum = 0;
      start = Clock::now();
      ContainerDecryptor decryptor(dek, binding, [&](ByteSpan b) {
        sum += b.size();
        return ok_status();
      });
      for (std::size_t at = 0; at < container.size(); at += kFeedBytes) {
        CAAS_CHECK(
            decryptor
                .write(ByteSpan(container).subspan(at, std::min(kFeedBytes, container.size() - at)))
                .ok());
      }
      CAAS_CHECK(decryptor.finish().ok() && sum == total);
      dec.push_back(total / seconds_since(start) / 1e6);

      MemorySource source(container);
      start = Clock::now();
      auto reader = ContainerReader::open(source, dek, binding);
      CAAS_CHECK(reader.ok());
      CAAS_CHECK(
          reader->read(total / 2, total / 2 + 4096, [](ByteSpan) { return ok_status(); }).ok());
      range_us.push_back(seconds_since(start) * 1e6);
      range_bytes = reader->source_bytes_read();
    }
    std::printf("%9u%s %12.0f %12.0f %14.1f %14llu\n",
                segment >= (1U << 20) ? segment >> 20 : segment >> 10,
                segment >= (1U << 20) ? "M" : "K", median(enc), median(dec), median(range_us),
                static_cast<unsigned long long>(range_bytes));
  }
}

void bench_range(std::uint64_t gib) {
  const std::uint64_t total = gib << 30;
  auto dek = crypto::random_secret_array<32>();
  Binding binding;
  char path[] = "/tmp/caas-container-bench-XXXXXX";
  int fd = mkstemp(path);
  CAAS_CHECK(fd >= 0);
  unlink(path);
  Bytes chunk = crypto::random_bytes(kFeedBytes);
  auto writer = ContainerWriter::create(dek, binding,
                                        [&](ByteSpan b) {
                                          return write(fd, b.data(), b.size()) ==
                                                         static_cast<ssize_t>(b.size())
                                                     ? ok_status()
                                                     : error(ErrorCode::kIo, "write");
                                        },
                                        {});
  for (std::uint64_t at = 0; at < total; at += kFeedBytes) {
    CAAS_CHECK(writer->write(chunk).ok());
  }
  CAAS_CHECK(writer->finish().ok());
  const auto size = static_cast<std::uint64_t>(lseek(fd, 0, SEEK_END));
  std::vector<double> us;
  std::uint64_t bytes = 0;
  for (int run = 0; run < 5; ++run) {
    FileSource source(fd, size);
    auto start = Clock::now();
    auto reader = ContainerReader::open(source, dek, binding);
    CAAS_CHECK(reader.ok());
    CAAS_CHECK(
        reader->read(total / 2, total / 2 + 4096, [](ByteSpan) { return ok_status(); }).ok());
    us.push_back(seconds_since(start) * 1e6);
    bytes = reader->source_bytes_read();
  }
  close(fd);
  std::printf(
      "range: 4 KiB from the middle of a %llu GiB container (segment %u KiB): "
      "%.1f us, %llu bytes read of %llu\n",
      static_cast<unsigned long long>(gib), kDefaultSegmentBytes >> 10, median(us),
      static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(size));
}

}  // namespace
}  // namespace caas::format

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "sizes";  // NOLINT
  if (mode == "range") {
    caas::format::bench_range(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);  // NOLINT
  } else {
    caas::format::bench_sizes();
  }
  return 0;
}
