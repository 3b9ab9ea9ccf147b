#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace caas::detail {

void check_failed(const char* condition, const char* file, int line) noexcept {
  // stderr only: a failed check must not allocate or depend on the logger being set up.
  std::fprintf(stderr, "caas: check failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}

}  // namespace caas::detail
