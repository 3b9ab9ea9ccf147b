#include "kms/file_keys.h"

#include <gtest/gtest.h>

#include "base/base64.h"
#include "crypto/hkdf.h"
#include "crypto/xchacha20_poly1305.h"

namespace caas::kms {
namespace {

constexpr std::string_view kFile = "0f0e0d0c-0000-4000-8000-000000000001";
constexpr std::string_view kOwner = "0f0e0d0c-0000-4000-8000-0000000000aa";
constexpr std::string_view kGrantee = "0f0e0d0c-0000-4000-8000-0000000000bb";

const DekBinding kOwned{kFile, kOwner, kOwner};

TEST(FileKeysTest, WrapThenUnwrapGivesTheDataKeyBack) {
  Keyring keyring = *Keyring::generate();
  Dek dek = new_dek();
  std::string wrapped = *wrap_dek(keyring, dek, kOwned);
  EXPECT_TRUE(wrapped.starts_with("v1:"));
  Dek back = *unwrap_dek(keyring, wrapped, kOwned);
  EXPECT_TRUE(back == dek);
  EXPECT_NE(*wrap_dek(keyring, dek, kOwned), wrapped) << "a fresh nonce per wrap";
  EXPECT_FALSE(new_dek() == dek);
}

TEST(FileKeysTest, KekIsHkdfOfTheFilesKeyAndTheHolder) {
  // Independent recomputation of the documented derivation, so the format stays as specified.
  Keyring keyring = *Keyring::generate();
  Dek dek = new_dek();
  std::string wrapped = *wrap_dek(keyring, dek, kOwned);
  std::string info = "caas/v1/files-kek|" + std::string(kOwner);
  auto kek = *crypto::hkdf_sha256_key(*keyring.key("files", 1), {}, as_bytes(info));
  auto aead = *crypto::XChaCha20Poly1305::create(kek);
  Bytes raw = *base64_decode(std::string_view(wrapped).substr(3));
  ASSERT_EQ(raw.size(), 24U + 32U + 16U);
  std::string aad = "caas/v1/dek|36:" + std::string(kFile) + "|36:" + std::string(kOwner) +
                    "|36:" + std::string(kOwner) + "|v1";
  Dek opened;
  ASSERT_TRUE(aead.open_into(crypto::Nonce(ByteSpan(raw).first(24)), ByteSpan(raw).subspan(24),
                             crypto::Aad(as_bytes(aad)), opened.expose_mutable())
                  .ok());
  EXPECT_TRUE(opened == dek);
}

TEST(FileKeysTest, AWrappedKeyOpensOnlyUnderItsOwnBinding) {
  Keyring keyring = *Keyring::generate();
  Dek dek = new_dek();
  std::string wrapped = *wrap_dek(keyring, dek, kOwned);
  const DekBinding others[] = {
      {"0f0e0d0c-0000-4000-8000-000000000002", kOwner, kOwner},  // another file
      {kFile, kGrantee, kOwner},                                 // another owner
      {kFile, kOwner, kGrantee},                                 // another holder's KEK
  };
  for (const DekBinding& other : others) {
    EXPECT_EQ(unwrap_dek(keyring, wrapped, other).status().code(), ErrorCode::kDataLoss);
  }
  Keyring stranger = *Keyring::generate();
  EXPECT_EQ(unwrap_dek(stranger, wrapped, kOwned).status().code(), ErrorCode::kDataLoss);
}

TEST(FileKeysTest, GranteeCopyOpensForTheGranteeOnly) {
  Keyring keyring = *Keyring::generate();
  Dek dek = new_dek();
  const DekBinding granted{kFile, kOwner, kGrantee};
  std::string wrapped = *wrap_dek(keyring, dek, granted);
  EXPECT_TRUE(*unwrap_dek(keyring, wrapped, granted) == dek);
  EXPECT_FALSE(unwrap_dek(keyring, wrapped, kOwned).ok());
}

TEST(FileKeysTest, RotationKeepsOldWrapsOpenAndWrapsNewOnesUnderTheLatest) {
  Keyring keyring = *Keyring::generate();
  Dek dek = new_dek();
  std::string old_wrap = *wrap_dek(keyring, dek, kOwned);
  Keyring rotated = *keyring.rotated("files");
  EXPECT_TRUE(*unwrap_dek(rotated, old_wrap, kOwned) == dek);
  std::string new_wrap = *wrap_dek(rotated, dek, kOwned);
  EXPECT_TRUE(new_wrap.starts_with("v2:"));
  EXPECT_FALSE(unwrap_dek(keyring, new_wrap, kOwned).ok()) << "v2 is unknown to the old keyring";
  // A version number edited in the text breaks the binding.
  EXPECT_FALSE(unwrap_dek(rotated, "v1" + new_wrap.substr(2), kOwned).ok());
}

TEST(FileKeysTest, MalformedTextIsDataLoss) {
  Keyring keyring = *Keyring::generate();
  std::string good = *wrap_dek(keyring, new_dek(), kOwned);
  for (std::string bad :
       {std::string(), std::string("v1"), std::string("1:abc"), std::string("vx:") + good.substr(3),
        std::string("v1:!!!"), good.substr(0, good.size() - 4), good + "AAAA"}) {
    EXPECT_EQ(unwrap_dek(keyring, bad, kOwned).status().code(), ErrorCode::kDataLoss) << bad;
  }
  std::string flipped = good;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(unwrap_dek(keyring, flipped, kOwned).ok());
}

}  // namespace
}  // namespace caas::kms
