#include "transit/key_type.h"

#include <gtest/gtest.h>

namespace caas::transit {
namespace {

constexpr KeyType kAll[] = {KeyType::kAes256Gcm,         KeyType::kChaCha20Poly1305,
                            KeyType::kXChaCha20Poly1305, KeyType::kEd25519,
                            KeyType::kRsa3072,           KeyType::kHmac};

TEST(TransitKeyTypeTest, NamesRoundTrip) {
  for (KeyType type : kAll) {
    EXPECT_EQ(parse_key_type(key_type_name(type)), type) << key_type_name(type);
  }
  EXPECT_EQ(parse_key_type("aes256-gcm"), KeyType::kAes256Gcm);
  EXPECT_EQ(parse_key_type("chacha20-poly1305"), KeyType::kChaCha20Poly1305);
  EXPECT_EQ(parse_key_type("xchacha20-poly1305"), KeyType::kXChaCha20Poly1305);
  EXPECT_EQ(parse_key_type("ed25519"), KeyType::kEd25519);
  EXPECT_EQ(parse_key_type("rsa-3072"), KeyType::kRsa3072);
  EXPECT_EQ(parse_key_type("hmac"), KeyType::kHmac);
}

TEST(TransitKeyTypeTest, UnknownNamesAreRefused) {
  for (std::string_view name :
       {"", "AES256-GCM", "aes256-gcm ", "aes128-gcm", "rsa-2048", "rsa", "hmac-sha256"}) {
    EXPECT_FALSE(parse_key_type(name).has_value()) << name;
  }
  EXPECT_FALSE(parse_key_type(std::string_view("hmac\0", 5)).has_value());
}

TEST(TransitKeyTypeTest, Capabilities) {
  EXPECT_TRUE(can_encrypt(KeyType::kAes256Gcm));
  EXPECT_TRUE(can_encrypt(KeyType::kChaCha20Poly1305));
  EXPECT_TRUE(can_encrypt(KeyType::kXChaCha20Poly1305));
  EXPECT_TRUE(can_encrypt(KeyType::kRsa3072));
  EXPECT_FALSE(can_encrypt(KeyType::kEd25519));
  EXPECT_FALSE(can_encrypt(KeyType::kHmac));

  EXPECT_TRUE(can_sign(KeyType::kEd25519));
  EXPECT_TRUE(can_sign(KeyType::kRsa3072));
  EXPECT_FALSE(can_sign(KeyType::kAes256Gcm));
  EXPECT_FALSE(can_sign(KeyType::kHmac));

  for (KeyType type : kAll) {
    EXPECT_EQ(can_hmac(type), type == KeyType::kHmac) << key_type_name(type);
    EXPECT_EQ(can_derive(type), type != KeyType::kEd25519 && type != KeyType::kRsa3072)
        << key_type_name(type);
    EXPECT_EQ(has_nonce_limit(type),
              type == KeyType::kAes256Gcm || type == KeyType::kChaCha20Poly1305)
        << key_type_name(type);
  }
}

}  // namespace
}  // namespace caas::transit
