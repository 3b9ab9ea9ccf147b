// PEM text encoding (RFC 7468) of DER structures, for the key importers and exporters
// (crypto/rsa.cpp). Header-only; stateless and thread-safe.
//
// Decoding takes the first block and ignores text around it (RFC 7468 §2). It hands back the
// label so that the caller decides which structures it accepts. Buffers OpenSSL fills come from
// its secure heap (PEM_FLAG_SECURE) and are wiped before they are freed, since the payload may be
// a private key.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "base/bytes.h"
#include "base/check.h"
#include "base/result.h"
#include "crypto/ossl.h"
#include "crypto/secret.h"

namespace caas::crypto::detail {

struct PemBlock {
  std::string label;         // "PUBLIC KEY", "PRIVATE KEY", ...
  bool has_headers = false;  // RFC 1421 headers such as Proc-Type (encrypted legacy keys)
  SecretBytes der;
};

// Errors: kInvalidArgument if `pem` is empty, longer than `max_bytes` (which must fit in an
// int), or holds no well-formed block.
inline Result<PemBlock> pem_decode(ByteSpan pem, std::size_t max_bytes) {
  CAAS_CHECK(max_bytes <= static_cast<std::size_t>(std::numeric_limits<int>::max()));
  if (pem.empty() || pem.size() > max_bytes) {
    return invalid_argument("pem: input is empty or too large");
  }
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CAAS_CHECK(bio != nullptr);
  char* label = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;  // NOLINT(google-runtime-int): OpenSSL's type
  const int rc = PEM_read_bio_ex(bio.get(), &label, &header, &data, &size,
                                 PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE);
  PemBlock block;
  if (rc == 1) {
    block.label = label;
    block.has_headers = header[0] != '\0';
    block.der = SecretBytes::copy_of({data, static_cast<std::size_t>(size)});
  }
  OPENSSL_secure_free(label);
  OPENSSL_secure_free(header);
  OPENSSL_secure_clear_free(data, static_cast<std::size_t>(size));
  if (rc != 1) {
    return ossl::error(ErrorCode::kInvalidArgument, "pem: malformed block");
  }
  return block;
}

// `der` as a PEM block with 64-character lines and no headers. Aborts only if OpenSSL cannot
// allocate memory.
inline SecretBytes pem_encode(const char* label, ByteSpan der) {
  // A secure-memory BIO wipes its buffer when freed, so a private key's PEM leaves no copy.
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_secmem()));
  CAAS_CHECK(bio != nullptr);
  CAAS_CHECK(PEM_write_bio(bio.get(), label, "", der.data(), static_cast<long>(der.size())) > 0);
  BUF_MEM* buffer = nullptr;
  CAAS_CHECK(BIO_get_mem_ptr(bio.get(), &buffer) == 1 && buffer != nullptr);
  return SecretBytes::copy_of(as_bytes(std::string_view(buffer->data, buffer->length)));
}

}  // namespace caas::crypto::detail
