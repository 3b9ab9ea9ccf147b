// scrypt against RFC 7914 §12, and the work-factor bound a reader of untrusted headers needs.
#include "crypto/scrypt.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/hex.h"
#include "testing/vectors.h"

namespace caas::crypto {
namespace {

using caas::testing::str;

std::uint32_t log2_exact(std::int64_t n) {
  std::uint32_t log = 0;
  while ((std::int64_t{1} << log) < n) {
    ++log;
  }
  CAAS_CHECK((std::int64_t{1} << log) == n);
  return log;
}

TEST(ScryptTest, Rfc7914Section12) {
  const boost::json::value root = caas::testing::load_json("rfc/rfc7914_scrypt.json");
  std::size_t ran = 0;
  for (const auto& test : root.at("scrypt").as_array()) {
    ScryptParams params{.log2_n = log2_exact(test.at("N").as_int64()),
                        .r = static_cast<std::uint32_t>(test.at("r").as_int64()),
                        .p = static_cast<std::uint32_t>(test.at("p").as_int64())};
    Result<SecretBytes> key =
        scrypt(as_bytes(str(test, "password")), as_bytes(str(test, "salt")), params,
               static_cast<std::size_t>(test.at("dk_len").as_int64()));
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(hex_encode(key->expose()), str(test, "dk")) << "N=" << test.at("N").as_int64();
    ++ran;
  }
  std::printf("vectors rfc/rfc7914_scrypt.json: %zu scrypt cases ran\n", ran);
  EXPECT_EQ(ran, 4U);
}

TEST(ScryptTest, WorkFactorOverTheMemoryLimitIsRefusedBeforeAllocating) {
  // age headers carry the work factor: a hostile file asking for N = 2^30 (128 GiB at r = 8)
  // must be refused up front.
  ScryptParams hostile{.log2_n = 30, .r = 8, .p = 1};
  EXPECT_EQ(scrypt(as_bytes("pw"), as_bytes("salt"), hostile, 32).status().code(),
            ErrorCode::kResourceExhausted);
  ScryptParams small_limit{.log2_n = 14, .r = 8, .p = 1, .max_memory_bytes = 1 << 20};
  EXPECT_EQ(scrypt(as_bytes("pw"), as_bytes("salt"), small_limit, 32).status().code(),
            ErrorCode::kResourceExhausted);
}

TEST(ScryptTest, RejectsInvalidParameters) {
  auto code = [](ScryptParams p, std::size_t out) {
    return scrypt(as_bytes("pw"), as_bytes("salt"), p, out).status().code();
  };
  EXPECT_EQ(code({.log2_n = 0}, 32), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({.log2_n = 31}, 32), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({.log2_n = 4, .r = 0}, 32), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({.log2_n = 4, .r = 1, .p = 0}, 32), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({.log2_n = 4, .r = 1, .p = 1}, 0), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace caas::crypto
