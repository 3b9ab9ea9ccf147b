// Known-answer vectors of tests/vectors/caas/ (written by the independent Python implementation
// from docs/FORMAT.md). Each file: "key: value" lines, an empty line, the container bytes.
// A success vector must decrypt to its payload hash through both readers, and our writer given
// the same DEK, binding, salt and nonce prefix must reproduce its bytes exactly; a failure
// vector must be rejected by both readers with the one error.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "format/container/decryptor.h"
#include "format/container/reader.h"
#include "format/container/writer.h"
#include "testing/vectors.h"

namespace caas::format {
namespace {

struct Vector {
  std::string name;
  std::map<std::string, std::string> fields;
  Bytes container;
};

Vector load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Vector vector{path.filename().string(), {}, {}};
  std::size_t at = 0;
  for (;;) {
    std::size_t eol = text.find('\n', at);
    CAAS_CHECK(eol != std::string::npos);
    std::string line = text.substr(at, eol - at);
    at = eol + 1;
    if (line.empty()) {
      break;
    }
    std::size_t colon = line.find(": ");
    CAAS_CHECK(colon != std::string::npos);
    vector.fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  vector.container = to_bytes(std::string_view(text).substr(at));
  return vector;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(const std::string& text) {
  std::array<std::uint8_t, N> out{};
  CAAS_CHECK(hex_decode_into(text, out).ok());
  return out;
}

Result<Bytes> decrypt_all(const Vector& v, const crypto::SecretArray<32>& dek,
                          const Binding& binding) {
  Bytes out;
  ContainerDecryptor decryptor(dek, binding, append_to(out));
  CAAS_TRY(decryptor.write(v.container));
  CAAS_TRY(decryptor.finish());
  return out;
}

Result<Bytes> read_range(const Vector& v, const crypto::SecretArray<32>& dek,
                         const Binding& binding, bool whole) {
  MemorySource source(v.container);
  CAAS_ASSIGN_OR_RETURN(ContainerReader reader, ContainerReader::open(source, dek, binding));
  std::uint64_t begin = 0;
  std::uint64_t end = reader.plaintext_bytes();
  if (!whole && v.fields.count("range") != 0) {
    std::istringstream range(v.fields.at("range"));
    range >> begin >> end;
  }
  Bytes out;
  CAAS_TRY(reader.read(begin, end, append_to(out)));
  return out;
}

Bytes reseal(const Vector& v, const crypto::SecretArray<32>& dek, const Binding& binding,
             ByteSpan plaintext) {
  Result<ContainerHeader> header = ContainerHeader::parse(v.container);
  CAAS_CHECK(header.ok());
  Bytes out;
  Result<ContainerWriter> writer = ContainerWriter::create_for_test(
      dek, binding, append_to(out), {.segment_bytes = header->segment_bytes}, *header);
  CAAS_CHECK(writer.ok());
  CAAS_CHECK(writer->write(plaintext).ok());
  CAAS_CHECK(writer->finish().ok());
  return out;
}

TEST(ContainerVectorsTest, EveryVectorGivesItsExpectedResult) {
  std::size_t successes = 0;
  std::size_t failures = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(caas::testing::vector_path("caas"))) {
    if (entry.path().extension() == ".md") {
      continue;
    }
    Vector v = load(entry.path());
    SCOPED_TRACE(v.name);
    auto dek = crypto::SecretArray<32>::copy_of(hex_array<32>(v.fields.at("dek")));
    Binding binding{hex_array<16>(v.fields.at("file id")), hex_array<16>(v.fields.at("owner id"))};
    const std::string& expect = v.fields.at("expect");
    if (expect == "success") {
      Result<Bytes> ranged = read_range(v, dek, binding, false);
      ASSERT_TRUE(ranged.ok()) << ranged.status();
      EXPECT_EQ(hex_encode(crypto::sha256(*ranged)), v.fields.at("payload"));
      Result<Bytes> whole = decrypt_all(v, dek, binding);
      ASSERT_TRUE(whole.ok()) << whole.status();
      EXPECT_EQ(*read_range(v, dek, binding, true), *whole);
      EXPECT_EQ(reseal(v, dek, binding, *whole), v.container) << "writer output differs";
      ++successes;
    } else {
      ASSERT_EQ(expect, "failure");
      // The random-access reader must refuse before releasing anything.
      MemorySource source(v.container);
      Result<ContainerReader> reader = ContainerReader::open(source, dek, binding);
      if (reader.ok()) {
        Bytes released;
        EXPECT_EQ(reader->read(0, reader->plaintext_bytes(), append_to(released)),
                  decryption_failed());
      } else {
        EXPECT_EQ(reader.status(), decryption_failed());
      }
      EXPECT_EQ(decrypt_all(v, dek, binding).status(), decryption_failed());
      ++failures;
    }
  }
  std::printf("vectors caas/: %zu ran (success %zu, failure %zu)\n", successes + failures,
              successes, failures);
  // The exact scenario set of tests/vectors/caas/README.md: losing a file must fail.
  EXPECT_EQ(successes, 12U);
  EXPECT_EQ(failures, 32U);
}

}  // namespace
}  // namespace caas::format
