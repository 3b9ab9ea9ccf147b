#include "kms/keyring.h"

#include <gtest/gtest.h>

#include "crypto/secret.h"
#include "kms/barrier.h"

namespace caas::kms {
namespace {

crypto::LockedBytes locked(ByteSpan bytes) { return *crypto::LockedBytes::copy_of(bytes); }

TEST(KeyringTest, GenerateMakesDistinctVersionOneBuiltInKeys) {
  Keyring keyring = *Keyring::generate();
  ByteSpan audit = *keyring.key("audit", 1);
  ByteSpan files = *keyring.key("files", 1);
  EXPECT_EQ(audit.size(), kKeyringKeyBytes);
  EXPECT_FALSE(crypto::constant_time_equal(audit, files));
  EXPECT_EQ(keyring.latest("otp")->version, 1U);
  EXPECT_EQ(keyring.key("audit", 2).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(keyring.latest("nope").status().code(), ErrorCode::kNotFound);
}

TEST(KeyringTest, ParseRoundTripsTheSerializedForm) {
  Keyring keyring = *Keyring::generate();
  Keyring copy = *Keyring::parse(locked(keyring.serialized().expose()));
  EXPECT_TRUE(crypto::constant_time_equal(*copy.key("files", 1), *keyring.key("files", 1)));
  EXPECT_EQ(copy.size(), keyring.size());
}

TEST(KeyringTest, RotateAddsAVersionAndKeepsTheOldOnes) {
  Keyring keyring = *Keyring::generate();
  Keyring rotated = *keyring.rotated("files");
  EXPECT_EQ(rotated.latest("files")->version, 2U);
  EXPECT_TRUE(crypto::constant_time_equal(*rotated.key("files", 1), *keyring.key("files", 1)));
  EXPECT_FALSE(crypto::constant_time_equal(*rotated.key("files", 2), *keyring.key("files", 1)));
  EXPECT_EQ(rotated.rotated("brand-new")->latest("brand-new")->version, 1U);
  EXPECT_EQ(keyring.rotated("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(keyring.rotated(std::string(65, 'x')).status().code(), ErrorCode::kInvalidArgument);
}

TEST(KeyringTest, MalformedSerializationsAreDataLoss) {
  Keyring keyring = *Keyring::generate();
  ByteSpan serialized = keyring.serialized().expose();
  Bytes good(serialized.begin(), serialized.end());
  std::vector<Bytes> bad;
  bad.push_back(Bytes(good.begin(), good.begin() + 3));  // shorter than the header
  Bytes magic = good;
  magic[0] ^= 1;
  bad.push_back(magic);
  bad.push_back(Bytes(good.begin(), good.end() - 1));  // truncated key
  Bytes trailing = good;
  trailing.push_back(0);
  bad.push_back(trailing);
  Bytes huge_count = good;
  huge_count[4] = 0xff;
  bad.push_back(huge_count);
  Bytes zero_name = good;
  zero_name[8] = 0;
  bad.push_back(zero_name);
  for (const Bytes& input : bad) {
    EXPECT_EQ(Keyring::parse(locked(input)).status().code(), ErrorCode::kDataLoss);
  }
}

TEST(BarrierTest, SealedKeyringOpensOnlyUnderItsRootKey) {
  crypto::LockedBytes root = *crypto::LockedBytes::allocate(kRootKeyBytes);
  root.expose_mutable()[0] = 1;
  crypto::LockedBytes other = *crypto::LockedBytes::allocate(kRootKeyBytes);
  Keyring keyring = *Keyring::generate();
  std::string stored = *seal_keyring(root, keyring);
  Keyring opened = *open_keyring(root, stored);
  EXPECT_TRUE(crypto::constant_time_equal(*opened.key("audit", 1), *keyring.key("audit", 1)));
  EXPECT_EQ(open_keyring(other, stored).status().code(), ErrorCode::kDataLoss);
  std::string tampered = stored;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_keyring(root, tampered).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(open_keyring(root, "not base64!").status().code(), ErrorCode::kDataLoss);
}

TEST(BarrierTest, CheckValueTellsTheRightRootKeyFromAWrongOne) {
  crypto::LockedBytes root = *crypto::LockedBytes::allocate(kRootKeyBytes);
  crypto::LockedBytes other = *crypto::LockedBytes::allocate(kRootKeyBytes);
  other.expose_mutable()[31] = 7;
  std::string check = *root_check_value(root);
  EXPECT_TRUE(verify_root_key(root, check).ok());
  EXPECT_EQ(verify_root_key(other, check).code(), ErrorCode::kDecryptionFailed);
  EXPECT_EQ(verify_root_key(root, "garbage").code(), ErrorCode::kDecryptionFailed);
}

}  // namespace
}  // namespace caas::kms
