#include "crypto/secret.h"

#include <openssl/crypto.h>

namespace caas::crypto::detail {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) {
    OPENSSL_cleanse(data, size);
  }
}

bool constant_time_equal(const void* a, const void* b, std::size_t size) noexcept {
  // CRYPTO_memcmp examines every byte regardless of where the first difference is.
  return size == 0 || CRYPTO_memcmp(a, b, size) == 0;
}

}  // namespace caas::crypto::detail
