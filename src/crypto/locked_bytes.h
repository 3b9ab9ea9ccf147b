// LockedBytes: a secret in libsodium's guarded memory (sodium_malloc) — for the few secrets
// that must not reach swap or core dumps and whose overruns must fault: the root key, the
// keyring while unsealed, and unseal shares being collected (STYLE.md, "Secrets").
//
// The region is locked into RAM (mlock, best effort), sits immediately before a guard page
// (an overrun faults) after a canary (an underrun is detected at free), and is wiped by
// sodium_free. Each object costs at least three pages, so use SecretBytes for everything else.
//
// Move-only; compares in constant time; prints as "[redacted N bytes]"; bytes only through
// expose(). Thread-compatible.
#pragma once

#include <cstddef>
#include <ostream>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::crypto {

class LockedBytes {
 public:
  // `size` (>= 1) zero bytes. Errors: kResourceExhausted when the memory cannot be mapped.
  static Result<LockedBytes> allocate(std::size_t size);
  static Result<LockedBytes> copy_of(ByteSpan bytes);

  LockedBytes(LockedBytes&& other) noexcept;
  LockedBytes& operator=(LockedBytes&& other) noexcept;
  LockedBytes(const LockedBytes&) = delete;
  LockedBytes& operator=(const LockedBytes&) = delete;
  ~LockedBytes();

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] ByteSpan expose() const { return {data_, size_}; }
  [[nodiscard]] MutableByteSpan expose_mutable() { return {data_, size_}; }

  // Constant time in the contents (lengths are not secret).
  friend bool operator==(const LockedBytes& a, const LockedBytes& b);

 private:
  LockedBytes(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void release() noexcept;

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const LockedBytes& secret) {
  return os << "[redacted " << secret.size() << " bytes]";
}

}  // namespace caas::crypto
