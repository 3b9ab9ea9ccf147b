// RAII for OpenSSL objects and the conversion of OpenSSL failures into Status
// (Tink's ssl_unique_ptr.h and err_util.h).
//
//   ossl::Ptr<EVP_PKEY> key(EVP_PKEY_new());
//   if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return ossl::error("rsa keygen");
#pragma once

#include <memory>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>

#include "base/status.h"

namespace caas::crypto::ossl {

template <typename T>
struct Deleter;

#define CAAS_OSSL_DELETER(Type, free_fn)                    \
  template <>                                               \
  struct Deleter<Type> {                                    \
    void operator()(Type* p) const noexcept { free_fn(p); } \
  }

CAAS_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
CAAS_OSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free);
CAAS_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
CAAS_OSSL_DELETER(EVP_MD, EVP_MD_free);
CAAS_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
CAAS_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
CAAS_OSSL_DELETER(EVP_KDF, EVP_KDF_free);
CAAS_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free);
CAAS_OSSL_DELETER(EVP_MAC, EVP_MAC_free);
CAAS_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free);
CAAS_OSSL_DELETER(BIO, BIO_free_all);
CAAS_OSSL_DELETER(BN_CTX, BN_CTX_free);
CAAS_OSSL_DELETER(OSSL_DECODER_CTX, OSSL_DECODER_CTX_free);
// These two wipe what they hold when freed: big numbers may be private-key digits, and
// PKCS8_PRIV_KEY_INFO holds the encoded private key.
CAAS_OSSL_DELETER(BIGNUM, BN_clear_free);
CAAS_OSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free);

#undef CAAS_OSSL_DELETER

template <typename T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

// A kInternal Status "<what>: <OpenSSL's reason>", draining the thread's error queue so that a
// later call does not report a stale error. OpenSSL's reason strings hold no key material.
Status error(std::string_view what);

// Like error(), with a caller-chosen code (e.g. kInvalidArgument for a key that fails to parse).
Status error(ErrorCode code, std::string_view what);

// Drops any queued errors (after an expected failure, such as a failed tag check).
void clear_errors() noexcept;

}  // namespace caas::crypto::ossl
