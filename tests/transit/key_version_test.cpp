#include "transit/key_version.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "crypto/aes_gcm.h"
#include "crypto/chacha20_poly1305.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/ossl.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "crypto/xchacha20_poly1305.h"
#include "testing/vectors.h"

namespace caas::transit {
namespace {

using Cipher = std::shared_ptr<const KeyVersionCipher>;
using testing::hex;

constexpr KeyType kEncryptTypes[] = {KeyType::kAes256Gcm, KeyType::kChaCha20Poly1305,
                                     KeyType::kXChaCha20Poly1305, KeyType::kRsa3072};
constexpr KeyType kAeadTypes[] = {KeyType::kAes256Gcm, KeyType::kChaCha20Poly1305,
                                  KeyType::kXChaCha20Poly1305};

// RSA key generation is slow: two keys per test binary, made on first use.
const crypto::SecretBytes& rsa_material(int which) {
  static const crypto::SecretBytes keys[2] = {*generate_material(KeyType::kRsa3072),
                                              *generate_material(KeyType::kRsa3072)};
  return keys[which];
}

crypto::SecretBytes fixed_material(KeyType type, std::uint8_t fill) {
  if (type == KeyType::kRsa3072) {
    return rsa_material(fill % 2).clone();
  }
  crypto::SecretBytes material(32);
  for (std::size_t i = 0; i < 32; ++i) {
    material.expose_mutable()[i] = static_cast<std::uint8_t>(fill + i);
  }
  return material;
}

Cipher make(KeyType type, bool derived = false, std::string name = "orders",
            std::uint32_t version = 1, std::uint8_t fill = 0) {
  Result<Cipher> cipher =
      KeyVersionCipher::create(type, derived, std::move(name), version, fixed_material(type, fill));
  CAAS_CHECK(cipher.ok());
  return *cipher;
}

Bytes text(std::string_view s) { return to_bytes(s); }

Bytes fields(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan part : parts) {
    const auto size = static_cast<std::uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<std::uint8_t>(size >> shift));
    }
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// The documented associated data, built independently of the implementation.
Bytes expected_ad(std::string_view name, std::uint32_t version, ByteSpan context, ByteSpan aad) {
  const Bytes be = {static_cast<std::uint8_t>(version >> 24),
                    static_cast<std::uint8_t>(version >> 16),
                    static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version)};
  return fields({as_bytes("caas/v1/transit"), as_bytes(name), be, context, aad});
}

// The documented derived key, through OpenSSL's EVP_KDF (crypto::hkdf_sha256).
crypto::SecretBytes expected_derived_key(ByteSpan material, std::string_view name,
                                         ByteSpan context) {
  Bytes info = fields({as_bytes("caas/v1/transit-derive"), as_bytes(name), context});
  return *crypto::hkdf_sha256(material, {}, info, 32);
}

std::unique_ptr<crypto::Aead> raw_aead(KeyType type, const crypto::SecretBytes& key) {
  switch (type) {
    case KeyType::kAes256Gcm:
      return std::make_unique<crypto::Aes256Gcm>(*crypto::Aes256Gcm::create(key));
    case KeyType::kChaCha20Poly1305:
      return std::make_unique<crypto::ChaCha20Poly1305>(*crypto::ChaCha20Poly1305::create(key));
    default:
      return std::make_unique<crypto::XChaCha20Poly1305>(*crypto::XChaCha20Poly1305::create(key));
  }
}

std::size_t nonce_size(KeyType type) { return type == KeyType::kXChaCha20Poly1305 ? 24 : 12; }

Bytes exposed(const crypto::SecretBytes& secret) {
  return {secret.expose().begin(), secret.expose().end()};
}

