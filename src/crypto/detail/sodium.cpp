#include "crypto/detail/sodium.h"

#include <sodium.h>

#include "base/check.h"

namespace caas::crypto::detail {

void ensure_sodium() {
  // The static keeps later calls off sodium_init's internal mutex.
  static const bool initialized = sodium_init() >= 0;
  CAAS_CHECK(initialized);
}

}  // namespace caas::crypto::detail
