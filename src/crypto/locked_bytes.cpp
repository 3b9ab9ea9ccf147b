#include "crypto/locked_bytes.h"

#include <algorithm>
#include <utility>

#include <sodium.h>

#include "crypto/detail/sodium.h"
#include "crypto/secret.h"

namespace caas::crypto {

Result<LockedBytes> LockedBytes::allocate(std::size_t size) {
  if (size == 0) {
    return invalid_argument("locked bytes: size must be at least 1");
  }
  detail::ensure_sodium();
  // sodium_malloc: guard pages around, canary before, mlock (best effort); never initialised.
  auto* data = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data == nullptr) {
    return error(ErrorCode::kResourceExhausted, "locked bytes: cannot map guarded memory");
  }
  std::fill(data, data + size,
            std::uint8_t{0});  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  return LockedBytes(data, size);
}

Result<LockedBytes> LockedBytes::copy_of(ByteSpan bytes) {
  CAAS_ASSIGN_OR_RETURN(LockedBytes secret, allocate(bytes.size()));
  std::copy(bytes.begin(), bytes.end(), secret.data_);
  return secret;
}

LockedBytes::LockedBytes(LockedBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

LockedBytes& LockedBytes::operator=(LockedBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

LockedBytes::~LockedBytes() { release(); }

void LockedBytes::release() noexcept {
  if (data_ != nullptr) {
    sodium_free(data_);  // wipes, checks the canary, unlocks and unmaps
    data_ = nullptr;
    size_ = 0;
  }
}

bool operator==(const LockedBytes& a, const LockedBytes& b) {
  return constant_time_equal(a.expose(), b.expose());
}

}  // namespace caas::crypto
