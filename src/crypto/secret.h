// Secret byte containers. Every key, subkey, password and plaintext we hold lives in one of these.
//
// - Wiped (OPENSSL_cleanse) on destruction, on every reallocation and after a move.
// - Move-only: a copy needs an explicit clone(), so one never happens by accident.
// - Compare in constant time; print as "[redacted N bytes]"; never convert implicitly.
// - Bytes come out only through expose(), so `grep expose` finds every place that touches raw key
//   material (Tink's InsecureSecretKeyAccess idea).
//
// Thread-compatible (like std::vector): concurrent const access is safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include "base/bytes.h"
#include "base/check.h"

namespace caas::crypto {

namespace detail {
// Overwrites `size` bytes at `data` in a way the compiler may not elide.
void secure_wipe(void* data, std::size_t size) noexcept;
// Constant-time equality of two equal-length buffers.
bool constant_time_equal(const void* a, const void* b, std::size_t size) noexcept;

// An allocator that wipes memory before giving it back, so that a std::vector growing past its
// capacity leaves no copy of the old contents behind (Tink's SanitizingAllocator).
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  explicit WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) { return true; }
};
}  // namespace detail

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes, to be filled through expose_mutable().
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  // Copies `bytes` in; the caller remains responsible for wiping its own copy.
  static SecretBytes copy_of(ByteSpan bytes) {
    SecretBytes secret;
    secret.bytes_.assign(bytes.begin(), bytes.end());
    return secret;
  }

  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      bytes_ = std::move(other.bytes_);
      other.clear();
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { clear(); }

  [[nodiscard]] SecretBytes clone() const { return copy_of(expose()); }

  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }

  [[nodiscard]] ByteSpan expose() const { return {bytes_.data(), bytes_.size()}; }
  [[nodiscard]] MutableByteSpan expose_mutable() { return {bytes_.data(), bytes_.size()}; }

  // Grows or shrinks; bytes cut off are wiped, new bytes are zero.
  void resize(std::size_t size) {
    if (size < bytes_.size()) {
      detail::secure_wipe(bytes_.data() + size, bytes_.size() - size);
    }
    bytes_.resize(size);
  }
  void append(ByteSpan bytes) { bytes_.insert(bytes_.end(), bytes.begin(), bytes.end()); }
  void reserve(std::size_t capacity) { bytes_.reserve(capacity); }
  // Wipes and empties.
  void clear() noexcept {
    detail::secure_wipe(bytes_.data(), bytes_.capacity());
    bytes_.clear();
  }

  // Constant time in the contents (the lengths are not secret).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return a.size() == b.size() &&
           detail::constant_time_equal(a.bytes_.data(), b.bytes_.data(), a.size());
  }

 private:
  std::vector<std::uint8_t, detail::WipingAllocator<std::uint8_t>> bytes_;
};

// A secret of a size fixed at compile time, so that a 16-byte key does not compile where a
// 32-byte one is expected (libsodium's fixed _KEYBYTES sizes).
template <std::size_t N>
class SecretArray {
 public:
  static constexpr std::size_t kSize = N;

  SecretArray() : bytes_{} {}
  static SecretArray copy_of(std::span<const std::uint8_t, N> bytes) {
    SecretArray secret;
    std::copy(bytes.begin(), bytes.end(), secret.bytes_.begin());
    return secret;
  }

  SecretArray(SecretArray&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.wipe();
    }
    return *this;
  }
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { wipe(); }

  [[nodiscard]] SecretArray clone() const { return copy_of(expose()); }
  [[nodiscard]] static constexpr std::size_t size() { return N; }

  [[nodiscard]] std::span<const std::uint8_t, N> expose() const { return bytes_; }
  [[nodiscard]] std::span<std::uint8_t, N> expose_mutable() { return bytes_; }

  friend bool operator==(const SecretArray& a, const SecretArray& b) {
    return detail::constant_time_equal(a.bytes_.data(), b.bytes_.data(), N);
  }

 private:
  void wipe() noexcept { detail::secure_wipe(bytes_.data(), N); }
  std::array<std::uint8_t, N> bytes_;
};

inline std::ostream& operator<<(std::ostream& os, const SecretBytes& secret) {
  return os << "[redacted " << secret.size() << " bytes]";
}
template <std::size_t N>
std::ostream& operator<<(std::ostream& os, const SecretArray<N>& /*secret*/) {
  return os << "[redacted " << N << " bytes]";
}

// Constant-time equality for tags, tokens and other non-key values held in plain buffers.
// Different lengths compare unequal (the lengths are not treated as secret).
[[nodiscard]] inline bool constant_time_equal(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && detail::constant_time_equal(a.data(), b.data(), a.size());
}

}  // namespace caas::crypto
