// age v1 end to end (src/format/age/age.h): round trips, several recipients, scrypt, tampering,
// truncation, reordering, wrong identities and re-headering. The byte-exact checks against the
// format are in age_cctv_test.cpp.
#include "format/age/age.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "format/age/scrypt.h"
#include "format/age/x25519.h"
#include "format/age_testing.h"

namespace caas::format::age {
namespace {

// Fast scrypt for tests; the format allows any work factor from 1.
constexpr std::uint32_t kTestLog2N = 10;

using testing::encrypt_to;
using testing::pattern;

struct Decrypted {
  Status status;
  bool header_authenticated = false;
  Bytes released;
};

Decrypted decrypt_with(const Identity& identity, ByteSpan file, std::size_t piece = 1000) {
  Decrypted out;
  std::vector<const Identity*> identities = {&identity};
  Decryptor decryptor(identities, [&out](ByteSpan bytes) {
    EXPECT_LE(bytes.size(), kChunkBytes);  // bounded: one chunk at a time
    out.released.insert(out.released.end(), bytes.begin(), bytes.end());
    return ok_status();
  });
  while (out.status.ok() && !file.empty()) {
    std::size_t n = std::min(piece, file.size());
    out.status = decryptor.write(file.first(n));
    file = file.subspan(n);
  }
  if (out.status.ok()) {
    out.status = decryptor.finish();
  }
  out.header_authenticated = decryptor.header_authenticated();
  return out;
}

std::size_t header_size(ByteSpan file) {
  Result<ParsedHeader> parsed = read_header(file);
  CAAS_CHECK(parsed.ok());
  return parsed->header_bytes;
}

TEST(AgeTest, RoundTripsEverySizeAroundChunkBoundaries) {
  X25519Identity identity = X25519Identity::generate();
  X25519Recipient recipient = identity.recipient();
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kChunkBytes - 1, kChunkBytes,
                           kChunkBytes + 1, 3 * kChunkBytes + 5, 4 * kChunkBytes}) {
    Bytes plaintext = pattern(size);
    Bytes file = encrypt_to(recipient, plaintext);
    std::size_t chunks = size == 0 ? 1 : (size + kChunkBytes - 1) / kChunkBytes;
    EXPECT_EQ(file.size(), header_size(file) + kPayloadNonceBytes + size + chunks * 16) << size;
    for (std::size_t piece : {std::size_t{1} << 20, std::size_t{4093}, std::size_t{1}}) {
      Decrypted out = decrypt_with(identity, file, piece);
      ASSERT_TRUE(out.status.ok()) << size << " " << out.status;
      EXPECT_EQ(out.released, plaintext) << size;
    }
  }
}

