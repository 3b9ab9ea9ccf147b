#include "crypto/rsa.h"

#include <array>
#include <cstdio>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/random.h"
#include "testing/vectors.h"

namespace caas::crypto {
namespace {

using testing::hex;
using testing::str;

// Key generation is slow, so most tests share one 2048-bit key.
const RsaPrivateKey& shared_key() {
  static const RsaPrivateKey key = std::move(RsaPrivateKey::generate(2048)).value();
  return key;
}

Bytes bytes_of(ByteSpan span) { return {span.begin(), span.end()}; }

// OpenSSL-side helpers, to build inputs our API refuses to produce.
ossl::Ptr<EVP_PKEY> openssl_key(const RsaPrivateKey& key) {
  SecretBytes der = key.to_pkcs8_der();
  const unsigned char* cursor = der.expose().data();
  ossl::Ptr<EVP_PKEY> pkey(
      d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(der.expose().size())));
  CAAS_CHECK(pkey != nullptr);
  return pkey;
}

Bytes spki_der(EVP_PKEY* key) {
  unsigned char* out = nullptr;
  const int size = i2d_PUBKEY(key, &out);
  CAAS_CHECK(size > 0);
  Bytes der(out, out + size);
  OPENSSL_free(out);
  return der;
}

Bytes pkcs8_der(EVP_PKEY* key) {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  CAAS_CHECK(i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio.get(), &mem);
  return bytes_of(as_bytes(std::string_view(mem->data, mem->length)));
}

using PemWriter = int (*)(BIO*, EVP_PKEY*);
std::string pem_of(EVP_PKEY* key, PemWriter write) {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  CAAS_CHECK(write(bio.get(), key) == 1);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio.get(), &mem);
  return {mem->data, mem->length};
}
int write_pkcs8_pem(BIO* bio, EVP_PKEY* key) {
  return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
}
int write_traditional_pem(BIO* bio, EVP_PKEY* key) {
  return PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
}
int write_encrypted_pem(BIO* bio, EVP_PKEY* key) {
  char password[] = "password";
  return PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), password, 8, nullptr, nullptr);
}
int write_public_pem(BIO* bio, EVP_PKEY* key) { return PEM_write_bio_PUBKEY(bio, key); }

// The SubjectPublicKeyInfo of (n of `key`, e = `e_hex`).
Bytes spki_with_exponent(const RsaPrivateKey& key, const char* e_hex) {
  ossl::Ptr<EVP_PKEY> base = openssl_key(key);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  CAAS_CHECK(EVP_PKEY_get_bn_param(base.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1);
  CAAS_CHECK(BN_hex2bn(&e, e_hex) > 0);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  CAAS_CHECK(OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, n) == 1);
  CAAS_CHECK(OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, e) == 1);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  CAAS_CHECK(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  CAAS_CHECK(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1);
  ossl::Ptr<EVP_PKEY> result(raw);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(n);
  BN_free(e);
  return spki_der(result.get());
}

void expect_invalid(const Status& status, std::string_view what) {
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << what << ": " << status;
}

