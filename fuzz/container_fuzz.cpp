// Fuzzes both container readers with arbitrary bytes under a fixed key and binding.
// Properties (besides no crash): the random-access reader and the streaming decryptor agree on
// success and on the plaintext; and any input that decrypts is exactly what our writer produces
// for that plaintext and header, i.e. no input the writer did not produce yields plaintext.
#include <cstdint>
#include <cstdlib>

#include "format/container/decryptor.h"
#include "format/container/reader.h"
#include "format/container/writer.h"

namespace {

using caas::Bytes;
using caas::ByteSpan;
using caas::Result;
using caas::Status;
using caas::format::Binding;

// The key and binding of the seed corpus (fuzz/corpus/container/ was made with container_tool
// under these values: dek 01 02 ... 20, file id 11 x 16, owner id 22 x 16).
const caas::crypto::SecretArray<32>& fuzz_dek() {
  static const auto kDek = [] {
    std::array<std::uint8_t, 32> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<std::uint8_t>(i + 1);
    }
    return caas::crypto::SecretArray<32>::copy_of(bytes);
  }();
  return kDek;
}

Binding fuzz_binding() {
  Binding binding;
  binding.file_id.fill(0x11);
  binding.owner_id.fill(0x22);
  return binding;
}

void require(bool property) {
  if (!property) {
    std::abort();
  }
}

Result<Bytes> read_random_access(ByteSpan input) {
  caas::format::MemorySource source(input);
  CAAS_ASSIGN_OR_RETURN(auto reader,
                        caas::format::ContainerReader::open(source, fuzz_dek(), fuzz_binding()));
  Bytes out;
  CAAS_TRY(reader.read(0, reader.plaintext_bytes(), caas::format::append_to(out)));
  return out;
}

Result<Bytes> read_streaming(ByteSpan input, std::size_t chunk) {
  Bytes out;
  caas::format::ContainerDecryptor decryptor(fuzz_dek(), fuzz_binding(),
                                             caas::format::append_to(out));
  while (!input.empty()) {
    std::size_t n = std::min(chunk, input.size());
    CAAS_TRY(decryptor.write(input.first(n)));
    input = input.subspan(n);
  }
  CAAS_TRY(decryptor.finish());
  return out;
}

Bytes reseal(ByteSpan input, ByteSpan plaintext) {
  auto header = caas::format::ContainerHeader::parse(input);
  require(header.ok());
  Bytes out;
  auto writer = caas::format::ContainerWriter::create_for_test(
      fuzz_dek(), fuzz_binding(), caas::format::append_to(out),
      {.segment_bytes = header->segment_bytes}, *header);
  require(writer.ok() && writer->write(plaintext).ok() && writer->finish().ok());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteSpan input(data, size);
  Result<Bytes> random_access = read_random_access(input);
  Result<Bytes> streamed = read_streaming(input, 1 + (size % 97));
  require(random_access.ok() == streamed.ok());
  if (!random_access.ok()) {
    require(random_access.status() == caas::decryption_failed());
    require(streamed.status() == caas::decryption_failed());
    return 0;
  }
  require(*random_access == *streamed);
  Bytes expected = reseal(input, *random_access);
  require(expected.size() == size && std::equal(expected.begin(), expected.end(), data));
  return 0;
}
