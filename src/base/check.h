// Invariant checks. CAAS_CHECK aborts in every build: use it for broken invariants and API
// misuse (a wrong key length), never for anything the network, disk or configuration controls —
// those return a Status. CAAS_ASSERT is the debug-only variant for checks too costly to keep.
#pragma once

namespace caas::detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line) noexcept;
}  // namespace caas::detail

#define CAAS_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) [[unlikely]] {                                   \
      ::caas::detail::check_failed(#condition, __FILE__, __LINE__);    \
    }                                                                  \
  } while (false)

#ifdef NDEBUG
#define CAAS_ASSERT(condition) \
  do {                         \
  } while (false && (condition))
#else
#define CAAS_ASSERT(condition) CAAS_CHECK(condition)
#endif