// The files hold only valid and invalid cases. Were "acceptable" cases added, our policy would
// be: decrypt to exactly `msg` or fail with kDecryptionFailed, and nothing else.
void run_oaep_vectors(std::string_view file) {
  boost::json::value vectors = testing::load_json(file);
  testing::VectorCounts counts;
  for (const boost::json::value& group : vectors.at("testGroups").as_array()) {
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pkcs8_der(hex(str(group, "privateKeyPkcs8")));
    ASSERT_TRUE(key.ok()) << key.status();
    Result<RsaPrivateKey> from_pem = RsaPrivateKey::from_pem(as_bytes(str(group, "privateKeyPem")));
    ASSERT_TRUE(from_pem.ok()) << from_pem.status();
    EXPECT_TRUE(from_pem->to_pkcs8_der() == key->to_pkcs8_der());
    EXPECT_EQ(key->bits(), group.at("keySize").to_number<unsigned>());
    for (const boost::json::value& test : group.at("tests").as_array()) {
      const std::string_view result = str(test, "result");
      counts.count(result);
      const auto id = test.at("tcId").to_number<int>();
      Result<SecretBytes> plaintext =
          oaep_decrypt(*key, hex(str(test, "ct")), hex(str(test, "label")));
      if (result == "valid") {
        ASSERT_TRUE(plaintext.ok()) << "tcId " << id << ": " << plaintext.status();
        EXPECT_EQ(bytes_of(plaintext->expose()), hex(str(test, "msg"))) << "tcId " << id;
      } else if (result == "invalid") {
        ASSERT_FALSE(plaintext.ok()) << "tcId " << id;
        EXPECT_EQ(plaintext.status(), decryption_failed()) << "tcId " << id;
      } else if (plaintext.ok()) {
        EXPECT_EQ(bytes_of(plaintext->expose()), hex(str(test, "msg"))) << "tcId " << id;
      } else {
        EXPECT_EQ(plaintext.status(), decryption_failed()) << "tcId " << id;
      }
    }
  }
  counts.print(file);
  ASSERT_GT(counts.ran(), 0U);
  EXPECT_EQ(counts.ran(), vectors.at("numberOfTests").to_number<std::size_t>());
}

TEST(RsaOaepTest, Wycheproof2048Sha256) {
  run_oaep_vectors("wycheproof/rsa_oaep_2048_sha256_mgf1sha256_test.json");
}

TEST(RsaOaepTest, Wycheproof3072Sha256) {
  run_oaep_vectors("wycheproof/rsa_oaep_3072_sha256_mgf1sha256_test.json");
}