TEST(TransitKeyVersionTest, CreateRefusesBadInput) {
  auto code = [](KeyType type, bool derived, std::string name, std::uint32_t version,
                 crypto::SecretBytes material) {
    return KeyVersionCipher::create(type, derived, std::move(name), version, std::move(material))
        .status()
        .code();
  };
  EXPECT_EQ(code(KeyType::kAes256Gcm, false, "", 1, fixed_material(KeyType::kAes256Gcm, 0)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kAes256Gcm, false, "k", 0, fixed_material(KeyType::kAes256Gcm, 0)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      code(KeyType::kAes256Gcm, false, "k", 0x8000'0000U, fixed_material(KeyType::kAes256Gcm, 0)),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kAes256Gcm, false, "k", 1, crypto::SecretBytes(31)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kHmac, false, "k", 1, crypto::SecretBytes(33)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kEd25519, true, "k", 1, fixed_material(KeyType::kEd25519, 0)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kRsa3072, true, "k", 1, rsa_material(0).clone()),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(KeyType::kRsa3072, false, "k", 1, crypto::SecretBytes(32)),
            ErrorCode::kInvalidArgument);
  Result<crypto::RsaPrivateKey> small = crypto::RsaPrivateKey::generate(2048);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(code(KeyType::kRsa3072, false, "k", 1, small->to_pkcs8_der()),
            ErrorCode::kInvalidArgument);
}

TEST(TransitKeyVersionTest, EncryptDecryptRoundTripsForEveryType) {
  for (KeyType type : kEncryptTypes) {
    SCOPED_TRACE(key_type_name(type));
    Cipher cipher = make(type);
    EXPECT_EQ(cipher->public_key().empty(), type != KeyType::kRsa3072);
    const std::size_t max = type == KeyType::kRsa3072 ? kMaxRsaPlaintextBytes : kMaxPlaintextBytes;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{100}, max}) {
      const Bytes plaintext = crypto::random_bytes(size);
      Result<Bytes> blob = cipher->encrypt(plaintext, {}, text("row 7"));
      ASSERT_TRUE(blob.ok()) << blob.status();
      if (type == KeyType::kRsa3072) {
        EXPECT_EQ(blob->size(), 384U);
      } else {
        EXPECT_EQ(blob->size(), nonce_size(type) + size + 16);
      }
      Result<crypto::SecretBytes> opened = cipher->decrypt(*blob, {}, text("row 7"));
      ASSERT_TRUE(opened.ok()) << opened.status();
      EXPECT_EQ(exposed(*opened), plaintext);
    }
    Result<Bytes> too_long = cipher->encrypt(Bytes(max + 1), {}, {});
    EXPECT_EQ(too_long.status().code(), ErrorCode::kInvalidArgument);
  }
}

// The blob opens with the raw AEAD under the documented key and associated data: the layout,
// the binding fields and (for derived keys) the HKDF derivation are as specified. A 4096-byte
// context exercises the HKDF info beyond OpenSSL's 1024-byte cap on our side.
TEST(TransitKeyVersionTest, BlobMatchesTheDocumentedConstruction) {
  for (KeyType type : kAeadTypes) {
    for (bool derived : {false, true}) {
      for (std::size_t context_size : {std::size_t{0}, std::size_t{9}, kMaxContextBytes}) {
        if (derived == (context_size == 0)) {
          continue;
        }
        SCOPED_TRACE(std::string(key_type_name(type)) + (derived ? " derived" : ""));
        Cipher cipher = make(type, derived, "billing", 3, 0x40);
        const Bytes context(context_size, 0x63);
        const Bytes plaintext = text("attack at dawn");
        Result<Bytes> blob = cipher->encrypt(plaintext, context, text("aad"));
        ASSERT_TRUE(blob.ok()) << blob.status();

        crypto::SecretBytes material = fixed_material(type, 0x40);
        crypto::SecretBytes key =
            derived
                ? (context_size <= 900 ? expected_derived_key(material.expose(), "billing", context)
                                       : crypto::SecretBytes())
                : material.clone();
        if (key.empty()) {
          // Over OpenSSL's info cap: decrypting through the cipher must still work.
          EXPECT_TRUE(cipher->decrypt(*blob, context, text("aad")).ok());
          continue;
        }
        const std::size_t n = nonce_size(type);
        const Bytes ad = expected_ad("billing", 3, context, text("aad"));
        Result<crypto::SecretBytes> opened = raw_aead(type, key)->open(
            crypto::Nonce(ByteSpan(*blob).first(n)), ByteSpan(*blob).subspan(n), crypto::Aad(ad));
        ASSERT_TRUE(opened.ok()) << opened.status();
        EXPECT_EQ(exposed(*opened), plaintext);
      }
    }
  }
}

TEST(TransitKeyVersionTest, RsaLabelIsTheDocumentedAssociatedData) {
  Cipher cipher = make(KeyType::kRsa3072, false, "billing", 5);
  Result<Bytes> blob = cipher->encrypt(text("card"), {}, text("aad"));
  ASSERT_TRUE(blob.ok());
  Result<crypto::RsaPrivateKey> key =
      crypto::RsaPrivateKey::from_pkcs8_der(rsa_material(0).expose());
  ASSERT_TRUE(key.ok());
  Result<crypto::SecretBytes> opened =
      crypto::oaep_decrypt(*key, *blob, expected_ad("billing", 5, {}, text("aad")));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(exposed(*opened), text("card"));
}

