// Fuzzes the age header parser, the armor decoder and the whole decryptor with arbitrary bytes.
// Properties (besides no crash), after age's FuzzMalleability:
// - a header that parses serializes back to exactly its input bytes;
// - an armor that decodes is, up to the tolerated whitespace and CRLF, exactly what
//   armor_encode writes for the decoded bytes;
// - no plaintext is released unless the header MAC verified; and any input that decrypts
//   completely is exactly what our writer produces for that header, file key, nonce and
//   plaintext, i.e. no input the writer did not produce yields a whole plaintext.
// The identities are those of the C2SP CCTV kit, whose files seed fuzz/corpus/age_header/.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "format/age/age.h"
#include "format/age/armor.h"
#include "format/age/scrypt.h"
#include "format/age/x25519.h"

namespace {

using caas::Bytes;
using caas::ByteSpan;
using namespace caas::format::age;  // NOLINT(google-build-using-namespace): fuzz harness

void require(bool property) {
  if (!property) {
    std::abort();
  }
}

const std::vector<const Identity*>& fuzz_identities() {
  // The kit's X25519 identity and passphrase; scrypt capped at 2^10, the kit's work factor.
  static const X25519Identity kX25519 =
      std::move(X25519Identity::parse(
                    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")
                    .value());
  static const ScryptIdentity kScrypt(
      caas::crypto::SecretBytes::copy_of(caas::as_bytes("password")), 10);
  static const std::vector<const Identity*> kIdentities = {&kX25519, &kScrypt};
  return kIdentities;
}

void check_header_round_trip(ByteSpan input) {
  std::optional<std::size_t> end = find_header_end(input);
  if (!end) {
    return;
  }
  caas::Result<Header> header = Header::parse(input.first(*end));
  if (header.ok()) {
    Bytes serialized = header->serialize();
    require(std::equal(serialized.begin(), serialized.end(), input.begin(),
                       input.begin() + static_cast<std::ptrdiff_t>(*end)));
  }
}

// CRLF → LF and the whitespace around the block removed, as armor_decode tolerates.
std::string normalize_armor(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      out.push_back(text[i]);
    }
  }
  std::size_t begin = out.find_first_not_of(" \t\n\r\v\f");
  std::size_t end = out.find_last_not_of(" \t\n\r\v\f");
  return begin == std::string::npos ? std::string() : out.substr(begin, end - begin + 1) + "\n";
}

void check_armor(ByteSpan input) {
  caas::Result<Bytes> decoded = armor_decode(input);
  if (decoded.ok()) {
    require(armor_encode(*decoded) == normalize_armor(caas::as_chars(input)));
  }
}

Bytes reencrypt(ByteSpan input, ByteSpan plaintext) {
  caas::Result<ParsedHeader> parsed = read_header(input);
  require(parsed.ok());
  caas::Result<FileKey> file_key = unwrap_file_key(parsed->header, fuzz_identities());
  require(file_key.ok());
  PayloadNonce nonce{};
  std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(parsed->header_bytes), nonce.size(),
              nonce.begin());
  Bytes out = parsed->header.serialize();
  PayloadEncryptor encryptor =
      PayloadEncryptor::create_with_nonce_for_test(*file_key, nonce, [&out](ByteSpan bytes) {
        out.insert(out.end(), bytes.begin(), bytes.end());
        return caas::ok_status();
      });
  require(encryptor.write(plaintext).ok() && encryptor.finish().ok());
  return out;
}

void check_decrypt(ByteSpan input) {
  Bytes released;
  Decryptor decryptor(fuzz_identities(), [&released](ByteSpan bytes) {
    released.insert(released.end(), bytes.begin(), bytes.end());
    return caas::ok_status();
  });
  caas::Status status = decryptor.write(input);
  if (status.ok()) {
    status = decryptor.finish();
  }
  require(released.empty() || decryptor.header_authenticated());
  if (status.ok()) {
    Bytes expected = reencrypt(input, released);
    require(std::equal(expected.begin(), expected.end(), input.begin(), input.end()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteSpan input(data, size);
  check_header_round_trip(input);
  check_armor(input);
  check_decrypt(input);
  caas::Result<Bytes> dearmored = armor_decode(input);
  if (dearmored.ok()) {
    check_header_round_trip(*dearmored);
    check_decrypt(*dearmored);
  }
  return 0;
}
