// SHA-2, HMAC and HKDF against FIPS 180-4 examples, RFC 4231, RFC 5869 and Wycheproof.
#include "crypto/hash.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "testing/vectors.h"

namespace caas::crypto {
namespace {

using caas::testing::hex;
using caas::testing::str;
using caas::testing::VectorCounts;

TEST(Sha256Test, Fips180Examples) {
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      hex_encode(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_encode(hash(HashAlgorithm::kSha1, as_bytes("abc"))),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha256Test, IncrementalEqualsOneShotForAnySplit) {
  Bytes data = random_bytes(1000);
  Sha256Digest expected = sha256(data);
  Sha256 hasher;
  for (std::size_t split : {0UL, 1UL, 63UL, 64UL, 65UL, 999UL, 1000UL}) {
    hasher.update(ByteSpan(data).first(split));
    hasher.update(ByteSpan(data).subspan(split));
    EXPECT_EQ(hasher.finish(), expected) << split;  // finish() resets for the next message
  }
}

TEST(HmacTest, Rfc4231) {
  const boost::json::value root = caas::testing::load_json("rfc/rfc4231_hmac_sha2.json");
  const std::pair<const char*, HashAlgorithm> algorithms[] = {
      {"hmac_sha224", HashAlgorithm::kSha224},
      {"hmac_sha256", HashAlgorithm::kSha256},
      {"hmac_sha384", HashAlgorithm::kSha384},
      {"hmac_sha512", HashAlgorithm::kSha512}};
  std::size_t ran = 0;
  for (const auto& test : root.at("tests").as_array()) {
    const Bytes key = hex(str(test, "key"));
    const Bytes data = hex(str(test, "data"));
    for (const auto& [name, algorithm] : algorithms) {
      std::string expected(str(test, name));
      std::string got = hex_encode(hmac(algorithm, key, data));
      // Test case 5 lists the MAC truncated to 128 bits.
      EXPECT_EQ(got.substr(0, expected.size()), expected) << str(test, "comment") << " " << name;
      ++ran;
    }
  }
  std::printf("vectors rfc/rfc4231_hmac_sha2.json: %zu ran\n", ran);
  EXPECT_EQ(ran, 28U);
}

TEST(HmacTest, WycheproofHmacSha256) {
  const boost::json::value root = caas::testing::load_json("wycheproof/hmac_sha256_test.json");
  VectorCounts counts;
  for (const auto& group : root.at("testGroups").as_array()) {
    const auto tag_bytes = static_cast<std::size_t>(group.at("tagSize").as_int64() / 8);
    for (const auto& test : group.at("tests").as_array()) {
      const std::string_view result = str(test, "result");
      counts.count(result);
      const Bytes key = hex(str(test, "key"));
      const Bytes msg = hex(str(test, "msg"));
      const Bytes tag = hex(str(test, "tag"));
      HmacSha256Tag full = hmac_sha256(key, msg);
      // Groups with a shorter tagSize expect the leading bytes of the tag.
      bool match = constant_time_equal(ByteSpan(full).first(tag_bytes), tag);
      EXPECT_EQ(match, result == "valid") << "tcId " << test.at("tcId").as_int64();
      if (tag_bytes == kHmacSha256Bytes) {
        EXPECT_EQ(hmac_sha256_verify(key, msg, tag).ok(), result == "valid");
      }
    }
  }
  counts.print("wycheproof/hmac_sha256_test.json");
  EXPECT_GT(counts.ran(), 0U);
}

TEST(HmacTest, IncrementalEqualsOneShotAndResets) {
  Bytes key = random_bytes(32);
  HmacSha256 mac(key);
  mac.update(as_bytes("hello "));
  mac.update(as_bytes("world"));
  EXPECT_EQ(mac.finish(), hmac_sha256(key, as_bytes("hello world")));
  mac.update(as_bytes("again"));
  EXPECT_EQ(mac.finish(), hmac_sha256(key, as_bytes("again")));
  EXPECT_EQ(hmac_sha256_verify(key, as_bytes("x"), Bytes(31)).code(), ErrorCode::kDecryptionFailed);
}

TEST(HkdfTest, Rfc5869) {
  const boost::json::value root = caas::testing::load_json("rfc/rfc5869_hkdf_sha256.json");
  std::size_t ran = 0;
  for (const auto& test : root.at("tests").as_array()) {
    const Bytes ikm = hex(str(test, "ikm"));
    const Bytes salt = hex(str(test, "salt"));
    const Bytes info = hex(str(test, "info"));
    const auto size = static_cast<std::size_t>(test.at("L").as_int64());
    SecretArray<32> prk = hkdf_sha256_extract(ikm, salt);
    EXPECT_EQ(hex_encode(prk.expose()), str(test, "prk")) << str(test, "section");
    Result<SecretBytes> okm = hkdf_sha256(ikm, salt, info, size);
    ASSERT_TRUE(okm.ok());
    EXPECT_EQ(hex_encode(okm->expose()), str(test, "okm")) << str(test, "section");
    Result<SecretBytes> expanded = hkdf_sha256_expand(prk, info, size);
    ASSERT_TRUE(expanded.ok());
    EXPECT_TRUE(*expanded == *okm);
    ++ran;
  }
  std::printf("vectors rfc/rfc5869_hkdf_sha256.json: %zu ran\n", ran);
  EXPECT_EQ(ran, 3U);
}

TEST(HkdfTest, WycheproofHkdfSha256) {
  const boost::json::value root = caas::testing::load_json("wycheproof/hkdf_sha256_test.json");
  VectorCounts counts;
  for (const auto& group : root.at("testGroups").as_array()) {
    for (const auto& test : group.at("tests").as_array()) {
      const std::string_view result = str(test, "result");
      counts.count(result);
      const auto size = static_cast<std::size_t>(test.at("size").as_int64());
      Result<SecretBytes> okm =
          hkdf_sha256(hex(str(test, "ikm")), hex(str(test, "salt")), hex(str(test, "info")), size);
      const auto id = test.at("tcId").as_int64();
      if (result == "valid") {
        ASSERT_TRUE(okm.ok()) << "tcId " << id;
        EXPECT_EQ(hex_encode(okm->expose()), str(test, "okm")) << "tcId " << id;
      } else {
        // The invalid cases ask for more than 255 * HashLen bytes.
        EXPECT_EQ(okm.status().code(), ErrorCode::kInvalidArgument) << "tcId " << id;
      }
    }
  }
  counts.print("wycheproof/hkdf_sha256_test.json");
  EXPECT_GT(counts.ran(), 0U);
  EXPECT_GT(counts.invalid, 0U);
}

TEST(HkdfTest, DistinctInfoGivesIndependentKeys) {
  Bytes ikm = random_bytes(32);
  Result<SecretArray<32>> a = hkdf_sha256_key(ikm, {}, as_bytes("caas files v1"));
  Result<SecretArray<32>> b = hkdf_sha256_key(ikm, {}, as_bytes("caas otp v1"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(*a == *b);
  EXPECT_EQ(hkdf_sha256(ikm, {}, {}, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(hkdf_sha256(ikm, {}, {}, kHkdfSha256MaxOutputBytes).ok());
}

TEST(HkdfTest, OverlongInfoIsAnErrorNotAnAbort) {
  // OpenSSL 3.0 refuses info over 32 KiB; info can come from a caller (a transit context), so
  // it must be a clean kInvalidArgument, and our own bound is lower.
  Bytes ikm = random_bytes(32);
  Bytes at_limit(kHkdfMaxInfoBytes, 'x');
  Bytes over_limit(kHkdfMaxInfoBytes + 1, 'x');
  Bytes over_openssl((32U << 10) + 1, 'x');
  EXPECT_TRUE(hkdf_sha256(ikm, {}, at_limit, 32).ok());
  EXPECT_EQ(hkdf_sha256(ikm, {}, over_limit, 32).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(hkdf_sha256(ikm, {}, over_openssl, 32).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(hkdf_sha256_key(ikm, {}, over_openssl).status().code(), ErrorCode::kInvalidArgument);
  SecretArray<32> prk = hkdf_sha256_extract(ikm, {});
  EXPECT_EQ(hkdf_sha256_expand(prk, over_openssl, 32).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace caas::crypto
