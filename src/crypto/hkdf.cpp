#include "crypto/hkdf.h"

#include <vector>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/check.h"
#include "crypto/ossl.h"

namespace caas::crypto {
namespace {

EVP_KDF* hkdf_kdf() {
  static EVP_KDF* const kKdf = [] {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    CAAS_CHECK(kdf != nullptr);
    return kdf;
  }();
  return kKdf;
}

OSSL_PARAM octets(const char* name, ByteSpan bytes) {
  // OpenSSL only reads these buffers; its API is not const-correct.
  return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(bytes.data()),
                                           bytes.size());  // NOLINT
}

// Runs HKDF in `mode` (EVP_KDF_HKDF_MODE_*), writing out.size() bytes.
Status run_hkdf(int mode, ByteSpan key, ByteSpan salt, ByteSpan info, MutableByteSpan out) {
  if (info.size() > kHkdfMaxInfoBytes) {
    return invalid_argument("hkdf: info over 1024 bytes");
  }
  ossl::Ptr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(hkdf_kdf()));
  CAAS_CHECK(ctx != nullptr);
  static const std::uint8_t kEmpty = 0;
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                    const_cast<char*>("SHA256"), 0));  // NOLINT
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(octets(OSSL_KDF_PARAM_KEY, key.empty() ? ByteSpan(&kEmpty, 0) : key));
  if (!salt.empty()) {
    params.push_back(octets(OSSL_KDF_PARAM_SALT, salt));
  }
  if (!info.empty()) {
    params.push_back(octets(OSSL_KDF_PARAM_INFO, info));
  }
  params.push_back(OSSL_PARAM_construct_end());
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return ossl::error("hkdf");
  }
  return ok_status();
}

Status check_output_size(std::size_t out_bytes) {
  if (out_bytes == 0 || out_bytes > kHkdfSha256MaxOutputBytes) {
    return invalid_argument("hkdf: output size must be 1 to 8160 bytes");
  }
  return ok_status();
}

}  // namespace

Result<SecretBytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::size_t out_bytes) {
  CAAS_TRY(check_output_size(out_bytes));
  SecretBytes out(out_bytes);
  CAAS_TRY(run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, out.expose_mutable()));
  return out;
}

SecretArray<32> hkdf_sha256_extract(ByteSpan ikm, ByteSpan salt) {
  SecretArray<32> prk;
  // Extract takes no info, so the only failure left would be OpenSSL's own: a broken invariant.
  CAAS_CHECK(run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, prk.expose_mutable()).ok());
  return prk;
}

Result<SecretBytes> hkdf_sha256_expand(const SecretArray<32>& prk, ByteSpan info,
                                       std::size_t out_bytes) {
  CAAS_TRY(check_output_size(out_bytes));
  SecretBytes out(out_bytes);
  CAAS_TRY(run_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk.expose(), {}, info, out.expose_mutable()));
  return out;
}

Result<SecretArray<32>> hkdf_sha256_key(ByteSpan ikm, ByteSpan salt, ByteSpan info) {
  SecretArray<32> key;
  CAAS_TRY(run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, key.expose_mutable()));
  return key;
}

}  // namespace caas::crypto
