#include "crypto/hash.h"

#include "base/check.h"

namespace caas::crypto {
namespace {

const char* md_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha224:
      return "SHA2-224";
    case HashAlgorithm::kSha256:
      return "SHA2-256";
    case HashAlgorithm::kSha384:
      return "SHA2-384";
    case HashAlgorithm::kSha512:
      return "SHA2-512";
  }
  CAAS_CHECK(false);
}

EVP_MD* fetch(HashAlgorithm algorithm) {
  EVP_MD* md = EVP_MD_fetch(nullptr, md_name(algorithm), nullptr);
  CAAS_CHECK(md != nullptr);  // the default provider always has these
  return md;
}

}  // namespace

std::size_t digest_bytes(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return 20;
    case HashAlgorithm::kSha224:
      return 28;
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  CAAS_CHECK(false);
}

const EVP_MD* evp_md(HashAlgorithm algorithm) {
  // Function-local statics: initialised once, thread-safely, and never freed (they must outlive
  // every other static that might hash during shutdown).
  static EVP_MD* const kMds[] = {fetch(HashAlgorithm::kSha1), fetch(HashAlgorithm::kSha224),
                                 fetch(HashAlgorithm::kSha256), fetch(HashAlgorithm::kSha384),
                                 fetch(HashAlgorithm::kSha512)};
  return kMds[static_cast<std::size_t>(algorithm)];
}

Bytes hash(HashAlgorithm algorithm, ByteSpan data) {
  Bytes out(digest_bytes(algorithm));
  unsigned int size = 0;
  CAAS_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &size, evp_md(algorithm), nullptr) ==
             1);
  CAAS_CHECK(size == out.size());
  return out;
}

Sha256Digest sha256(ByteSpan data) {
  Sha256Digest out{};
  unsigned int size = 0;
  CAAS_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &size, evp_md(HashAlgorithm::kSha256),
                        nullptr) == 1);
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  CAAS_CHECK(ctx_ != nullptr);
  CAAS_CHECK(EVP_DigestInit_ex2(ctx_.get(), evp_md(HashAlgorithm::kSha256), nullptr) == 1);
}

void Sha256::update(ByteSpan data) {
  CAAS_CHECK(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) == 1);
}

Sha256Digest Sha256::finish() {
  Sha256Digest out{};
  unsigned int size = 0;
  CAAS_CHECK(EVP_DigestFinal_ex(ctx_.get(), out.data(), &size) == 1);
  CAAS_CHECK(EVP_DigestInit_ex2(ctx_.get(), nullptr, nullptr) == 1);
  return out;
}

}  // namespace caas::crypto
