#include "crypto/ed25519.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "testing/vectors.h"

namespace caas::crypto {
namespace {

using testing::hex;
using testing::str;

Ed25519PrivateKey private_key(const Bytes& seed) {
  CAAS_CHECK(seed.size() == kEd25519SeedBytes);
  return Ed25519PrivateKey::from_seed(
      SecretArray<kEd25519SeedBytes>::copy_of(std::span<const std::uint8_t, 32>(seed.data(), 32)));
}

Bytes to_bytes(ByteSpan span) { return {span.begin(), span.end()}; }

// RFC 8032 §7.1: seed -> public key, the exact (deterministic) signature, and verification.
TEST(Ed25519Test, Rfc8032Vectors) {
  boost::json::value vectors = testing::load_json("rfc/rfc8032_ed25519.json");
  std::size_t ran = 0;
  for (const boost::json::value& v : vectors.at("tests").as_array()) {
    SCOPED_TRACE(str(v, "name"));
    Ed25519PrivateKey key = private_key(hex(str(v, "secret_key")));
    const Bytes message = hex(str(v, "message"));
    const Bytes expected_signature = hex(str(v, "signature"));
    EXPECT_EQ(to_bytes(key.public_key().bytes()), hex(str(v, "public_key")));
    Ed25519Signature signature = key.sign(message);
    EXPECT_EQ(to_bytes(signature), expected_signature);

    Result<Ed25519PublicKey> public_key = Ed25519PublicKey::from_bytes(hex(str(v, "public_key")));
    ASSERT_TRUE(public_key.ok()) << public_key.status();
    EXPECT_TRUE(public_key->verify(message, expected_signature).ok());
    Bytes tampered = expected_signature;
    tampered[10] ^= 0x01;
    EXPECT_EQ(public_key->verify(message, tampered), decryption_failed());
    ++ran;
  }
  EXPECT_EQ(ran, 4U);
}

// Every Wycheproof case is valid or invalid (the file has no "acceptable" ones; were one added,
// our policy would be the strict one: it must fail, since libsodium rejects every malleable or
// small-order form). Each group's key must parse, valid signatures must verify, and invalid ones
// must fail with the one kDecryptionFailed status.
TEST(Ed25519Test, WycheproofVectors) {
  boost::json::value vectors = testing::load_json("wycheproof/ed25519_test.json");
  testing::VectorCounts counts;
  for (const boost::json::value& group : vectors.at("testGroups").as_array()) {
    Result<Ed25519PublicKey> key =
        Ed25519PublicKey::from_bytes(hex(str(group.at("publicKey"), "pk")));
    ASSERT_TRUE(key.ok()) << key.status();
    for (const boost::json::value& test : group.at("tests").as_array()) {
      const std::string_view result = str(test, "result");
      counts.count(result);
      Status status = key->verify(hex(str(test, "msg")), hex(str(test, "sig")));
      const auto id = test.at("tcId").to_number<int>();
      if (result == "valid") {
        EXPECT_TRUE(status.ok()) << "tcId " << id << ": " << status;
      } else {
        EXPECT_EQ(status, decryption_failed()) << "tcId " << id;
      }
    }
  }
  counts.print("wycheproof/ed25519_test.json");
  ASSERT_GT(counts.ran(), 0U);
  EXPECT_EQ(counts.ran(), vectors.at("numberOfTests").to_number<std::size_t>());
}

TEST(Ed25519Test, SignVerifyRoundTripAndTamperDetection) {
  Ed25519PrivateKey key = Ed25519PrivateKey::generate();
  const Bytes message = to_bytes(as_bytes("transit: sign this"));
  Ed25519Signature signature = key.sign(message);
  EXPECT_TRUE(key.public_key().verify(message, signature).ok());
  EXPECT_EQ(key.sign(message), signature);  // deterministic (RFC 8032 §5.1.6)

  Bytes other_message = message;
  other_message.back() ^= 0x80;
  EXPECT_EQ(key.public_key().verify(other_message, signature), decryption_failed());
  for (std::size_t i : {0U, 31U, 32U, 63U}) {
    Ed25519Signature bad = signature;
    bad[i] ^= 0x01;
    EXPECT_EQ(key.public_key().verify(message, bad), decryption_failed()) << i;
  }
  Ed25519PrivateKey other = Ed25519PrivateKey::generate();
  EXPECT_EQ(other.public_key().verify(message, signature), decryption_failed());
}

TEST(Ed25519Test, WrongLengthSignaturesFail) {
  Ed25519PrivateKey key = Ed25519PrivateKey::generate();
  Ed25519Signature signature = key.sign({});
  Bytes longer(signature.begin(), signature.end());
  longer.push_back(0);
  EXPECT_EQ(key.public_key().verify({}, longer), decryption_failed());
  EXPECT_EQ(key.public_key().verify({}, ByteSpan(signature).first(63)), decryption_failed());
  EXPECT_EQ(key.public_key().verify({}, {}), decryption_failed());
}

TEST(Ed25519Test, FromSeedRoundTrips) {
  Ed25519PrivateKey key = Ed25519PrivateKey::generate();
  Ed25519PrivateKey copy = Ed25519PrivateKey::from_seed(key.seed().clone());
  EXPECT_EQ(copy.public_key(), key.public_key());
  Result<Ed25519PublicKey> parsed = Ed25519PublicKey::from_bytes(key.public_key().bytes());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, key.public_key());
}

TEST(Ed25519Test, InvalidPublicKeysAreRejected) {
  // The identity (small order), y = 2^255 - 20 (not canonical: y >= p) and a y with no x on the
  // curve, then the wrong lengths.
  for (std::string_view bad : {
           "0100000000000000000000000000000000000000000000000000000000000000",
           "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           "0200000000000000000000000000000000000000000000000000000000000000",
       }) {
    EXPECT_EQ(Ed25519PublicKey::from_bytes(hex(bad)).status().code(), ErrorCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(Ed25519PublicKey::from_bytes(Bytes(31, 0)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PublicKey::from_bytes(Bytes(33, 0)).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace caas::crypto