TEST(AgeTest, EncryptorAcceptsPlaintextInAnyPieces) {
  X25519Identity identity = X25519Identity::generate();
  X25519Recipient recipient = identity.recipient();
  std::vector<const Recipient*> recipients = {&recipient};
  Bytes plaintext = pattern(2 * kChunkBytes + 100);
  Bytes file;
  Result<Encryptor> encryptor = Encryptor::create(recipients, [&file](ByteSpan bytes) {
    file.insert(file.end(), bytes.begin(), bytes.end());
    return ok_status();
  });
  ASSERT_TRUE(encryptor.ok());
  for (std::size_t at = 0; at < plaintext.size(); at += 777) {
    ASSERT_TRUE(encryptor
                    ->write(ByteSpan(plaintext).subspan(
                        at, std::min<std::size_t>(777, plaintext.size() - at)))
                    .ok());
  }
  ASSERT_TRUE(encryptor->finish().ok());
  EXPECT_EQ(encryptor->finish().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(decrypt_with(identity, file).released, plaintext);
}

TEST(AgeTest, EveryRecipientOfSeveralDecrypts) {
  std::vector<X25519Identity> identities;
  std::vector<X25519Recipient> owned;
  for (int i = 0; i < 3; ++i) {
    identities.push_back(X25519Identity::generate());
    owned.push_back(identities.back().recipient());
  }
  std::vector<const Recipient*> recipients = {&owned[0], &owned[1], &owned[2]};
  Bytes plaintext = pattern(1000);
  Result<Bytes> file = encrypt(recipients, plaintext);
  ASSERT_TRUE(file.ok());
  for (const X25519Identity& identity : identities) {
    Decrypted out = decrypt_with(identity, *file);
    ASSERT_TRUE(out.status.ok()) << out.status;
    EXPECT_EQ(out.released, plaintext);
  }
}

TEST(AgeTest, WrongIdentityIsNoMatch) {
  X25519Identity identity = X25519Identity::generate();
  Bytes file = encrypt_to(identity.recipient(), pattern(10));
  X25519Identity other = X25519Identity::generate();
  Decrypted out = decrypt_with(other, file);
  EXPECT_EQ(out.status.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(out.released.empty());
  std::vector<const Identity*> none;
  EXPECT_EQ(decrypt(none, file).status().code(), ErrorCode::kNotFound);
}

TEST(AgeTest, ScryptRoundTripAndWrongPassphrase) {
  Result<ScryptRecipient> recipient =
      ScryptRecipient::create(crypto::SecretBytes::copy_of(as_bytes("correct horse")), kTestLog2N);
  ASSERT_TRUE(recipient.ok());
  Bytes plaintext = pattern(kChunkBytes + 1);
  Bytes file = encrypt_to(*recipient, plaintext);
  ScryptIdentity right(crypto::SecretBytes::copy_of(as_bytes("correct horse")));
  EXPECT_EQ(decrypt_with(right, file).released, plaintext);
  ScryptIdentity wrong(crypto::SecretBytes::copy_of(as_bytes("battery staple")));
  EXPECT_EQ(decrypt_with(wrong, file).status.code(), ErrorCode::kNotFound);
  // A reader that allows less work than the file asks for refuses it as malformed.
  ScryptIdentity strict(crypto::SecretBytes::copy_of(as_bytes("correct horse")), kTestLog2N - 1);
  EXPECT_EQ(decrypt_with(strict, file).status.code(), ErrorCode::kInvalidArgument);
}

TEST(AgeTest, ScryptRecipientMustBeAlone) {
  Result<ScryptRecipient> scrypt =
      ScryptRecipient::create(crypto::SecretBytes::copy_of(as_bytes("pw")), kTestLog2N);
  ASSERT_TRUE(scrypt.ok());
  X25519Recipient x25519 = X25519Identity::generate().recipient();
  std::vector<const Recipient*> recipients = {&*scrypt, &x25519};
  EXPECT_EQ(encrypt(recipients, pattern(1)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      ScryptRecipient::create(crypto::SecretBytes::copy_of(as_bytes("pw")), 23).status().code(),
      ErrorCode::kInvalidArgument);
}

TEST(AgeTest, FlippedHeaderByteIsHmacFailure) {
  X25519Identity identity = X25519Identity::generate();
  X25519Recipient other = X25519Identity::generate().recipient();
  X25519Recipient mine = identity.recipient();
  std::vector<const Recipient*> recipients = {&mine, &other};
  Result<Bytes> file = encrypt(recipients, pattern(100));
  ASSERT_TRUE(file.ok());
  // A base64 character in the body of the second stanza, not addressed to us: still parses,
  // still unwraps with our stanza, so only the MAC can catch it.
  std::string text(as_chars(*file).substr(0, header_size(*file)));
  std::size_t second = text.find("-> X25519", text.find("-> X25519") + 1);
  std::size_t body = text.find('\n', second) + 1 + 3;
  Bytes tampered = *file;
  tampered[body] = tampered[body] == 'A' ? 'B' : 'A';
  Decrypted out = decrypt_with(identity, tampered);
  EXPECT_EQ(out.status, decryption_failed());
  EXPECT_FALSE(out.header_authenticated);
  EXPECT_TRUE(out.released.empty());
  // The MAC itself.
  std::size_t mac = text.find("--- ") + 4 + 5;
  tampered = *file;
  tampered[mac] = tampered[mac] == 'A' ? 'B' : 'A';
  EXPECT_EQ(decrypt_with(identity, tampered).status, decryption_failed());
}

TEST(AgeTest, FlippedPayloadByteReleasesOnlyEarlierChunks) {
  X25519Identity identity = X25519Identity::generate();
  Bytes plaintext = pattern(3 * kChunkBytes + 10);
  Bytes file = encrypt_to(identity.recipient(), plaintext);
  std::size_t payload = header_size(file) + kPayloadNonceBytes;
  for (std::size_t chunk = 0; chunk < 4; ++chunk) {
    Bytes tampered = file;
    tampered[payload + chunk * kSealedChunkBytes + 5] ^= 0x01;
    Decrypted out = decrypt_with(identity, tampered, 5000);
    EXPECT_EQ(out.status, decryption_failed()) << chunk;
    EXPECT_TRUE(out.header_authenticated);
    EXPECT_EQ(out.released,
              Bytes(plaintext.begin(),
                    plaintext.begin() + static_cast<std::ptrdiff_t>(chunk * kChunkBytes)));
  }
  // The payload nonce is part of the key derivation.
  Bytes tampered = file;
  tampered[payload - 1] ^= 0x80;
  EXPECT_EQ(decrypt_with(identity, tampered).status, decryption_failed());
}

TEST(AgeTest, TruncationFailsAtEveryLength) {
  X25519Identity identity = X25519Identity::generate();
  Bytes plaintext = pattern(2 * kChunkBytes);
  Bytes file = encrypt_to(identity.recipient(), plaintext);
  std::size_t header = header_size(file);
  std::size_t payload = header + kPayloadNonceBytes;
  for (std::size_t size :
       {std::size_t{0}, header - 1, header, payload - 1, payload, payload + 100,
        payload + kSealedChunkBytes, payload + kSealedChunkBytes + 16, file.size() - 1}) {
    Decrypted out = decrypt_with(identity, ByteSpan(file).first(size));
    EXPECT_FALSE(out.status.ok()) << size;
    ErrorCode expected =
        size < payload ? ErrorCode::kInvalidArgument : ErrorCode::kDecryptionFailed;
    EXPECT_EQ(out.status.code(), expected) << size;
  }
  // Dropping the final chunk exactly at a boundary: the first chunk verified (as a non-final
  // chunk) and was released, but the file fails.
  Decrypted out = decrypt_with(identity, ByteSpan(file).first(payload + kSealedChunkBytes));
  EXPECT_EQ(out.status, decryption_failed());
  EXPECT_EQ(out.released.size(), kChunkBytes);
}

TEST(AgeTest, ReorderedChunksFail) {
  X25519Identity identity = X25519Identity::generate();
  Bytes file = encrypt_to(identity.recipient(), pattern(3 * kChunkBytes));
  std::size_t payload = header_size(file) + kPayloadNonceBytes;
  Bytes swapped = file;
  std::swap_ranges(swapped.begin() + static_cast<std::ptrdiff_t>(payload),
                   swapped.begin() + static_cast<std::ptrdiff_t>(payload + kSealedChunkBytes),
                   swapped.begin() + static_cast<std::ptrdiff_t>(payload + kSealedChunkBytes));
  Decrypted out = decrypt_with(identity, swapped);
  EXPECT_EQ(out.status, decryption_failed());
  EXPECT_TRUE(out.released.empty());
}

TEST(AgeTest, TrailingDataAfterFinalChunkFails) {
  X25519Identity identity = X25519Identity::generate();
  for (std::size_t size : {std::size_t{5}, kChunkBytes}) {
    Bytes file = encrypt_to(identity.recipient(), pattern(size));
    file.push_back(0);
    EXPECT_EQ(decrypt_with(identity, file).status, decryption_failed()) << size;
  }
}

TEST(AgeTest, ReheaderingAddsARecipientAndKeepsThePayload) {
  X25519Identity owner = X25519Identity::generate();
  X25519Identity friend_identity = X25519Identity::generate();
  Bytes plaintext = pattern(kChunkBytes + 3);
  Bytes file = encrypt_to(owner.recipient(), plaintext);

  Result<ParsedHeader> parsed = read_header(file);
  ASSERT_TRUE(parsed.ok());
  std::vector<const Identity*> owner_only = {&owner};
  Result<FileKey> file_key = unwrap_file_key(parsed->header, owner_only);
  ASSERT_TRUE(file_key.ok());
  X25519Recipient added = friend_identity.recipient();
  std::vector<const Recipient*> recipients = {&added};
  Result<Header> rewrapped = add_recipients(parsed->header, *file_key, recipients);
  ASSERT_TRUE(rewrapped.ok());
  ASSERT_EQ(rewrapped->stanzas.size(), 2U);

  Bytes reheadered = rewrapped->serialize();
  reheadered.insert(reheadered.end(),
                    file.begin() + static_cast<std::ptrdiff_t>(parsed->header_bytes), file.end());
  EXPECT_EQ(decrypt_with(friend_identity, reheadered).released, plaintext);
  EXPECT_EQ(decrypt_with(owner, reheadered).released, plaintext);

  // A wrong file key cannot re-header (the old MAC does not verify).
  FileKey wrong = crypto::random_secret_array<kFileKeyBytes>();
  EXPECT_EQ(add_recipients(parsed->header, wrong, recipients).status(), decryption_failed());
}

TEST(AgeTest, KeysRoundTripThroughTheirText) {
  // The example identity and recipient of the age spec ("The X25519 recipient type").
  Result<X25519Identity> identity = X25519Identity::parse(
      "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->recipient().to_string(),
            "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
  EXPECT_EQ(as_chars(identity->to_secret_string().expose()),
            "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
  Result<X25519Recipient> recipient =
      X25519Recipient::parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
  ASSERT_TRUE(recipient.ok());
  EXPECT_EQ(recipient->key(), identity->recipient().key());
  // Each kind of key is refused where the other is expected.
  EXPECT_FALSE(X25519Identity::parse(recipient->to_string()).ok());
  EXPECT_FALSE(X25519Recipient::parse(
                   "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
                   .ok());
}

TEST(AgeTest, DecryptorFailsForeverAfterAnError) {
  X25519Identity identity = X25519Identity::generate();
  std::vector<const Identity*> identities = {&identity};
  Decryptor decryptor(identities, [](ByteSpan) { return ok_status(); });
  EXPECT_EQ(decryptor.write(as_bytes("age-encryption.org/v2\n---\n")).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(decryptor.finish().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace caas::format::age