void check_generated_key(const RsaPrivateKey& key, unsigned bits) {
  EXPECT_EQ(key.bits(), bits);
  RsaPublicKey public_key = key.public_key();
  EXPECT_EQ(public_key.bits(), bits);
  EXPECT_EQ(public_key.modulus_bytes(), bits / 8);

  Result<Bytes> ciphertext = oaep_encrypt(public_key, as_bytes("key wrap"), {});
  ASSERT_TRUE(ciphertext.ok()) << ciphertext.status();
  Result<SecretBytes> plaintext = oaep_decrypt(key, *ciphertext, {});
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_EQ(as_chars(plaintext->expose()), "key wrap");

  SecretBytes der = key.to_pkcs8_der();
  Result<RsaPrivateKey> from_der = RsaPrivateKey::from_pkcs8_der(der.expose());
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_TRUE(from_der->to_pkcs8_der() == der);
  EXPECT_EQ(from_der->public_key().to_spki_der(), public_key.to_spki_der());

  SecretBytes pem = key.to_pem();
  EXPECT_TRUE(as_chars(pem.expose()).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  Result<RsaPrivateKey> from_pem = RsaPrivateKey::from_pem(pem.expose());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_TRUE(from_pem->to_pem() == pem);
  EXPECT_EQ(from_pem->public_key().to_spki_der(), public_key.to_spki_der());

  Result<RsaPublicKey> spki = RsaPublicKey::from_spki_der(public_key.to_spki_der());
  ASSERT_TRUE(spki.ok()) << spki.status();
  EXPECT_EQ(spki->to_spki_der(), public_key.to_spki_der());
  const std::string public_pem = public_key.to_pem();
  EXPECT_TRUE(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
  Result<RsaPublicKey> from_public_pem = RsaPublicKey::from_pem(public_pem);
  ASSERT_TRUE(from_public_pem.ok()) << from_public_pem.status();
  EXPECT_EQ(from_public_pem->to_spki_der(), public_key.to_spki_der());
  EXPECT_EQ(from_public_pem->to_pem(), public_pem);
}

TEST(RsaKeyTest, Generate2048RoundTrips) { check_generated_key(shared_key(), 2048); }

TEST(RsaKeyTest, Generate3072RoundTrips) {
  Result<RsaPrivateKey> key = RsaPrivateKey::generate(3072);
  ASSERT_TRUE(key.ok()) << key.status();
  check_generated_key(*key, 3072);
}

TEST(RsaKeyTest, Generate4096RoundTrips) {
  Result<RsaPrivateKey> key = RsaPrivateKey::generate(4096);
  ASSERT_TRUE(key.ok()) << key.status();
  check_generated_key(*key, 4096);
}

TEST(RsaKeyTest, GenerateAllowsOnlyStandardSizes) {
  for (unsigned bits : {0U, 1024U, 2047U, 2049U, 8192U}) {
    expect_invalid(RsaPrivateKey::generate(bits).status(), std::to_string(bits));
  }
}

TEST(RsaKeyTest, ImportsTraditionalRsaPrivateKeyPem) {
  const std::string pem = pem_of(openssl_key(shared_key()).get(), write_traditional_pem);
  ASSERT_TRUE(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
  Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(as_bytes(pem));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(key->to_pkcs8_der() == shared_key().to_pkcs8_der());

  // The same PKCS#1 structure with one byte appended is refused.
  unsigned char* pkcs1 = nullptr;
  const int size = i2d_PrivateKey(openssl_key(shared_key()).get(), &pkcs1);
  ASSERT_GT(size, 0);
  Bytes padded(pkcs1, pkcs1 + size);
  OPENSSL_clear_free(pkcs1, static_cast<std::size_t>(size));
  padded.push_back(0);
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  ASSERT_GT(PEM_write_bio(bio.get(), "RSA PRIVATE KEY", "", padded.data(),
                          static_cast<long>(padded.size())),
            0);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio.get(), &mem);
  EXPECT_EQ(RsaPrivateKey::from_pem(as_bytes(std::string_view(mem->data, mem->length))).status(),
            invalid_argument("rsa: trailing data after the key"));
}

TEST(RsaKeyTest, Rejects1024BitKeys) {
  ossl::Ptr<EVP_PKEY> small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}));
  ASSERT_NE(small, nullptr);
  expect_invalid(RsaPublicKey::from_spki_der(spki_der(small.get())).status(), "spki");
  expect_invalid(RsaPublicKey::from_pem(pem_of(small.get(), write_public_pem)).status(), "pem");
  expect_invalid(RsaPrivateKey::from_pkcs8_der(pkcs8_der(small.get())).status(), "pkcs8");
  for (PemWriter writer : {write_pkcs8_pem, write_traditional_pem}) {
    const std::string pem = pem_of(small.get(), writer);
    Status status = RsaPrivateKey::from_pem(as_bytes(pem)).status();
    expect_invalid(status, pem.substr(0, 32));
    EXPECT_NE(status.message().find("1024-bit modulus"), std::string::npos) << status;
  }
}

TEST(RsaKeyTest, RejectsBadPublicExponents) {
  // 3 (too small), 65535 (odd but small), 65538 (even), 2^256 + 1 (too large).
  for (const char* e : {"3", "FFFF", "10002",
                        "10000000000000000000000000000000000000000000000000000000000000001"}) {
    Status status = RsaPublicKey::from_spki_der(spki_with_exponent(shared_key(), e)).status();
    expect_invalid(status, e);
    EXPECT_NE(status.message().find("public exponent"), std::string::npos) << status;
  }
  // 65537 and 2^255 + 1 are fine.
  for (const char* e :
       {"10001", "8000000000000000000000000000000000000000000000000000000000000001"}) {
    EXPECT_TRUE(RsaPublicKey::from_spki_der(spki_with_exponent(shared_key(), e)).ok()) << e;
  }
}

TEST(RsaKeyTest, RejectsInconsistentPrivateKeys) {
  const SecretBytes der = shared_key().to_pkcs8_der();
  // Offset 100 lies inside the modulus n; the last byte belongs to qInv.
  for (std::size_t offset : {std::size_t{100}, der.size() - 1}) {
    SecretBytes corrupt = der.clone();
    corrupt.expose_mutable()[offset] ^= 0x10;
    Status status = RsaPrivateKey::from_pkcs8_der(corrupt.expose()).status();
    EXPECT_EQ(status, invalid_argument("rsa: inconsistent private key")) << offset;
  }
}

