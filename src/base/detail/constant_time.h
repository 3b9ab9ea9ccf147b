// Branch-free comparisons on small unsigned values (< 2^31) for the text codecs: mapping a
// character must neither branch on it nor index a table by it, because the text may carry keys
// and a data-dependent branch or load leaks through timing and the cache.
#pragma once

namespace caas::detail {

// 1 when lo <= x <= hi, else 0.
constexpr unsigned ct_in_range(unsigned x, unsigned lo, unsigned hi) {
  return (((x - lo) | (hi - x)) >> 31) ^ 1U;
}

// 1 when x == y, else 0.
constexpr unsigned ct_is_equal(unsigned x, unsigned y) { return ct_in_range(x, y, y); }

// 1 when x >= k (k >= 1), else 0.
constexpr unsigned ct_at_least(unsigned x, unsigned k) { return ((k - 1U - x) >> 31) & 1U; }

static_assert(ct_in_range('5', '0', '9') == 1 && ct_in_range('/', '0', '9') == 0 &&
              ct_in_range(':', '0', '9') == 0);
static_assert(ct_at_least(26, 26) == 1 && ct_at_least(25, 26) == 0);

}  // namespace caas::detail
