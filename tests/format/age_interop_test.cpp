// Interop with the reference `age` tool (Debian's age 1.1.x), both ways: files we write decrypt
// with `age -d`, files `age -e` writes decrypt with ours, keys from `age-keygen` work in ours,
// re-headered files decrypt for the old and the added recipient. Skipped, saying so, when
// /usr/bin/age is not installed. (Passphrase files are not covered: age reads passphrases only
// from a terminal.)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "format/age/age.h"
#include "format/age/armor.h"
#include "format/age/x25519.h"
#include "testing/random.h"
#include "testing/temp_dir.h"

namespace caas::format::age {
namespace {

constexpr const char* kAge = "/usr/bin/age";
constexpr const char* kAgeKeygen = "/usr/bin/age-keygen";

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, ByteSpan bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(as_chars(bytes).data(), static_cast<std::streamsize>(bytes.size()));
}

int run(const std::string& command) {
  return std::system((command + " 2>/dev/null").c_str());  // NOLINT(cert-env33-c): fixed paths
}

class AgeInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // scripts/install-deps installs Debian's age for make test: a missing tool is a broken
    // set-up, not a reason to pass without checking interop.
    ASSERT_TRUE(std::filesystem::exists(kAge) && std::filesystem::exists(kAgeKeygen))
        << "age interop: /usr/bin/age and /usr/bin/age-keygen are needed (apt-get install age)";
  }
  // Runs age-keygen; returns our parse of the identity it wrote to `name`.
  X25519Identity keygen(const std::string& name) {
    std::string path = dir_.file(name);
    CAAS_CHECK(run(std::string(kAgeKeygen) + " -o '" + path + "'") == 0);
    std::ifstream in(path);
    std::string line;
    std::string public_key;
    while (std::getline(in, line)) {
      if (line.starts_with("# public key: ")) {
        public_key = line.substr(14);
      } else if (line.starts_with("AGE-SECRET-KEY-1")) {
        Result<X25519Identity> identity = X25519Identity::parse(line);
        CAAS_CHECK(identity.ok());
        EXPECT_EQ(identity->recipient().to_string(), public_key);
        return std::move(identity).value();
      }
    }
    CAAS_CHECK(false);
    return X25519Identity::generate();
  }
  Result<Bytes> age_decrypt(ByteSpan file, const std::string& key_name) {
    write_file(dir_.file("in.age"), file);
    if (run(std::string(kAge) + " -d -i '" + dir_.file(key_name) + "' -o '" + dir_.file("out") +
            "' '" + dir_.file("in.age") + "'") != 0) {
      return invalid_argument("age -d failed");
    }
    return read_file(dir_.file("out"));
  }

  testing::TempDir dir_;
  std::mt19937 rng_{8};
};

TEST_F(AgeInteropTest, OurFilesDecryptWithAge) {
  X25519Identity identity = keygen("key.txt");
  X25519Identity other = X25519Identity::generate();
  X25519Recipient mine = identity.recipient();
  X25519Recipient theirs = other.recipient();
  std::vector<const Recipient*> recipients = {&theirs, &mine};
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kChunkBytes - 1, kChunkBytes,
                           kChunkBytes + 1, 3 * kChunkBytes + 17}) {
    Bytes plaintext = testing::random_bytes(rng_, size);
    Result<Bytes> file = encrypt(recipients, plaintext);
    ASSERT_TRUE(file.ok());
    Result<Bytes> decrypted = age_decrypt(*file, "key.txt");
    ASSERT_TRUE(decrypted.ok()) << size;
    EXPECT_EQ(*decrypted, plaintext) << size;
    if (size == 1) {
      Result<Bytes> armored = age_decrypt(as_bytes(armor_encode(*file)), "key.txt");
      ASSERT_TRUE(armored.ok());
      EXPECT_EQ(*armored, plaintext);
    }
  }
}

TEST_F(AgeInteropTest, AgeFilesDecryptWithOurs) {
  X25519Identity identity = X25519Identity::generate();
  std::vector<const Identity*> identities = {&identity};
  for (std::size_t size : {std::size_t{0}, kChunkBytes, 2 * kChunkBytes + 3}) {
    for (bool armor : {false, true}) {
      Bytes plaintext = testing::random_bytes(rng_, size);
      write_file(dir_.file("plain"), plaintext);
      std::string command = std::string(kAge) + (armor ? " -a" : "") + " -e -r " +
                            identity.recipient().to_string() + " -o '" + dir_.file("out.age") +
                            "' '" + dir_.file("plain") + "'";
      ASSERT_EQ(run(command), 0);
      Bytes file = read_file(dir_.file("out.age"));
      if (armor) {
        Result<Bytes> decoded = armor_decode(file);
        ASSERT_TRUE(decoded.ok());
        file = std::move(decoded).value();
      }
      Result<crypto::SecretBytes> decrypted = decrypt(identities, file);
      ASSERT_TRUE(decrypted.ok()) << size << " " << decrypted.status();
      EXPECT_EQ(Bytes(decrypted->expose().begin(), decrypted->expose().end()), plaintext);
    }
  }
}

TEST_F(AgeInteropTest, ReheaderedFilesDecryptWithAgeForBothRecipients) {
  X25519Identity owner = keygen("owner.txt");
  keygen("friend.txt");
  std::ifstream in(dir_.file("friend.txt"));
  std::string line;
  std::string friend_public;
  while (std::getline(in, line)) {
    if (line.starts_with("# public key: ")) {
      friend_public = line.substr(14);
    }
  }
  Result<X25519Recipient> added = X25519Recipient::parse(friend_public);
  ASSERT_TRUE(added.ok());
  Bytes plaintext = testing::random_bytes(rng_, kChunkBytes + 9);
  X25519Recipient owner_recipient = owner.recipient();
  std::vector<const Recipient*> first = {&owner_recipient};
  Result<Bytes> file = encrypt(first, plaintext);
  ASSERT_TRUE(file.ok());

  Result<ParsedHeader> parsed = read_header(*file);
  ASSERT_TRUE(parsed.ok());
  std::vector<const Identity*> owner_only = {&owner};
  Result<FileKey> file_key = unwrap_file_key(parsed->header, owner_only);
  ASSERT_TRUE(file_key.ok());
  std::vector<const Recipient*> more = {&*added};
  Result<Header> header = add_recipients(parsed->header, *file_key, more);
  ASSERT_TRUE(header.ok());
  Bytes reheadered = header->serialize();
  reheadered.insert(reheadered.end(),
                    file->begin() + static_cast<std::ptrdiff_t>(parsed->header_bytes), file->end());

  for (const char* key : {"owner.txt", "friend.txt"}) {
    Result<Bytes> decrypted = age_decrypt(reheadered, key);
    ASSERT_TRUE(decrypted.ok()) << key;
    EXPECT_EQ(*decrypted, plaintext) << key;
  }
}

}  // namespace
}  // namespace caas::format::age