TEST(RsaKeyTest, RejectsGarbageAndTheWrongKinds) {
  const SecretBytes pkcs8 = shared_key().to_pkcs8_der();
  const Bytes spki = shared_key().public_key().to_spki_der();
  expect_invalid(RsaPrivateKey::from_pem(as_bytes("not a key")).status(), "text");
  expect_invalid(RsaPrivateKey::from_pem({}).status(), "empty pem");
  expect_invalid(RsaPublicKey::from_pem("-----BEGIN PUBLIC KEY-----\n!!!\n").status(), "b64");
  expect_invalid(RsaPrivateKey::from_pkcs8_der({}).status(), "empty der");
  expect_invalid(RsaPrivateKey::from_pkcs8_der(random_bytes(300)).status(), "random der");
  expect_invalid(RsaPublicKey::from_spki_der(random_bytes(300)).status(), "random spki");
  expect_invalid(RsaPrivateKey::from_pkcs8_der(pkcs8.expose().first(pkcs8.size() - 1)).status(),
                 "truncated pkcs8");
  expect_invalid(RsaPublicKey::from_spki_der(ByteSpan(spki).first(spki.size() - 1)).status(),
                 "truncated spki");
  expect_invalid(RsaPublicKey::from_spki_der(concat({spki, Bytes{0}})).status(), "trailing");
  expect_invalid(RsaPrivateKey::from_pkcs8_der(concat({pkcs8.expose(), Bytes{0}})).status(),
                 "trailing");
  expect_invalid(RsaPrivateKey::from_pkcs8_der(spki).status(), "spki as pkcs8");
  expect_invalid(RsaPublicKey::from_spki_der(pkcs8.expose()).status(), "pkcs8 as spki");
  // A public PEM where a private one is expected, and the other way round.
  expect_invalid(RsaPrivateKey::from_pem(as_bytes(shared_key().public_key().to_pem())).status(),
                 "public as private");
  expect_invalid(RsaPublicKey::from_pem(as_chars(shared_key().to_pem().expose())).status(),
                 "private as public");
  // An encrypted key is refused without ever asking for a password.
  ossl::Ptr<EVP_PKEY> key = openssl_key(shared_key());
  expect_invalid(RsaPrivateKey::from_pem(as_bytes(pem_of(key.get(), write_encrypted_pem))).status(),
                 "encrypted");
  // Keys of other algorithms.
  ossl::Ptr<EVP_PKEY> ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  expect_invalid(RsaPrivateKey::from_pem(as_bytes(pem_of(ec.get(), write_pkcs8_pem))).status(),
                 "ec private");
  expect_invalid(RsaPublicKey::from_spki_der(spki_der(ec.get())).status(), "ec public");
}

TEST(RsaOaepTest, EncryptDecryptWithAndWithoutLabel) {
  RsaPublicKey public_key = shared_key().public_key();
  const Bytes label = to_bytes("transit key v1");
  for (ByteSpan l : {ByteSpan{}, ByteSpan(label)}) {
    Result<Bytes> ciphertext = oaep_encrypt(public_key, as_bytes("secret"), l);
    ASSERT_TRUE(ciphertext.ok()) << ciphertext.status();
    EXPECT_EQ(ciphertext->size(), 256U);
    Result<SecretBytes> plaintext = oaep_decrypt(shared_key(), *ciphertext, l);
    ASSERT_TRUE(plaintext.ok()) << plaintext.status();
    EXPECT_EQ(as_chars(plaintext->expose()), "secret");
  }
  // Encryption is randomized.
  EXPECT_NE(*oaep_encrypt(public_key, as_bytes("x"), {}),
            *oaep_encrypt(public_key, as_bytes("x"), {}));
}

