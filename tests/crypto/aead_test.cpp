// AEAD tests: every applicable Wycheproof case for AES-256-GCM, ChaCha20-Poly1305 and
// XChaCha20-Poly1305 through both the one-shot and the incremental interface, plus the
// properties the Aead contract promises (nothing released on failure, one error, key reuse).
#include <functional>
#include <memory>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/aes_gcm.h"
#include "crypto/chacha20_poly1305.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"
#include "testing/vectors.h"

namespace caas::crypto {
namespace {

using caas::testing::hex;
using caas::testing::str;
using caas::testing::VectorCounts;

using AeadFactory = std::function<Result<std::unique_ptr<Aead>>(const SecretBytes&)>;

template <typename T>
AeadFactory factory() {
  return [](const SecretBytes& key) -> Result<std::unique_ptr<Aead>> {
    CAAS_ASSIGN_OR_RETURN(T aead, T::create(key));
    return std::unique_ptr<Aead>(std::make_unique<T>(std::move(aead)));
  };
}

// Runs one Wycheproof AeadTest case one-shot. Returns whether the outcome matched `result`.
// There are no `acceptable` cases in these files for our parameter sets; if one appears the
// policy is: it must round-trip if it decrypts at all.
void run_case(Aead& aead, const boost::json::value& test, VectorCounts& counts) {
  const std::string_view result = str(test, "result");
  const Bytes iv = hex(str(test, "iv"));
  const Bytes aad = hex(str(test, "aad"));
  const Bytes msg = hex(str(test, "msg"));
  const Bytes ct_and_tag = concat({hex(str(test, "ct")), hex(str(test, "tag"))});
  const auto id = test.at("tcId").as_int64();
  counts.count(result);

  Result<SecretBytes> opened = aead.open(Nonce(iv), ct_and_tag, Aad(aad));
  if (result == "valid") {
    ASSERT_TRUE(opened.ok()) << "tcId " << id << ": " << opened.status();
    EXPECT_EQ(hex_encode(opened->expose()), hex_encode(msg)) << "tcId " << id;
    Result<Bytes> sealed = aead.seal(Nonce(iv), msg, Aad(aad));
    ASSERT_TRUE(sealed.ok()) << "tcId " << id;
    EXPECT_EQ(hex_encode(*sealed), hex_encode(ct_and_tag)) << "tcId " << id;
  } else if (result == "invalid") {
    ASSERT_FALSE(opened.ok()) << "tcId " << id << " decrypted";
    EXPECT_EQ(opened.status(), decryption_failed()) << "tcId " << id;
  } else if (opened.ok()) {
    EXPECT_EQ(hex_encode(opened->expose()), hex_encode(msg)) << "tcId " << id;
  }
}

// The same case through the incremental interface, feeding the input in 7-byte pieces.
void run_incremental_case(detail::EvpAead& aead, const boost::json::value& test) {
  const std::string_view result = str(test, "result");
  const Bytes iv = hex(str(test, "iv"));
  const Bytes aad = hex(str(test, "aad"));
  const Bytes msg = hex(str(test, "msg"));
  const Bytes ct = hex(str(test, "ct"));
  const Bytes tag = hex(str(test, "tag"));
  const auto id = test.at("tcId").as_int64();
  if (tag.size() != kAeadTagBytes) {
    return;
  }
  ASSERT_TRUE(aead.begin_open(Nonce(iv), Aad(aad)).ok());
  Bytes out(ct.size());
  for (std::size_t at = 0; at < ct.size(); at += 7) {
    std::size_t n = std::min<std::size_t>(7, ct.size() - at);
    ASSERT_TRUE(aead.update(ByteSpan(ct).subspan(at, n), MutableByteSpan(out).subspan(at, n)).ok());
  }
  Status status = aead.finish_open(std::span<const std::uint8_t, kAeadTagBytes>(tag.data(), 16));
  EXPECT_EQ(status.ok(), result == "valid") << "tcId " << id;
  if (status.ok()) {
    EXPECT_EQ(out, msg) << "tcId " << id;
  }
  if (result == "valid") {
    ASSERT_TRUE(aead.begin_seal(Nonce(iv), Aad(aad)).ok());
    Bytes sealed(msg.size());
    for (std::size_t at = 0; at < msg.size(); at += 5) {
      std::size_t n = std::min<std::size_t>(5, msg.size() - at);
      ASSERT_TRUE(
          aead.update(ByteSpan(msg).subspan(at, n), MutableByteSpan(sealed).subspan(at, n)).ok());
    }
    std::array<std::uint8_t, kAeadTagBytes> got_tag{};
    ASSERT_TRUE(aead.finish_seal(got_tag).ok());
    EXPECT_EQ(sealed, ct) << "tcId " << id;
    EXPECT_EQ(Bytes(got_tag.begin(), got_tag.end()), tag) << "tcId " << id;
  }
}

// Runs every case of `file` whose group matches our parameters (256-bit key, `iv_bits` nonce,
// 128-bit tag); the others are counted as skipped.
void run_wycheproof(std::string_view file, const AeadFactory& make, std::int64_t iv_bits,
                    bool incremental) {
  const boost::json::value root = caas::testing::load_json(file);
  VectorCounts counts;
  for (const auto& group : root.at("testGroups").as_array()) {
    const bool ours = group.at("keySize").as_int64() == 256 &&
                      group.at("ivSize").as_int64() == iv_bits &&
                      group.at("tagSize").as_int64() == 128;
    for (const auto& test : group.at("tests").as_array()) {
      if (!ours) {
        ++counts.skipped;
        continue;
      }
      SecretBytes key = SecretBytes::copy_of(hex(str(test, "key")));
      Result<std::unique_ptr<Aead>> aead = make(key);
      ASSERT_TRUE(aead.ok());
      run_case(**aead, test, counts);
      if (incremental) {
        run_incremental_case(dynamic_cast<detail::EvpAead&>(**aead), test);
      }
    }
  }
  counts.print(file);
  EXPECT_GT(counts.ran(), 0U) << file << " yielded no case";
  EXPECT_GT(counts.invalid, 0U);
}

TEST(AeadVectorsTest, WycheproofAes256Gcm) {
  run_wycheproof("wycheproof/aes_gcm_test.json", factory<Aes256Gcm>(), 96, true);
}

TEST(AeadVectorsTest, WycheproofChaCha20Poly1305) {
  run_wycheproof("wycheproof/chacha20_poly1305_test.json", factory<ChaCha20Poly1305>(), 96, true);
}

TEST(AeadVectorsTest, WycheproofXChaCha20Poly1305) {
  run_wycheproof("wycheproof/xchacha20_poly1305_test.json", factory<XChaCha20Poly1305>(), 192,
                 false);
}

struct AeadCase {
  const char* name;
  AeadFactory make;
};
// Keeps ctest's test names short and readable (the default printer dumps the bytes).
void PrintTo(const AeadCase& aead_case, std::ostream* os) { *os << aead_case.name; }

class AeadPropertyTest : public ::testing::TestWithParam<AeadCase> {
 protected:
  std::unique_ptr<Aead> make(const SecretBytes& key) {
    Result<std::unique_ptr<Aead>> aead = GetParam().make(key);
    CAAS_CHECK(aead.ok());
    return std::move(aead).value();
  }
};

TEST_P(AeadPropertyTest, RoundTripsManyMessagesOnOneInstance) {
  SecretBytes key = random_secret(32);
  std::unique_ptr<Aead> aead = make(key);
  for (std::size_t size : {0UL, 1UL, 15UL, 16UL, 17UL, 1000UL, 65536UL}) {
    Bytes nonce = random_bytes(aead->nonce_bytes());
    Bytes message = random_bytes(size);
    Bytes aad = random_bytes(size % 40);
    Result<Bytes> sealed = aead->seal(Nonce(nonce), message, Aad(aad));
    ASSERT_TRUE(sealed.ok());
    ASSERT_EQ(sealed->size(), size + kAeadTagBytes);
    // A fresh instance with the same key agrees: the reused keyed context carries no state.
    Result<SecretBytes> opened = make(key)->open(Nonce(nonce), *sealed, Aad(aad));
    ASSERT_TRUE(opened.ok()) << size;
    EXPECT_TRUE(opened->expose().size() == size &&
                std::equal(message.begin(), message.end(), opened->expose().begin()));
  }
}

TEST_P(AeadPropertyTest, EveryBitFlipFailsWithOneErrorAndReleasesNothing) {
  std::unique_ptr<Aead> aead = make(random_secret(32));
  Bytes nonce = random_bytes(aead->nonce_bytes());
  Bytes message = to_bytes("attack at dawn");
  Bytes aad = to_bytes("file 42");
  Bytes sealed = *aead->seal(Nonce(nonce), message, Aad(aad));
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    Bytes tampered = sealed;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    Bytes out(message.size(), 0xAA);
    Status status = aead->open_into(Nonce(nonce), tampered, Aad(aad), out);
    ASSERT_EQ(status, decryption_failed()) << bit;
    EXPECT_EQ(out, Bytes(message.size(), 0)) << "output not wiped after bit " << bit;
  }
}

TEST_P(AeadPropertyTest, WrongNonceAadKeyOrTruncationFail) {
  SecretBytes key = random_secret(32);
  std::unique_ptr<Aead> aead = make(key);
  Bytes nonce = random_bytes(aead->nonce_bytes());
  Bytes aad = to_bytes("owner 7");
  Bytes sealed = *aead->seal(Nonce(nonce), to_bytes("secret"), Aad(aad));
  Bytes other_nonce = nonce;
  other_nonce[0] ^= 1;
  EXPECT_EQ(aead->open(Nonce(other_nonce), sealed, Aad(aad)).status(), decryption_failed());
  EXPECT_EQ(aead->open(Nonce(nonce), sealed, Aad::none()).status(), decryption_failed());
  EXPECT_EQ(make(random_secret(32))->open(Nonce(nonce), sealed, Aad(aad)).status(),
            decryption_failed());
  for (std::size_t cut = 0; cut < sealed.size(); ++cut) {
    EXPECT_EQ(aead->open(Nonce(nonce), ByteSpan(sealed).first(cut), Aad(aad)).status(),
              decryption_failed())
        << cut;
  }
  Bytes extended = sealed;
  extended.push_back(0);
  EXPECT_EQ(aead->open(Nonce(nonce), extended, Aad(aad)).status(), decryption_failed());
}

TEST_P(AeadPropertyTest, RejectsBadSizesAsInvalidArgument) {
  std::unique_ptr<Aead> aead = make(random_secret(32));
  Bytes short_nonce(aead->nonce_bytes() - 1);
  EXPECT_EQ(aead->seal(Nonce(short_nonce), {}, Aad::none()).status().code(),
            ErrorCode::kInvalidArgument);
  Bytes nonce(aead->nonce_bytes());
  Bytes out(3);
  EXPECT_EQ(aead->seal_into(Nonce(nonce), to_bytes("abc"), Aad::none(), out).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetParam().make(random_secret(16)).status().code(), ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Ciphers, AeadPropertyTest,
    ::testing::Values(AeadCase{"aes256gcm", factory<Aes256Gcm>()},
                      AeadCase{"chacha20poly1305", factory<ChaCha20Poly1305>()},
                      AeadCase{"xchacha20poly1305", factory<XChaCha20Poly1305>()}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(IncrementalAeadTest, UnverifiedOutputIsRejectedAtFinish) {
  Aes256Gcm aead = *Aes256Gcm::create(random_secret_array<32>());
  Bytes nonce = random_bytes(12);
  Bytes sealed = *aead.seal(Nonce(nonce), to_bytes("0123456789"), Aad::none());
  sealed[3] ^= 0x10;
  ASSERT_TRUE(aead.begin_open(Nonce(nonce), Aad::none()).ok());
  Bytes out(10);
  ASSERT_TRUE(aead.update(ByteSpan(sealed).first(10), out).ok());
  EXPECT_EQ(aead.finish_open(std::span<const std::uint8_t, 16>(sealed.data() + 10, 16)),
            decryption_failed());
}

}  // namespace
}  // namespace caas::crypto
