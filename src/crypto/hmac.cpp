#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "base/check.h"
#include "crypto/secret.h"

namespace caas::crypto {
namespace {

EVP_MAC* hmac_mac() {
  static EVP_MAC* const kMac = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    CAAS_CHECK(mac != nullptr);
    return mac;
  }();
  return kMac;
}

// A MAC context keyed for `algorithm`. An empty key is valid HMAC (RFC 2104 pads it with
// zeros); OpenSSL wants a non-null pointer for it, hence the dummy byte.
ossl::Ptr<EVP_MAC_CTX> new_context(HashAlgorithm algorithm, ByteSpan key) {
  ossl::Ptr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(hmac_mac()));
  CAAS_CHECK(ctx != nullptr);
  // EVP_MD_get0_name gives the canonical name that the HMAC "digest" parameter accepts.
  const char* digest = EVP_MD_get0_name(evp_md(algorithm));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  CAAS_CHECK(EVP_MAC_init(ctx.get(), key_data, key.size(), params) == 1);
  return ctx;
}

void finish_into(EVP_MAC_CTX* ctx, MutableByteSpan out) {
  std::size_t size = 0;
  CAAS_CHECK(EVP_MAC_final(ctx, out.data(), &size, out.size()) == 1);
  CAAS_CHECK(size == out.size());
}

}  // namespace

Bytes hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan message) {
  ossl::Ptr<EVP_MAC_CTX> ctx = new_context(algorithm, key);
  CAAS_CHECK(EVP_MAC_update(ctx.get(), message.data(), message.size()) == 1);
  Bytes tag(digest_bytes(algorithm));
  finish_into(ctx.get(), tag);
  return tag;
}

HmacSha256Tag hmac_sha256(ByteSpan key, ByteSpan message) {
  HmacSha256 mac(key);
  mac.update(message);
  return mac.finish();
}

Status hmac_sha256_verify(ByteSpan key, ByteSpan message, ByteSpan tag) {
  HmacSha256Tag expected = hmac_sha256(key, message);
  if (!constant_time_equal(expected, tag)) {
    return decryption_failed();
  }
  return ok_status();
}

HmacSha256::HmacSha256(ByteSpan key) : ctx_(new_context(HashAlgorithm::kSha256, key)) {}

void HmacSha256::update(ByteSpan data) {
  CAAS_CHECK(EVP_MAC_update(ctx_.get(), data.data(), data.size()) == 1);
}

HmacSha256Tag HmacSha256::finish() {
  HmacSha256Tag tag{};
  finish_into(ctx_.get(), tag);
  // Re-initialising with no key keeps the key and starts a new message.
  CAAS_CHECK(EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1);
  return tag;
}

}  // namespace caas::crypto
