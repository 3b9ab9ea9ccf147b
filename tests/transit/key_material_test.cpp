#include "transit/key_material.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "crypto/ossl.h"
#include "crypto/rsa.h"
#include "testing/vectors.h"

namespace caas::transit {
namespace {

using testing::hex;

// RFC 8032 §7.1 TEST 1.
constexpr std::string_view kRfc8032Seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfc8032PublicKey =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

TEST(TransitKeyMaterialTest, SymmetricAndEd25519MaterialIs32RandomBytes) {
  for (KeyType type : {KeyType::kAes256Gcm, KeyType::kChaCha20Poly1305, KeyType::kXChaCha20Poly1305,
                       KeyType::kEd25519, KeyType::kHmac}) {
    Result<crypto::SecretBytes> a = generate_material(type);
    Result<crypto::SecretBytes> b = generate_material(type);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), 32U);
    EXPECT_FALSE(*a == *b);
  }
}

TEST(TransitKeyMaterialTest, RsaMaterialIsA3072BitPkcs8KeyWithItsSpki) {
  Result<crypto::SecretBytes> material = generate_material(KeyType::kRsa3072);
  ASSERT_TRUE(material.ok()) << material.status();
  Result<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::from_pkcs8_der(material->expose());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->bits(), 3072U);

  Result<std::string> public_key = public_key_of(KeyType::kRsa3072, material->expose());
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  Result<Bytes> spki = base64_decode(*public_key);
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(*spki, key->public_key().to_spki_der());
  // Independently: OpenSSL parses it as a 3072-bit RSA public key.
  const unsigned char* p = spki->data();
  crypto::ossl::Ptr<EVP_PKEY> parsed(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki->size())));
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(parsed.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(parsed.get()), 3072);
}

TEST(TransitKeyMaterialTest, Ed25519PublicKeyMatchesRfc8032) {
  Result<std::string> public_key = public_key_of(KeyType::kEd25519, hex(kRfc8032Seed));
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(*public_key, base64_encode(hex(kRfc8032PublicKey)));
}

TEST(TransitKeyMaterialTest, PublicKeyOfRefusesSymmetricTypesAndBadMaterial) {
  const Bytes seed = hex(kRfc8032Seed);
  for (KeyType type : {KeyType::kAes256Gcm, KeyType::kChaCha20Poly1305, KeyType::kXChaCha20Poly1305,
                       KeyType::kHmac}) {
    Result<std::string> public_key = public_key_of(type, seed);
    ASSERT_FALSE(public_key.ok());
    EXPECT_EQ(public_key.status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(public_key_of(KeyType::kEd25519, Bytes(31)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(public_key_of(KeyType::kRsa3072, seed).status().code(), ErrorCode::kInvalidArgument);
  Result<crypto::RsaPrivateKey> small = crypto::RsaPrivateKey::generate(2048);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(public_key_of(KeyType::kRsa3072, small->to_pkcs8_der().expose()).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(TransitKeyMaterialTest, DataKeys) {
  for (unsigned bits : {128U, 256U, 512U}) {
    Result<crypto::SecretBytes> key = new_data_key(bits);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), bits / 8);
  }
  for (unsigned bits : {0U, 64U, 192U, 255U, 1024U}) {
    EXPECT_EQ(new_data_key(bits).status().code(), ErrorCode::kInvalidArgument) << bits;
  }
  EXPECT_FALSE(*new_data_key(256) == *new_data_key(256));
}

}  // namespace
}  // namespace caas::transit