TEST(TransitKeyVersionTest, DerivedKeysNeedAContextAndSeparateContexts) {
  for (KeyType type : kAeadTypes) {
    SCOPED_TRACE(key_type_name(type));
    Cipher cipher = make(type, true);
    Result<Bytes> empty = cipher->encrypt(text("x"), {}, {});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(empty.status().message().starts_with("context_required:"));
    EXPECT_EQ(cipher->encrypt(text("x"), Bytes(kMaxContextBytes + 1), {}).status().code(),
              ErrorCode::kInvalidArgument);

    Result<Bytes> blob = cipher->encrypt(text("secret"), text("user-a"), {});
    ASSERT_TRUE(blob.ok());
    EXPECT_TRUE(cipher->decrypt(*blob, text("user-a"), {}).ok());
    EXPECT_EQ(cipher->decrypt(*blob, text("user-b"), {}).status(), decryption_failed());
    // The per-context keys themselves differ, not only the associated data.
    crypto::SecretBytes material = fixed_material(type, 0);
    EXPECT_FALSE(expected_derived_key(material.expose(), "orders", text("user-a")) ==
                 expected_derived_key(material.expose(), "orders", text("user-b")));
  }
}

TEST(TransitKeyVersionTest, NonDerivedKeysRefuseAContext) {
  for (KeyType type : kEncryptTypes) {
    Cipher cipher = make(type);
    EXPECT_EQ(cipher->encrypt(text("x"), text("ctx"), {}).status().code(),
              ErrorCode::kInvalidArgument);
  }
}

// Every way a ciphertext can fail to belong gives exactly decryption_failed().
TEST(TransitKeyVersionTest, EveryMismatchIsDecryptionFailed) {
  for (KeyType type : kEncryptTypes) {
    for (bool derived : {false, true}) {
      if (derived && !can_derive(type)) {
        continue;
      }
      SCOPED_TRACE(std::string(key_type_name(type)) + (derived ? " derived" : ""));
      const Bytes context = derived ? text("tenant-1") : Bytes();
      Cipher cipher = make(type, derived, "orders", 2, 0);
      Result<Bytes> sealed = cipher->encrypt(text("hello"), context, text("aad"));
      ASSERT_TRUE(sealed.ok());
      const Bytes& blob = *sealed;
      auto expect_failed = [&](const Cipher& c, ByteSpan b, ByteSpan ctx, ByteSpan aad) {
        Result<crypto::SecretBytes> opened = c->decrypt(b, ctx, aad);
        EXPECT_EQ(opened.status(), decryption_failed());
      };
      expect_failed(cipher, blob, context, text("aaD"));
      expect_failed(cipher, blob, context, {});
      if (derived) {
        expect_failed(cipher, blob, text("tenant-2"), text("aad"));
      }
      expect_failed(make(type, derived, "orders", 3, 0), blob, context, text("aad"));
      expect_failed(make(type, derived, "orders2", 2, 0), blob, context, text("aad"));
      expect_failed(make(type, derived, "orders", 2, 1), blob, context, text("aad"));
      for (std::size_t i = 0; i < blob.size(); ++i) {
        Bytes flipped = blob;
        flipped[i] ^= 0x01;
        expect_failed(cipher, flipped, context, text("aad"));
      }
      for (std::size_t size = 0; size < blob.size(); size += type == KeyType::kRsa3072 ? 37 : 1) {
        expect_failed(cipher, ByteSpan(blob).first(size), context, text("aad"));
      }
      Bytes extended = blob;
      extended.push_back(0);
      expect_failed(cipher, extended, context, text("aad"));
      // The untouched blob still opens.
      EXPECT_TRUE(cipher->decrypt(blob, context, text("aad")).ok());
    }
  }
}

TEST(TransitKeyVersionTest, BlobOfAnotherTypeIsDecryptionFailed) {
  Result<Bytes> gcm = make(KeyType::kAes256Gcm)->encrypt(text("hello"), {}, {});
  ASSERT_TRUE(gcm.ok());
  EXPECT_EQ(make(KeyType::kChaCha20Poly1305)->decrypt(*gcm, {}, {}).status(), decryption_failed());
  EXPECT_EQ(make(KeyType::kXChaCha20Poly1305)->decrypt(*gcm, {}, {}).status(), decryption_failed());
  EXPECT_EQ(make(KeyType::kRsa3072)->decrypt(*gcm, {}, {}).status(), decryption_failed());
}

