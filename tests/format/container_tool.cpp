// container_tool: a command-line face of src/format/container for the interoperability tests
// (tests/format/test_container.py runs it against the independent Python implementation).
//
//   container_tool seal --dek HEX --file-id HEX --owner-id HEX [--segment-size N]
//                       [--salt HEX --nonce-prefix HEX] < plaintext > container
//   container_tool open --dek HEX --file-id HEX --owner-id HEX [--range A B] < container >
//   plaintext
//
// Exit 0 on success; 1 with "decryption failed" (or another error) on stderr; 2 for bad usage.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "base/hex.h"
#include "format/container/decryptor.h"
#include "format/container/reader.h"
#include "format/container/writer.h"

namespace {

using caas::Bytes;
using caas::ByteSpan;
using caas::Status;

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "container_tool: " << why << "\n";
  std::exit(2);
}

std::uint64_t number(const std::string& text, const char* what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    usage(std::string(what) + " must be a decimal number below 2^64");
  }
  return value;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(const std::string& text, const char* what) {
  std::array<std::uint8_t, N> out{};
  if (!caas::hex_decode_into(text, out).ok()) {
    usage(std::string(what) + " must be " + std::to_string(N) + " bytes of hex");
  }
  return out;
}

Status write_stdout(ByteSpan bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    return caas::error(caas::ErrorCode::kIo, "write to stdout failed");
  }
  return caas::ok_status();
}

// Reads standard input in fixed chunks, handing each to `consume`.
Status for_each_stdin_chunk(const std::function<Status(ByteSpan)>& consume) {
  std::vector<std::uint8_t> chunk(1 << 16);
  for (;;) {
    std::size_t n = std::fread(chunk.data(), 1, chunk.size(), stdin);
    if (n > 0) {
      CAAS_TRY(consume(ByteSpan(chunk).first(n)));
    }
    if (n < chunk.size()) {
      return std::ferror(stdin) ? caas::error(caas::ErrorCode::kIo, "read stdin failed")
                                : caas::ok_status();
    }
  }
}

Status seal(const std::map<std::string, std::vector<std::string>>& args,
            const caas::crypto::SecretArray<32>& dek, const caas::format::Binding& binding) {
  caas::format::ContainerWriter::Options options;
  if (args.count("--segment-size") != 0) {
    const std::uint64_t segment = number(args.at("--segment-size")[0], "--segment-size");
    if (segment > UINT32_MAX) {
      usage("--segment-size too large");
    }
    options.segment_bytes = static_cast<std::uint32_t>(segment);
  }
  caas::Result<caas::format::ContainerWriter> writer = caas::invalid_argument("unset");
  if (args.count("--salt") != 0 || args.count("--nonce-prefix") != 0) {
    if (args.count("--salt") == 0 || args.count("--nonce-prefix") == 0) {
      usage("--salt and --nonce-prefix go together");
    }
    caas::format::ContainerHeader header;
    header.salt = hex_array<caas::format::kSaltBytes>(args.at("--salt")[0], "--salt");
    header.nonce_prefix =
        hex_array<caas::format::kNoncePrefixBytes>(args.at("--nonce-prefix")[0], "--nonce-prefix");
    writer =
        caas::format::ContainerWriter::create_for_test(dek, binding, write_stdout, options, header);
  } else {
    writer = caas::format::ContainerWriter::create(dek, binding, write_stdout, options);
  }
  CAAS_TRY(writer.status());
  CAAS_TRY(for_each_stdin_chunk([&](ByteSpan chunk) { return writer->write(chunk); }));
  return writer->finish();
}

Status open(const std::map<std::string, std::vector<std::string>>& args,
            const caas::crypto::SecretArray<32>& dek, const caas::format::Binding& binding) {
  if (args.count("--range") == 0) {
    caas::format::ContainerDecryptor decryptor(dek, binding, write_stdout);
    CAAS_TRY(for_each_stdin_chunk([&](ByteSpan chunk) { return decryptor.write(chunk); }));
    return decryptor.finish();
  }
  Bytes container;
  CAAS_TRY(for_each_stdin_chunk(caas::format::append_to(container)));
  caas::format::MemorySource source(container);
  CAAS_ASSIGN_OR_RETURN(caas::format::ContainerReader reader,
                        caas::format::ContainerReader::open(source, dek, binding));
  const std::vector<std::string>& range = args.at("--range");
  return reader.read(number(range[0], "--range"), number(range[1], "--range"), write_stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);  // NOLINT
  if (words.empty() || (words[0] != "seal" && words[0] != "open")) {
    usage("usage: container_tool seal|open --dek HEX --file-id HEX --owner-id HEX ...");
  }
  std::map<std::string, std::vector<std::string>> args;
  for (std::size_t i = 1; i < words.size();) {
    const std::string& flag = words[i];
    const std::size_t values = flag == "--range" ? 2 : 1;
    if (flag.rfind("--", 0) != 0 || i + values >= words.size()) {
      usage("expected a flag with its value at " + flag);
    }
    auto first = words.begin() + static_cast<std::ptrdiff_t>(i + 1);
    args[flag] = std::vector<std::string>(first, first + static_cast<std::ptrdiff_t>(values));
    i += 1 + values;
  }
  for (const char* required : {"--dek", "--file-id", "--owner-id"}) {
    if (args.count(required) == 0) {
      usage(std::string("missing ") + required);
    }
  }
  auto dek_bytes = hex_array<32>(args.at("--dek")[0], "--dek");
  auto dek = caas::crypto::SecretArray<32>::copy_of(dek_bytes);
  caas::format::Binding binding{hex_array<16>(args.at("--file-id")[0], "--file-id"),
                                hex_array<16>(args.at("--owner-id")[0], "--owner-id")};
  Status status = words[0] == "seal" ? seal(args, dek, binding) : open(args, dek, binding);
  std::fflush(stdout);
  if (!status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  return 0;
}