TEST(RsaOaepTest, WrongLabelOrTamperingFailsAlike) {
  RsaPublicKey public_key = shared_key().public_key();
  const Bytes label = to_bytes("label");
  Result<Bytes> with_label = oaep_encrypt(public_key, as_bytes("m"), label);
  Result<Bytes> without_label = oaep_encrypt(public_key, as_bytes("m"), {});
  ASSERT_TRUE(with_label.ok() && without_label.ok());
  EXPECT_EQ(oaep_decrypt(shared_key(), *with_label, {}).status(), decryption_failed());
  EXPECT_EQ(oaep_decrypt(shared_key(), *with_label, to_bytes("lable")).status(),
            decryption_failed());
  EXPECT_EQ(oaep_decrypt(shared_key(), *without_label, label).status(), decryption_failed());
  Bytes tampered = *with_label;
  tampered[128] ^= 0x01;
  EXPECT_EQ(oaep_decrypt(shared_key(), tampered, label).status(), decryption_failed());
  EXPECT_EQ(oaep_decrypt(shared_key(), ByteSpan(*with_label).first(255), label).status(),
            decryption_failed());
  EXPECT_EQ(oaep_decrypt(shared_key(), {}, label).status(), decryption_failed());
}

TEST(RsaOaepTest, MaximumPlaintextLengthIsEnforced) {
  RsaPublicKey public_key = shared_key().public_key();
  ASSERT_EQ(public_key.max_oaep_plaintext_bytes(), 256U - 2 * 32 - 2);
  Bytes longest(190, 0xab);
  Result<Bytes> ciphertext = oaep_encrypt(public_key, longest, {});
  ASSERT_TRUE(ciphertext.ok()) << ciphertext.status();
  Result<SecretBytes> plaintext = oaep_decrypt(shared_key(), *ciphertext, {});
  ASSERT_TRUE(plaintext.ok());
  EXPECT_EQ(bytes_of(plaintext->expose()), longest);
  Result<Bytes> too_long = oaep_encrypt(public_key, Bytes(191, 0xab), {});
  EXPECT_EQ(too_long.status(),
            invalid_argument("rsa-oaep: plaintext of 191 bytes exceeds the 190-byte maximum for "
                             "this key"));
}

TEST(RsaPssTest, SignVerifyAndTamperDetection) {
  RsaPublicKey public_key = shared_key().public_key();
  const Bytes message = to_bytes("transit: sign this");
  Result<Bytes> signature = shared_key().sign_pss(message);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(signature->size(), 256U);
  EXPECT_TRUE(public_key.verify_pss(message, *signature).ok());
  EXPECT_NE(*shared_key().sign_pss(message), *signature);  // random salt

  Bytes other_message = message;
  other_message[0] ^= 0x01;
  EXPECT_EQ(public_key.verify_pss(other_message, *signature), decryption_failed());
  for (std::size_t i : {0U, 128U, 255U}) {
    Bytes bad = *signature;
    bad[i] ^= 0x01;
    EXPECT_EQ(public_key.verify_pss(message, bad), decryption_failed()) << i;
  }
  EXPECT_EQ(public_key.verify_pss(message, ByteSpan(*signature).first(255)), decryption_failed());
  EXPECT_EQ(public_key.verify_pss(message, {}), decryption_failed());
  EXPECT_TRUE(shared_key().sign_pss({}).ok());
}

TEST(RsaPssTest, OneKeyIsSafeToShareAcrossThreads) {
  RsaPublicKey public_key = shared_key().public_key();
  std::array<bool, 4> ok{};
  std::vector<std::thread> threads;
  threads.reserve(ok.size());
  for (bool& thread_ok : ok) {
    threads.emplace_back([&] {
      bool all = true;
      for (int i = 0; i < 5; ++i) {
        Result<Bytes> signature = shared_key().sign_pss(as_bytes("m"));
        all = all && signature.ok() && public_key.verify_pss(as_bytes("m"), *signature).ok();
        Result<Bytes> ciphertext = oaep_encrypt(public_key, as_bytes("m"), {});
        all = all && ciphertext.ok() && oaep_decrypt(shared_key(), *ciphertext, {}).ok();
      }
      thread_ok = all;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok, (std::array<bool, 4>{true, true, true, true}));
}

}  // namespace
}  // namespace caas::crypto