TEST(TransitKeyVersionTest, OperationsOutsideTheTypeAreRefused) {
  Cipher ed = make(KeyType::kEd25519);
  Cipher gcm = make(KeyType::kAes256Gcm);
  Cipher mac = make(KeyType::kHmac);
  EXPECT_EQ(ed->encrypt(text("x"), {}, {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(mac->decrypt(Bytes(40), {}, {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(gcm->sign(text("x")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(mac->sign(text("x")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(gcm->hmac(text("x"), {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ed->hmac(text("x"), {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(gcm->verify(text("x"), Bytes(64)));
  EXPECT_FALSE(ed->verify_hmac(text("x"), {}, Bytes(32)));
}

TEST(TransitKeyVersionTest, HmacMatchesOpenSslHmac) {
  Cipher cipher = make(KeyType::kHmac);
  EXPECT_TRUE(cipher->public_key().empty());
  crypto::SecretBytes material = fixed_material(KeyType::kHmac, 0);
  for (std::size_t size : {0U, 1U, 64U, 1000U}) {
    const Bytes input = crypto::random_bytes(size);
    std::uint8_t expected[32];
    unsigned int expected_size = 0;
    ASSERT_NE(HMAC(EVP_sha256(), material.expose().data(), static_cast<int>(material.size()),
                   input.data(), input.size(), expected, &expected_size),
              nullptr);
    Result<Bytes> tag = cipher->hmac(input, {});
    ASSERT_TRUE(tag.ok());
    EXPECT_EQ(*tag, Bytes(expected, expected + expected_size));
    EXPECT_TRUE(cipher->verify_hmac(input, {}, *tag));
    Bytes bad = *tag;
    bad[31] ^= 0x80;
    EXPECT_FALSE(cipher->verify_hmac(input, {}, bad));
    EXPECT_FALSE(cipher->verify_hmac(input, {}, ByteSpan(*tag).first(16)));
    EXPECT_FALSE(cipher->verify_hmac(input, text("ctx"), *tag));
  }
}

TEST(TransitKeyVersionTest, DerivedHmacUsesThePerContextKey) {
  Cipher cipher = make(KeyType::kHmac, true);
  crypto::SecretBytes material = fixed_material(KeyType::kHmac, 0);
  Result<Bytes> a = cipher->hmac(text("msg"), text("a"));
  Result<Bytes> b = cipher->hmac(text("msg"), text("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  crypto::SecretBytes key = expected_derived_key(material.expose(), "orders", text("a"));
  const crypto::HmacSha256Tag expected = crypto::hmac_sha256(key.expose(), text("msg"));
  EXPECT_EQ(*a, Bytes(expected.begin(), expected.end()));
  EXPECT_TRUE(cipher->verify_hmac(text("msg"), text("a"), *a));
  EXPECT_FALSE(cipher->verify_hmac(text("msg"), text("b"), *a));
  Result<Bytes> none = cipher->hmac(text("msg"), {});
  EXPECT_TRUE(none.status().message().starts_with("context_required:"));
}

// RFC 8032 §7.1 TEST 1 through a key built from its seed.
TEST(TransitKeyVersionTest, Ed25519MatchesRfc8032Test1) {
  boost::json::value vectors = testing::load_json("rfc/rfc8032_ed25519.json");
  const boost::json::value& v = vectors.at("tests").as_array().at(0);
  ASSERT_EQ(testing::str(v, "name"), "TEST 1");
  const Bytes seed = hex(testing::str(v, "secret_key"));
  ASSERT_EQ(seed, hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  Result<Cipher> cipher = KeyVersionCipher::create(KeyType::kEd25519, false, "sig", 1,
                                                   crypto::SecretBytes::copy_of(seed));
  ASSERT_TRUE(cipher.ok());
  EXPECT_EQ((*cipher)->public_key(), base64_encode(hex(testing::str(v, "public_key"))));
  Result<Bytes> signature = (*cipher)->sign({});
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(*signature, hex(testing::str(v, "signature")));
  EXPECT_TRUE((*cipher)->verify({}, *signature));
  Bytes bad = *signature;
  bad[5] ^= 0x01;
  EXPECT_FALSE((*cipher)->verify({}, bad));
  EXPECT_FALSE((*cipher)->verify(text("x"), *signature));
}

// Ed25519 and RSA-PSS signatures verified by OpenSSL's EVP directly, not through our wrappers.
bool openssl_verify(EVP_PKEY* key, ByteSpan message, ByteSpan signature, bool pss) {
  crypto::ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, pss ? EVP_sha256() : nullptr, nullptr, key) != 1) {
    return false;
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

TEST(TransitKeyVersionTest, SignaturesVerifyWithOpenSsl) {
  const Bytes message = text("ship it");
  {
    Cipher cipher = make(KeyType::kEd25519);
    Result<Bytes> signature = cipher->sign(message);
    ASSERT_TRUE(signature.ok());
    ASSERT_EQ(signature->size(), 64U);
    Bytes raw = *base64_decode(cipher->public_key());
    crypto::ossl::Ptr<EVP_PKEY> key(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
    ASSERT_NE(key, nullptr);
    EXPECT_TRUE(openssl_verify(key.get(), message, *signature, false));
    EXPECT_TRUE(cipher->verify(message, *signature));
  }
  {
    Cipher cipher = make(KeyType::kRsa3072);
    Result<Bytes> signature = cipher->sign(message);
    ASSERT_TRUE(signature.ok()) << signature.status();
    ASSERT_EQ(signature->size(), 384U);
    Bytes spki = *base64_decode(cipher->public_key());
    const unsigned char* p = spki.data();
    crypto::ossl::Ptr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    ASSERT_NE(key, nullptr);
    EXPECT_TRUE(openssl_verify(key.get(), message, *signature, true));
    EXPECT_FALSE(openssl_verify(key.get(), text("ship it!"), *signature, true));
    EXPECT_TRUE(cipher->verify(message, *signature));
    Bytes bad = *signature;
    bad[100] ^= 0x01;
    EXPECT_FALSE(cipher->verify(message, bad));
    EXPECT_FALSE(make(KeyType::kRsa3072, false, "orders", 1, 1)->verify(message, *signature));
  }
}

TEST(TransitKeyVersionTest, ConcurrentEncryptionsAllDecryptAndAreCounted) {
  for (bool derived : {false, true}) {
    Cipher cipher = make(KeyType::kAes256Gcm, derived);
    constexpr std::size_t kThreads = 8;
    constexpr std::size_t kPerThread = 250;
    std::vector<std::vector<Bytes>> blobs(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const Bytes context = derived ? text("ctx" + std::to_string(t)) : Bytes();
        for (std::size_t i = 0; i < kPerThread; ++i) {
          Result<Bytes> blob = cipher->encrypt(text(std::to_string(t * 1000 + i)), context, {});
          CAAS_CHECK(blob.ok());
          CAAS_CHECK(cipher->decrypt(*blob, context, {}).ok());
          blobs[t].push_back(std::move(blob).value());
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    EXPECT_EQ(cipher->encryptions(), std::uint64_t{kThreads} * kPerThread);
    for (std::size_t t = 0; t < kThreads; ++t) {
      const Bytes context = derived ? text("ctx" + std::to_string(t)) : Bytes();
      for (std::size_t i = 0; i < kPerThread; ++i) {
        Result<crypto::SecretBytes> opened = cipher->decrypt(blobs[t][i], context, {});
        ASSERT_TRUE(opened.ok());
        EXPECT_EQ(exposed(*opened), text(std::to_string(t * 1000 + i)));
      }
    }
  }
}

TEST(TransitKeyVersionTest, NoncesDoNotRepeat) {
  for (KeyType type : kAeadTypes) {
    Cipher cipher = make(type);
    std::set<Bytes> nonces;
    constexpr int kCount = 10'000;
    for (int i = 0; i < kCount; ++i) {
      Result<Bytes> blob = cipher->encrypt({}, {}, {});
      ASSERT_TRUE(blob.ok());
      nonces.emplace(blob->begin(), blob->begin() + static_cast<std::ptrdiff_t>(nonce_size(type)));
    }
    EXPECT_EQ(nonces.size(), std::size_t{kCount}) << key_type_name(type);
    EXPECT_EQ(cipher->encryptions(), std::uint64_t{kCount});
  }
}

TEST(TransitKeyVersionTest, CounterCountsEveryEncryptOnly) {
  for (KeyType type : kEncryptTypes) {
    Cipher cipher = make(type);
    ASSERT_TRUE(cipher->encrypt(text("a"), {}, {}).ok());
    ASSERT_TRUE(cipher->encrypt(text("b"), {}, {}).ok());
    EXPECT_FALSE(cipher->encrypt(text("c"), text("ctx"), {}).ok());  // refused before counting
    Result<Bytes> blob = cipher->encrypt(text("d"), {}, {});
    ASSERT_TRUE(blob.ok());
    ASSERT_TRUE(cipher->decrypt(*blob, {}, {}).ok());
    EXPECT_EQ(cipher->encryptions(), 3U) << key_type_name(type);
  }
}

}  // namespace
}  // namespace caas::transit
